#!/usr/bin/env bash
# Reproduce the bundled default model, stage by stage (each stage fits the GPU machine's
# 10-minute command limit; WORK keeps the state between stages).
#
#   bash training/pipeline.sh corpus tokenizer ar       # ~6 min: corpus, tokenizer (+ vocab measurement), AR baseline
#   bash training/pipeline.sh mdlm eval export          # ~7 min: MDLM, perplexities, held-out infill tasks, ONNX
#   bash training/pipeline.sh test                      # pytest with this machine's PyTorch
#
# These defaults are exactly the bundled diffuse-small (models/diffuse-small/MODEL_CARD.md). A longer
# run: raise SCHEDULE and call `mdlm` again to resume (each call trains MDLM_MINUTES). The AR baseline
# runs AR_MINUTES of an AR_SCHEDULE-minute LR schedule. REFERENCE=1 adds the PyTorch reference infill
# to `eval` (a yardstick for the TS engine; slow: one network call per hole slot).
#
# Corpus: the Python install's own site-packages + standard library, plus the npm packages in
# $NPM_TAR (made by training/pack_npm_corpus.sh). Any other directory works: SOURCES="name:dir ...".
set -euo pipefail
cd "$(dirname "$0")"
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=true
PY=${PYTHON:-python3}
W=${WORK:-/tmp/diffuse}
NPM_TAR=${NPM_TAR:-../.corpus/npm.tar.xz}
NAME=${NAME:-diffuse-small}
VOCAB=${VOCAB:-8192}
SCHEDULE=${SCHEDULE:-6.2}         # minutes of MDLM training in total (the LR schedule's length)
MDLM_MINUTES=${MDLM_MINUTES:-6.2}
AR_SCHEDULE=${AR_SCHEDULE:-13}
AR_MINUTES=${AR_MINUTES:-5}
MODEL="--n_layer=8 --n_head=6 --n_embd=384 --max_length=256 --batch_size=256 ${EXTRA:-}"
mkdir -p "$W"

for stage in "$@"; do
  echo "=== $stage $(date -u +%H:%M:%S)"
  case $stage in
  corpus)
    if [ -z "${SOURCES:-}" ]; then
      mkdir -p "$W/npm" && tar xJf "$NPM_TAR" -C "$W/npm"
      SOURCES=$($PY - <<'PYEOF'
import site, sysconfig
dirs = [d for d in site.getsitepackages()] + [sysconfig.get_paths()["stdlib"]]
print(" ".join(f"python{i}:{d}" for i, d in enumerate(dirs)))
PYEOF
)" npm:$W/npm/node_modules"
    fi
    args=(); for s in $SOURCES; do args+=("--src=$s"); done
    $PY -m diffuse.corpus "${args[@]}" --out="$W/corpus" --val_permille=20
    ;;
  tokenizer)
    $PY -m diffuse.tokenizer --corpus="$W/corpus" --measure=${MEASURE:-4096,8192,16384} --sample_bytes=60000000 \
      --out="$W/vocab_measure.json"
    $PY -m diffuse.tokenizer --corpus="$W/corpus" --vocab_size="$VOCAB" --sample_bytes=200000000 \
      --out="$W/tokenizer.json"
    ;;
  test)
    PYTHON=$PY bash run_tests.sh
    ;;
  ar)
    $PY -m diffuse.train $MODEL --objective=ar --corpus="$W/corpus" --tokenizer="$W/tokenizer.json" \
      --out_dir="$W/ar" --max_minutes="$AR_MINUTES" --schedule_minutes="$AR_SCHEDULE"
    ;;
  mdlm)
    snap=$($PY -c "import torch,sys; print(torch.load(sys.argv[1],map_location='cpu')['tokens_seen'])" "$W/ar/ckpt.pt" 2>/dev/null || echo 0)
    $PY -m diffuse.train $MODEL --objective=mdlm --corpus="$W/corpus" --tokenizer="$W/tokenizer.json" \
      --out_dir="$W/mdlm" --max_minutes="$MDLM_MINUTES" --schedule_minutes="$SCHEDULE" --snapshot_tokens="$snap"
    ;;
  eval)
    common=(--corpus="$W/corpus" --tokenizer="$W/tokenizer.json" --windows=2048 --samples=8)
    [ -f "$W/mdlm/ckpt_snapshot.pt" ] && $PY -m diffuse.evaluate ppl "${common[@]}" --mdlm="$W/mdlm/ckpt_snapshot.pt" \
      --ar="$W/ar/ckpt.pt" --result="$W/ppl_equal_tokens.json"
    $PY -m diffuse.evaluate ppl "${common[@]}" --mdlm="$W/mdlm/ckpt.pt" --result="$W/ppl_final.json"
    $PY -m diffuse.evaluate tasks --corpus="$W/corpus" --out="$W/tasks.jsonl" --single=300 --multi=150
    [ "${REFERENCE:-0}" = 1 ] && $PY -m diffuse.evaluate infill --ckpt="$W/mdlm/ckpt.pt" --tokenizer="$W/tokenizer.json" \
      --tasks="$W/tasks.jsonl" --out="$W/reference_infill.jsonl" --result="$W/reference_infill_score.json"
    true
    ;;
  export)
    $PY -m diffuse.results "$W" > "$W/results.json"
    $PY -m diffuse.export --ckpt="$W/mdlm/ckpt.pt" --tokenizer="$W/tokenizer.json" --out="$W/$NAME" \
      --name="$NAME" --results="$W/results.json"
    ;;
  *) echo "unknown stage $stage"; exit 2 ;;
  esac
done
