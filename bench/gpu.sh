#!/usr/bin/env bash
# The GPU step ratio (issue 5, item 1) on the GPU machine, in one command: PyTorch CUDA fp16 with a
# CUDA graph (bench/gpu_step_torch.py) against onnxruntime-node (bench/gpu_step.mjs, which feeds the
# graph through the engine's compiled call plans in out/) per session variant, same weights, same
# input, L = 128/256/512, batch 1 and 4; then end-to-end infill latency with WebGPU (bench/latency.ts,
# with the tokenizer binding of bench/.carry). The latency part runs the fp32 graph of MODEL_DIR.
#
# Here, once:   bash bench/gpu_prepare.sh        (fills .device/, builds out/, packs bench/.carry/)
# There:        bash bench/gpu.sh [MODEL_DIR]     carry: .device out bench/.carry
#
# Every part runs under its own timeout and only while the overall DEADLINE (seconds, default 540)
# leaves room for it; a part that fails or times out is logged and the next one runs. The merged
# results are rewritten after every part, so what finished is kept whatever happens later:
#   $OUT/gpu_step.json   every measurement, both sides, plus the parts' status
#   $OUT/summary.md      the ratio table (node variant / PyTorch CUDA graph) and the parity check
#   $OUT/gpu.log         stdout and stderr of every part
#   $OUT/latency-webgpu.json, $OUT/latency-webgpu.md   end-to-end infill latency with WebGPU (if run)
#   $OUT/mha-parity.json, $OUT/mha-parity.md   MultiHeadAttention on WebGPU against the CPU by row count (bench/mha_parity.mjs)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu-bench}
MODEL=${1:-${MODEL:-models/diffuse-small}}
LENGTHS=${LENGTHS:-128,256,512}
BATCHES=${BATCHES:-1,4}
QUERIES=${QUERIES:-32}
RUNS=${RUNS:-50}
DEADLINE=${DEADLINE:-540}
VARIANTS=${VARIANTS:-webgpu webgpu-tuned cpu webgpu-novalid webgpu-gpuout webgpu-fp16 webgpu-capture}
LATENCY_LIMIT=${LATENCY_LIMIT:-60}
LATENCY_ARGS=${LATENCY_ARGS:-}
TASKS=${TASKS:-$( [ -f bench/data/heldout-tasks.jsonl ] && echo bench/data/heldout-tasks.jsonl || echo bench/data/src-tasks.jsonl )}
WORK=/tmp/gpu-bench-work
NODE=${NODE:-/tmp/node}             # a dry run here: NODE=node SKIP_PREPARE=1 OUT=/tmp/x bash bench/gpu.sh DIR
mkdir -p "$OUT" "$WORK"
: > "$WORK/parts.jsonl"
LOG="$OUT/gpu.log"
START=$(date +%s)
echo "gpu.sh: model=$MODEL lengths=$LENGTHS batches=$BATCHES queries=$QUERIES runs=$RUNS deadline=${DEADLINE}s $(date -u +%FT%TZ)" > "$LOG"

# part NAME LIMIT CMD...: runs CMD under `timeout LIMIT` if the deadline allows; never fails the script.
part() {
  local name=$1 limit=$2; shift 2
  local left=$(( DEADLINE - ($(date +%s) - START) ))
  local status
  if (( left < 15 )); then
    status="skipped: ${left}s left"
  else
    (( limit > left )) && limit=$left
    echo "=== $name (limit ${limit}s) $(date -u +%T)" >> "$LOG"
    local t0=$(date +%s) rc=0
    # bash -c so that exported shell functions can be parts too
    timeout -k 5 "$limit" bash -c '"$@"' _ "$@" >> "$LOG" 2>&1 || rc=$?
    if (( rc == 0 )); then status="ok"; elif (( rc == 124 || rc == 137 )); then status="timed out"; else status="failed (exit $rc)"; fi
    status="$status in $(( $(date +%s) - t0 ))s"
  fi
  echo "--- $name: $status" >> "$LOG"
  printf '{"part": "%s", "status": "%s"}\n' "$name" "$status" >> "$WORK/parts.jsonl"
  merge || true
}

merge() {
  python3 bench/gpu_summary.py "$WORK" "$OUT" >> "$LOG" 2>&1
}

prepare() {
  [ -d .device ] || { echo "no .device/: run bash bench/gpu_prepare.sh here and carry .device"; return 1; }
  for f in .device/gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
  [ -x /tmp/node ] || { xz -dc .device/node.xz > /tmp/node.part && chmod +x /tmp/node.part && mv /tmp/node.part /tmp/node; }
  local tarball; tarball=$(ls .device/ort-*.tar.xz | head -1)
  [ -d /tmp/ortnm/node_modules/onnxruntime-node ] || { mkdir -p /tmp/ortnm && tar xJf "$tarball" -C /tmp/ortnm; }
  /tmp/node --version
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
}
export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
export NODE_PATH=/tmp/ortnm/node_modules${NODE_PATH:+:$NODE_PATH}
[ -d bench/.carry/node_modules ] && export NODE_PATH="$NODE_PATH:$PWD/bench/.carry/node_modules"

fp16_model() {
  # fp16 weights and compute for WebGPU (inputs/outputs stay int64/float32), by onnxruntime's own converter.
  mkdir -p "$WORK/fp16"
  python3 - "$MODEL" "$WORK/fp16" <<'PY'
import shutil, sys, onnx
from onnxruntime.transformers.float16 import convert_float_to_float16
src, dst = sys.argv[1], sys.argv[2]
m = convert_float_to_float16(onnx.load(f"{src}/model.onnx"), keep_io_types=True, op_block_list=["LayerNormalization", "Softmax"])
onnx.save(m, f"{dst}/model.onnx")
shutil.copyfile(f"{src}/meta.json", f"{dst}/meta.json")
print("fp16 model written")
PY
}

# the engine's call plans, compiled: gpu_step.mjs and latency.js read them from out/
compiled() {
  [ -f out/src/model/runtime/contextCacheFeeds.js ] && [ -f out/bench/latency.js ] ||
    { echo "no current out/: npm run compile-tests here (bench/gpu_prepare.sh) and carry out"; return 1; }
}

node_variant() {
  compiled || return 1
  local v=$1 extra=()
  if [ "$v" = webgpu-fp16 ]; then
    [ -f "$WORK/fp16/model.onnx" ] || { echo "no fp16 model (fp16-convert failed?)"; return 1; }
    extra=(--model-file "$WORK/fp16/model.onnx"); v=webgpu
  fi
  "$NODE" bench/gpu_step.mjs --model "$MODEL" --variant "$v" "${extra[@]}" --lengths "$LENGTHS" --batches "$BATCHES" \
    --queries "$QUERIES" --runs "$RUNS" --out "$WORK/node-$1.json"
}

profile() {
  compiled || return 1
  mkdir -p "$WORK/profile"
  "$NODE" bench/gpu_step.mjs --model "$MODEL" --variant webgpu --lengths 256 --batches 1 --queries "$QUERIES" --runs 10 \
    --warmup 2 --profile "$WORK/profile" --out "$WORK/node-webgpu-profile.json"
}

# first of the node parts: whether the fused graph's attention keeps parity past 32 rows on this GPU
mha_parity() {
  python3 bench/mha_parity_models.py "$WORK/mha" && "$NODE" bench/mha_parity.mjs --graphs "$WORK/mha" --out "$OUT/mha-parity.json" > "$OUT/mha-parity.md"
}

latency() {
  compiled || return 1
  # shellcheck disable=SC2086  # LATENCY_ARGS: extra latency.js flags, e.g. "--steps-fraction 0.125"
  "$NODE" out/bench/latency.js --model "$MODEL" --tasks "$TASKS" --limit "${LATENCY_LIMIT:-60}" --ep webgpu ${LATENCY_ARGS:-} \
    --json "$OUT/latency-webgpu.json" > "$OUT/latency-webgpu.md"
}

export LATENCY_LIMIT LATENCY_ARGS NODE OUT MODEL LENGTHS BATCHES QUERIES RUNS TASKS WORK LOG
export -f prepare compiled fp16_model node_variant profile latency mha_parity
[ -n "${SKIP_PREPARE:-}" ] || part prepare 120 prepare
part mha-parity 90 mha_parity
part torch 200 python3 bench/gpu_step_torch.py --model="$MODEL" --lengths="$LENGTHS" --batches="$BATCHES" \
  --queries="$QUERIES" --runs=200 --out="$WORK/torch.json"
for v in $VARIANTS; do
  [ "$v" = webgpu-fp16 ] && part fp16-convert 120 fp16_model
  part "node-$v" 90 node_variant "$v"
done
part node-webgpu-profile 60 profile
part latency-webgpu 150 latency
echo "gpu.sh: done in $(( $(date +%s) - START ))s" >> "$LOG"
cat "$OUT/summary.md" 2>/dev/null || true
