#!/usr/bin/env bash
# Here, before bench/gpu.sh runs on the GPU machine: fills .device/ (Node, onnxruntime-node, Vulkan
# loader; ../shared/device/prepare.sh), builds out/ (the TypeScript benchmarks), packs the Linux x64
# tokenizer binding into bench/.carry/node_modules (5 MB instead of the package's 64 MB) and writes
# the development task file. Then carry: .device out bench/.carry bench/data
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .device/node.xz ] && ls .device/ort-*.tar.xz >/dev/null 2>&1 && ls .device/gl/*.deb >/dev/null 2>&1 || bash ../shared/device/prepare.sh
npm run --silent compile-tests
dst=bench/.carry/node_modules/tokenizers
rm -rf "$dst" && mkdir -p "$dst"
cp node_modules/tokenizers/{package.json,index.js,tokenizers.linux-x64-gnu.node} "$dst/"
[ -f bench/data/src-tasks.jsonl ] || node out/bench/makeTasks.js
du -sh .device out bench/.carry bench/data | tr '\n' ' '; echo
