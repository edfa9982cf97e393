#!/usr/bin/env bash
# pytest of training/ on CPU with tiny configs. CI: Debian's /usr/bin/python3 (torch 1.13, onnx,
# pytest; no tokenizers, no onnxruntime: those tests skip). Exit code = pytest's.
set -uo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || PY=python3
"$PY" -m pytest -q -p no:cacheprovider tests reference_sampler "$@"
