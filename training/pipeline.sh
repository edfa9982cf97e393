#!/usr/bin/env bash
# Reproduce the bundled default model, stage by stage (WORK keeps the state between stages).
#
#   bash training/pipeline.sh corpus tokenizer          # corpus (~30 s on 32 cores), the bundled tokenizer
#   GPUS=2 bash training/pipeline.sh mdlm               # 20 min of MDLM on two GPUs (run it detached: setsid)
#   bash training/pipeline.sh eval export               # held-out NELBO, held-out infill tasks, ONNX (fp16 + int8)
#   OUT=dir bash training/pipeline.sh snapshot          # while mdlm (or an arm) runs: its latest checkpoint's int8 folder, in 15 MiB parts
#   bash training/pipeline.sh ar                        # the same-size AR baseline (AR_MINUTES of AR_SCHEDULE)
#   bash training/pipeline.sh test                      # pytest with this machine's PyTorch
#   bash training/pipeline.sh families                  # the 8 comparison models at once on one GPU
#   bash training/pipeline.sh families_eval families_export   # their held-out bounds, then ONNX folders
#   bash training/pipeline.sh families_steps            # step time of each objective alone (STEP_EXTRA: other shapes)
#   ARMS="a=--infill_share=0.9;b=--objective=ar" bash training/pipeline.sh arms arms_eval   # recipe ablation
#   WAIT_S=420 bash training/pipeline.sh wait_arms arms_eval   # a later call: waits for detached arms, then evaluates
#   RECEIVE=.xfer1 bash training/pipeline.sh receive     # on the GPU machine: a carried folder's files into place
#   OUT=dir ARMS=... bash training/pipeline.sh bring_back # each arm's int8 folder, log and bound into dir, in 15 MiB parts
#   OUT=dir ARMS=... bash training/pipeline.sh paired     # each arm's bound paired with the model it continued (Python, JS/TS)
#
# `families` trains every seed family (FAMILIES) side by side, as 8 background processes with few
# dataloader workers each, on one small shared backbone (FAM_LAYERS x FAM_EMBD, FAM_HEADS heads,
# L=FAM_LENGTH, tied embeddings: fp16 ONNX <= 8 MiB) and the same corpus, tokenizer and token budget
# (FAM_TOKENS; the LR schedule follows the tokens seen). Each call trains FAM_MINUTES at most; call it
# again to resume until every model has its budget. Logs: $WORK/families/<name>/log.jsonl.
#
# These defaults, with GPUS=2, are exactly version 2 of the bundled diffuse-small; versions 3 and 4
# continue it with `arms` and two flags (models/diffuse-small/MODEL_CARD.md).
# A longer run: raise SCHEDULE and call `mdlm` again to resume (each call trains MDLM_MINUTES). The
# tokenizer stage copies TOKENIZER_FROM (the bundled tokenizer, so every model shares one vocabulary)
# or, with TOKENIZER_FROM empty, trains a VOCAB-token BPE on the corpus. The AR baseline runs
# AR_MINUTES of an AR_SCHEDULE-minute LR schedule. REFERENCE=1 adds the PyTorch reference infill to
# `eval` (a yardstick for the TS engine; slow: one network call per hole slot). `export` writes the
# fp16 graph to $WORK/$NAME-fp16 and the shipped int8 CPU graph (diffuse.quantize) to $WORK/$NAME.
#
# `arms` trains recipe variants of the bundled architecture side by side at equal minutes: ARMS is
# 'name=train.py flags;...', each arm ARM_MINUTES (its own LR schedule) in its own process, arm i on
# GPU i mod the GPUs present (two arms on one GPU share it: still equal minutes, each at half speed).
# Run detached (setsid), `arms` writes $W/arms/done (ok or failed) when every arm has ended;
# `wait_arms` waits for it (WAIT_S seconds at most; exit 3 while they still train, 4 at once where no `arms` ran: a fresh machine). `arms_eval` gives each, all at once, its held-out bound (AR arms: their loss) in $WORK/arms/bounds.json and each
# diffusion arm its shipped int8 graph in $WORK/arms/<name>/model, for `node out/bench/mbpp.js
# --model A,B` side by side. ARM_MODEL replaces the architecture flags (default: the bundled model's).
# An arm trained with --ema_decay also writes its weights' average as the arm <name>_ema (a checkpoint
# in $W/arms/<name>_ema, diffuse/ema.py): name it in the ARMS of `arms_eval`, `snapshot` and `bring_back`.
# VAL_SOURCE=python0 bounds the arms on that source's validation files alone: the GPU image's first
# site-packages directory, the same held-out files in every corpus built there without SOURCES, so
# the numbers compare across sessions (diffuse.evaluate.held_out_texts); unset, on the whole
# validation split of this corpus.
#
# `receive` keeps what one call carried (RECEIVE: folders relative to the repository root, made by
# diffuse.carry) where the later stages look, since the machine drops a carried folder that the next
# call does not name: wheels into $WHEELS, `init.onnx` (a graph to continue, EXTRA="--init_from=
# $WORK/init/model.onnx") into $WORK/init/model.onnx, every other file (corpus parts) into $PARTS.
# `bring_back` packs each arm's `model` folder, log.jsonl and bound.json (those it has) as one tar
# cut into $OUT/<name>.tar.NN parts of 15 MiB (for_the_trip_back, as `snapshot` packs its folder).
# Relative paths in WORK, PARTS, WHEELS and OUT are read from training/ (this script's folder);
# RECEIVE's from the repository root, where the carried folders are.
#
# Corpus: the Python install's own site-packages + standard library, plus the npm packages in
# $NPM_TAR where it is present (made by training/pack_npm_corpus.sh), the PyPI sources in every $PYPI_PARTS present
# (made by diffuse.pypi_corpus; see training/pypi-corpus/README.md), the Rust crates in every
# $CRATES_PARTS present (made by diffuse.crates_corpus; see training/crates-corpus/README.md), the
# Go modules in every $GO_PARTS present (made by diffuse.go_corpus; see training/go-corpus/README.md),
# the Java artifacts in every $MAVEN_PARTS present (made by diffuse.maven_corpus; see
# training/maven-corpus/README.md) and the C/C++ of Debian source packages in every $DEBIAN_PARTS
# present (made by diffuse.debian_corpus; see training/debian-corpus/README.md); a glob that matches
# no file (e.g. none) adds nothing. Any other directory works: SOURCES="name:dir ...". Near-duplicate
# removal needs datasketch: when it is not importable, the wheels in $WHEELS (carry them) are
# installed to $W/site first.
set -euo pipefail
cd "$(dirname "$0")"
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=true
PY=${PYTHON:-python3}
W=${WORK:-/tmp/diffuse}
PARTS=${PARTS:-../.corpus}         # where the corpus parts are (git-ignored)
WHEELS=${WHEELS:-../.whl}          # wheels the GPU image lacks (datasketch)
NPM_TAR=${NPM_TAR:-$PARTS/npm.tar.xz}
PYPI_PARTS=${PYPI_PARTS:-$PARTS/pypi-*.tar.xz}
CRATES_PARTS=${CRATES_PARTS:-$PARTS/crates-*.tar.xz}
GO_PARTS=${GO_PARTS:-$PARTS/go-*.tar.xz}
MAVEN_PARTS=${MAVEN_PARTS:-$PARTS/maven-*.tar.xz}
DEBIAN_PARTS=${DEBIAN_PARTS:-$PARTS/debian-*.tar.xz}
NAME=${NAME:-diffuse-small}
VOCAB=${VOCAB:-8192}
TOKENIZER_FROM=${TOKENIZER_FROM-../models/diffuse-small/tokenizer.json}
SCHEDULE=${SCHEDULE:-20}          # minutes of MDLM training in total (the LR schedule's length)
MDLM_MINUTES=${MDLM_MINUTES:-20}
AR_SCHEDULE=${AR_SCHEDULE:-13}
AR_MINUTES=${AR_MINUTES:-5}
# batch_size is per GPU; short_share 0: every row a full 256-token canvas (a short document's row is
# already shorter through `valid`), so torch.compile sees one shape
MODEL="--n_layer=12 --n_head=8 --n_embd=512 --max_length=256 --batch_size=256 --lr=1e-3 --infill_share=0.6 --short_share=0 ${EXTRA:-}"
GPUS=${GPUS:-1}                   # mdlm / ar on several GPUs of one host: DDP through torchrun
FAMILIES=${FAMILIES:-"mdlm md4 genmd4 sedd-absorb sedd-uniform cedd-absorb cedd-uniform cedd-roulette"}
FAM_MODEL="--n_layer=${FAM_LAYERS:-4} --n_head=${FAM_HEADS:-4} --n_embd=${FAM_EMBD:-192} --max_length=${FAM_LENGTH:-256}
  --batch_size=${FAM_BATCH:-128} --num_workers=${FAM_WORKERS:-1} --lr=${FAM_LR:-1.5e-3} ${FAM_EXTRA:-}"
FAM_TOKENS=${FAM_TOKENS:-1.5e8}    # tokens seen by every family model
FAM_MINUTES=${FAM_MINUTES:-9}      # one call's share (the command limit is 10 minutes)
mkdir -p "$W"

# the train.py flags of one comparison model
family_args() {
  case $1 in
  mdlm) echo "--objective=mdlm" ;;
  md4) echo "--objective=md4 --schedule=${MD4_SCHEDULE:-linear}" ;;
  genmd4) echo "--objective=genmd4" ;;
  sedd-absorb) echo "--objective=sedd --graph=absorb" ;;
  sedd-uniform) echo "--objective=sedd --graph=uniform" ;;
  cedd-absorb) echo "--objective=cedd --graph=absorb" ;;
  cedd-uniform) echo "--objective=cedd --graph=uniform" ;;
  cedd-roulette) echo "--objective=cedd --graph=roulette --p_m=${P_M:-0.95}" ;;
  rdlm) echo "--objective=rdlm --sphere_base=${SPHERE_BASE:-2}" ;;
  rdlm-mask) echo "--objective=rdlm --sphere_base=${SPHERE_BASE:-2} --step_thr=0" ;;   # the mask path alone
  *) echo "unknown family $1" >&2; return 2 ;;
  esac
}

# run "$@" once per family in the background (NAME substituted), wait for all, fail if any failed
each_family() {
  local pids=() names=() n rc=0
  mkdir -p "$W/families"
  for n in $FAMILIES; do
    "$@" "$n" > "$W/families/$n.$stage.out" 2>&1 &
    pids+=($!); names+=("$n")
  done
  for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then echo "${names[$i]}: ok"; else echo "${names[$i]}: FAILED (see $W/families/${names[$i]}.$stage.out)"; tail -5 "$W/families/${names[$i]}.$stage.out"; rc=1; fi
  done
  return $rc
}

train_family() {
  # shellcheck disable=SC2046
  $PY -m diffuse.train $FAM_MODEL $(family_args "$1") --corpus="$W/corpus" --tokenizer="$W/tokenizer.json" \
    --out_dir="$W/families/$1" --max_tokens="$FAM_TOKENS" --max_minutes="$FAM_MINUTES"
}

eval_family() {
  $PY -m diffuse.evaluate bound --corpus="$W/corpus" --tokenizer="$W/tokenizer.json" --ckpt="$W/families/$1/ckpt.pt" \
    --windows="${FAM_WINDOWS:-1024}" --samples="${FAM_SAMPLES:-4}" --batch_size="${FAM_EVAL_BATCH:-32}" \
    --result="$W/families/$1/bound.json"
}

export_family() {
  $PY -m diffuse.export --ckpt="$W/families/$1/ckpt.pt" --tokenizer="$W/tokenizer.json" \
    --out="$W/families/models/diffuse-$1" --name="diffuse-$1" --results="$W/families/$1/bound.json"
}

# a checkpoint ($1) as ONNX: fp16 in $2-fp16, the shipped int8 CPU graph in $2; more export flags follow.
# Both with onnxruntime's fused operators (export --fused: 6-9 % less CPU a fill, bench/README.md §11;
# a network without a context-cache graph, e.g. --logit_shift, exports unfused and says so) and one
# context read by every row (--shared_past: 19 % less a single-line fill, bench/README.md "One shared context");
# the fp16 graph is then a CPU graph too (the com.microsoft domain, docs/model-contract.md)
export_int8() {
  local ckpt=$1 out=$2; shift 2
  # fresh folders: diffuse.quantize keeps a meta.json it finds in $out (an earlier export's)
  rm -rf "$out" "$out-fp16"
  $PY -m diffuse.export --ckpt="$ckpt" --tokenizer="$W/tokenizer.json" --out="$out-fp16" --name="$NAME" --fused=true --shared_past=true "$@"
  $PY -m diffuse.quantize "$out-fp16" "$out" --variant=int8
}

# the arms of ARMS ('name=flags;...'), one per line: name, a tab, its flags
arm_specs() { tr ';' '\n' <<< "${ARMS:?ARMS: name=flags;... (see the header)}" | sed -e 's/=/\t/'; }

# what checkpoint $1 started from: its --init_from (a graph's folder, or a checkpoint), or PAIRED_WITH
# (a folder); fails where neither names one, or where its graph is not the one whose digest the
# checkpoint keeps (a later `receive` may have put another graph in $W/init) unless PAIRED_WITH says so
start_of() {
  $PY - "$1" "${PAIRED_WITH:-}" <<'PYEOF'
import os, sys, torch
from diffuse.train import digest_of
ck = torch.load(sys.argv[1], map_location="cpu", weights_only=False)
init, chosen = ck["train_config"].get("init_from") or "", sys.argv[2]
if not (chosen or init):
    sys.exit(f"paired: {sys.argv[1]} started from no graph (no --init_from): name one with PAIRED_WITH")
start = chosen or (init if init.endswith(".pt") else os.path.dirname(init))
weights = start if start.endswith(".pt") else os.path.join(start, "model.onnx")
if not os.path.isfile(weights):
    sys.exit(f"paired: no {os.path.basename(weights)} in {os.path.dirname(weights) or '.'} (PAIRED_WITH, or the arm's --init_from)")
if not chosen and ck.get("weights_digest") and digest_of(weights) != ck["weights_digest"]:
    sys.exit(f"paired: {weights} is not the graph {sys.argv[1]} started from (another weights digest; PAIRED_WITH pairs it anyway)")
print(start)
PYEOF
}

# the objective an arm's checkpoint was trained with
objective_of() { $PY -c "import torch,sys; print(torch.load(sys.argv[1],map_location='cpu')['train_config']['objective'])" "$1"; }

# the GPUs present (1 on a machine without any: the arms then share the CPU)
gpu_count() { $PY -c "import torch; print(max(1, torch.cuda.device_count()))"; }

# arm $1 trained with its flags $2 for ARM_MINUTES (its own LR schedule)
train_arm() {
  # shellcheck disable=SC2086
  $PY -m diffuse.train ${ARM_MODEL:-$MODEL} $2 --corpus="$W/corpus" --tokenizer="$W/tokenizer.json" \
    --out_dir="$W/arms/$1" --max_minutes="${ARM_MINUTES:-5}" --schedule_minutes="${ARM_MINUTES:-5}"
}

# `$1 NAME FLAGS` for every arm of ARMS at once, arm i on GPU i mod the GPUs present, its output in
# $W/arms/NAME$2; waits for all, shows the tail of each that failed, and fails if any did (call it
# outside a condition: `set -e` then holds inside each arm too)
each_arm() {
  local run=$1 out=$2 specs gpus name flags pids=() names=() i=0 j rc=0
  specs=$(arm_specs); gpus=$(gpu_count)
  while IFS=$'\t' read -r name flags; do
    CUDA_VISIBLE_DEVICES=$((i % gpus)) "$run" "$name" "$flags" > "$W/arms/$name$out" 2>&1 &
    pids+=($!); names+=("$name"); i=$((i + 1))
  done <<< "$specs"
  for j in "${!pids[@]}"; do
    wait "${pids[$j]}" || { echo "${names[$j]}: FAILED"; tail -n 5 "$W/arms/${names[$j]}$out"; rc=1; }
  done
  return $rc
}

# arm $1's held-out bound (an AR arm: its loss) and, for a diffusion arm, its shipped int8 graph
eval_arm() {
  local ck="$W/arms/$1/ckpt.pt"
  local common=(--corpus="$W/corpus" --tokenizer="$W/tokenizer.json" --windows="${ARM_WINDOWS:-1024}" --samples=4
                --source="${VAL_SOURCE:-}")
  if [ "$(objective_of "$ck")" = ar ]; then
    $PY -m diffuse.evaluate ppl "${common[@]}" --ar="$ck" --result="$W/arms/$1/bound.json"
  else
    $PY -m diffuse.evaluate bound "${common[@]}" --ckpt="$ck" --result="$W/arms/$1/bound.json"
    NAME="$1" export_int8 "$ck" "$W/arms/$1/model"
  fi
}

# for_the_trip_back DIR NAME ITEM...: DIR's items as one tar cut into $OUT/NAME.tar.NN parts of 15
# MiB (a call brings back 8 files of 16 MiB at most, 64 MiB in all: `bring_back` warns past that);
# `cat NAME.tar.* | tar x` joins them.
for_the_trip_back() {
  local dir=$1 name=$2; shift 2
  mkdir -p "$OUT"
  tar cf - -C "$dir" "$@" | split -b 15M -d - "$OUT/$name.tar."
}

# the parts matching glob $2 that are present, unpacked side by side into $W/$1 (they are independent:
# whole packages each, members $1/<name>-<version>/...) and added to SOURCES as source $1
unpack_parts() {
  local name=$1 parts=() pids=() p pid
  for p in $2; do [ -f "$p" ] && parts+=("$p"); done
  ((${#parts[@]})) || return 0
  rm -rf "${W:?}/$name"
  for p in "${parts[@]}"; do tar xJf "$p" -C "$W" & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid"; done
  echo "$name: ${#parts[@]} parts, $(ls "$W/$name" | wc -l) packages"
  SOURCES="$SOURCES $name:$W/$name"
}

# diffuse.train on $GPUS GPUs (one process each) or, with GPUS=1, as a plain process
train() {
  if [ "$GPUS" -gt 1 ]; then
    $PY -m torch.distributed.run --standalone --nproc_per_node="$GPUS" -m diffuse.train "$@"
  else
    $PY -m diffuse.train "$@"
  fi
}

for stage in "$@"; do
  echo "=== $stage $(date -u +%H:%M:%S)"
  case $stage in
  corpus)
    if [ -z "${SOURCES:-}" ]; then
      SOURCES=$($PY - <<'PYEOF'
import site, sysconfig
dirs = [d for d in site.getsitepackages()] + [sysconfig.get_paths()["stdlib"]]
print(" ".join(f"python{i}:{d}" for i, d in enumerate(dirs)))
PYEOF
)
      # the npm set where it was carried, as the parts below (session 53 carried the exercise parts
      # alone, and the stage stopped at the missing tar)
      rm -rf "${W:?}/npm"
      if [ -f "$NPM_TAR" ]; then
        mkdir -p "$W/npm" && tar xJf "$NPM_TAR" -C "$W/npm" && SOURCES+=" npm:$W/npm/node_modules"
      else
        echo "no npm set ($NPM_TAR): the corpus has none"
      fi
      unpack_parts pypi "$PYPI_PARTS"
      unpack_parts crates "$CRATES_PARTS"
      unpack_parts go "$GO_PARTS"
      unpack_parts maven "$MAVEN_PARTS"
      unpack_parts debian "$DEBIAN_PARTS"
    fi
    if ! $PY -c "import datasketch" 2>/dev/null; then
      ls "$WHEELS"/datasketch-*.whl > /dev/null 2>&1 || { echo "datasketch missing: carry .whl (training/pypi-corpus/README.md)"; exit 2; }
      $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$W/site" "$WHEELS"/*.whl
      export PYTHONPATH="$W/site${PYTHONPATH:+:$PYTHONPATH}"
    fi
    args=(); for s in $SOURCES; do args+=("--src=$s"); done
    $PY -m diffuse.corpus "${args[@]}" --out="$W/corpus" --val_permille=20 ${CORPUS_EXTRA:-}
    ;;
  tokenizer)
    if [ -n "$TOKENIZER_FROM" ]; then cp "$TOKENIZER_FROM" "$W/tokenizer.json"; continue; fi
    $PY -m diffuse.tokenizer --corpus="$W/corpus" --measure=${MEASURE:-4096,8192,16384} --sample_bytes=60000000 \
      --out="$W/vocab_measure.json"
    $PY -m diffuse.tokenizer --corpus="$W/corpus" --vocab_size="$VOCAB" --sample_bytes=200000000 \
      --out="$W/tokenizer.json"
    ;;
  test)
    PYTHON=$PY bash run_tests.sh
    ;;
  ar)
    train $MODEL --objective=ar --corpus="$W/corpus" --tokenizer="$W/tokenizer.json" \
      --out_dir="$W/ar" --max_minutes="$AR_MINUTES" --schedule_minutes="$AR_SCHEDULE"
    ;;
  mdlm)
    snap=$($PY -c "import torch,sys; print(torch.load(sys.argv[1],map_location='cpu')['tokens_seen'])" "$W/ar/ckpt.pt" 2>/dev/null || echo 0)
    train $MODEL --objective=mdlm --corpus="$W/corpus" --tokenizer="$W/tokenizer.json" \
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
    export_int8 "$W/mdlm/ckpt.pt" "$W/$NAME" --results="$W/results.json"
    ;;
  snapshot)
    # The latest MDLM checkpoint's shipped int8 folder, as $OUT/snapshot.tar.NN for the trip back. Run
    # it in every polling call of a long run: the machine goes back 30 s after a call, and a run
    # lost with it then keeps its last snapshot, which `--init_from` continues in the next session.
    # SNAPSHOT_OF=arms/<name> snapshots an arm instead (one a call: a call brings back <= 64 MiB).
    : "${OUT:?OUT: the folder that comes back}"
    export_int8 "$W/${SNAPSHOT_OF:-mdlm}/ckpt.pt" "$W/snapshot"
    for_the_trip_back "$W" snapshot snapshot
    ;;
  families)
    mkdir -p "$W/families"
    each_family train_family
    ;;
  families_eval)
    each_family eval_family
    # shellcheck disable=SC2086
    $PY -m diffuse.bounds "$W/families" $FAMILIES
    ;;
  families_export)
    each_family export_family
    ;;
  families_steps)
    # step time of each objective alone on the GPU (no data pipeline): the families' training cost
    for n in $FAMILIES; do
      # shellcheck disable=SC2046
      $PY -m diffuse.step_time $FAM_MODEL $(family_args "$n") ${STEP_EXTRA:-}
    done | tee "$W/families/steps${STEP_LABEL:-}.jsonl"
    ;;
  arms)
    mkdir -p "$W/arms"; rm -f "$W/arms/done"; echo $$ > "$W/arms/pid"
    # however this run ends, `done` says how: an early exit or a kill leaves "failed", not silence
    trap '[ -f "$W/arms/done" ] || echo failed > "$W/arms/done"' EXIT
    # not in a condition, where bash would turn `set -e` off inside the arms
    each_arm train_arm .out
    while IFS=$'\t' read -r name _; do echo "$name: $(tail -n 1 "$W/arms/$name/log.jsonl")"; done <<< "$(arm_specs)"
    echo ok > "$W/arms/done"
    ;;
  wait_arms)
    # Waits (WAIT_S seconds at most) for a detached `arms` run to end, by the file it writes last,
    # or for its process (arms/pid) to be gone without writing it (killed outright). Not by the
    # training processes' name: `pgrep -f diffuse.train` finds the waiting command itself, whose
    # own command line holds the name, and waits out its time limit.
    pid=$(cat "$W/arms/pid" 2>/dev/null || true)
    # Neither file: `arms` never ran on this machine. A fresh one, most likely: the machine goes back
    # 30 s after a call, arms and all, and the next call starts a bare one; say so at once rather
    # than wait WAIT_S device seconds for a file nothing will write.
    # (a moment's grace first: `arms` launched detached in the same command writes its pid at once)
    [ -z "$pid" ] && [ ! -f "$W/arms/done" ] && sleep 2 && pid=$(cat "$W/arms/pid" 2>/dev/null || true)
    if [ -z "$pid" ] && [ ! -f "$W/arms/done" ]; then
      echo "wait_arms: no arms run on this machine ($W/arms/pid is missing): a fresh machine?"; exit 4
    fi
    # Short waits: each call that waited 527-541 s (sessions 32, 33, 34, 42) was followed by a bare
    # machine, twice with the next call sent at once; a 470 s one kept it (session 34). So a longer
    # WAIT_S is cut to 470 rather than trusted.
    wait_s=${WAIT_S:-420} longest_wait_s=470
    if ((wait_s > longest_wait_s)); then
      echo "wait_arms: WAIT_S=$wait_s cut to $longest_wait_s (calls of 527-541 s were followed by a bare machine)"
      wait_s=$longest_wait_s
    fi
    for ((s = 0; s < wait_s; s += 2)); do
      [ -f "$W/arms/done" ] && break
      if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
        sleep 1; [ -f "$W/arms/done" ] || echo failed > "$W/arms/done"; break
      fi
      sleep 2
    done
    for log in "$W"/arms/*/log.jsonl; do [ -f "$log" ] && echo "$log: $(tail -n 1 "$log")"; done
    [ -f "$W/arms/done" ] || { echo "arms still training after $wait_s s"; exit 3; }
    [ "$(cat "$W/arms/done")" = ok ] || { echo "arms failed (see $W/arms/*.out)"; exit 1; }
    ;;
  arms_eval)
    # every arm at once, as they trained: the evaluation takes the time of one arm, not of all
    # (device minutes), and the stage returns when all have ended
    each_arm eval_arm .eval.out
    # shellcheck disable=SC2046
    $PY -m diffuse.bounds "$W/arms" $(arm_specs | cut -f1)
    ;;
  receive)
    mkdir -p "$PARTS" "$WHEELS" "$W/init"
    for d in ${RECEIVE:?RECEIVE: the carried folders, relative to the repository root}; do
      [[ $d = /* ]] || d=../$d
      ls "$d"/* > /dev/null 2>&1 || { echo "RECEIVE: $d is missing or holds no file"; exit 2; }
      for f in "$d"/*; do
        [ -f "$f" ] || { echo "RECEIVE: $f is not a file (a carried folder holds the files of one call)"; exit 2; }
        case $(basename "$f") in
        *.whl) cp "$f" "$WHEELS"/ ;;
        init.onnx) cp "$f" "$W/init/model.onnx" ;;
        *) cp "$f" "$PARTS"/ ;;
        esac
      done
    done
    ls -l "$PARTS" "$WHEELS" "$W/init"
    ;;
  paired)
    # Each arm's held-out bound paired with the weights it started from, window by window with the
    # same draws (diffuse.evaluate paired: the difference's error is far below either bound's): on
    # the Python validation files (VAL_SOURCE, default python0) and, where the corpus stage unpacked
    # the npm set, on its own held-out JS/TS files. The start is the arm's --init_from (a graph's
    # folder, checked against the digest its checkpoint keeps, or a checkpoint), or PAIRED_WITH;
    # `receive`'s $W/init, which has no meta.json, gets the bundled model's: the graph `diffuse.carry
    # --init` carries. $OUT/paired-<name>-<python0|npm>.json.
    specs=$(arm_specs)
    : "${OUT:?OUT: the folder that comes back}"
    mkdir -p "$OUT"
    export PYTHONPATH="$W/site${PYTHONPATH:+:$PYTHONPATH}"     # datasketch, for the npm set's corpus
    # every arm's start first: an arm without one stops the stage before any corpus is built
    while IFS=$'\t' read -r name _; do
      start=$(start_of "$W/arms/$name/ckpt.pt")
      if [[ $start == *.pt ]]; then
        ln -sf "$start" "$W/arms/$name/start.pt"
      else
        if [ "$start" = "$W/init" ] && [ ! -f "$start/meta.json" ]; then cp ../models/diffuse-small/meta.json "$start/"; fi
        $PY -m diffuse.onnx_weights "$start" "$W/arms/$name/start.pt" > /dev/null
      fi
    done <<< "$specs"
    sources=("${VAL_SOURCE:-python0}:$W/corpus")
    if [ -d "$W/npm/node_modules" ]; then
      # (its manifest is written last: a build that failed half-way is built again)
      [ -f "$W/npmcorpus/manifest.json" ] ||
        $PY -m diffuse.corpus --src=npm:"$W/npm/node_modules" --out="$W/npmcorpus" --val_permille=20 > /dev/null
      sources+=("npm:$W/npmcorpus")
    fi
    while IFS=$'\t' read -r name _; do
      for entry in "${sources[@]}"; do
        $PY -m diffuse.evaluate paired --corpus="${entry#*:}" --tokenizer="$W/tokenizer.json" --a="$W/arms/$name/start.pt" \
          --b="$W/arms/$name/ckpt.pt" --windows="${PAIRED_WINDOWS:-1024}" --samples=4 --source="${entry%%:*}" \
          --result="$OUT/paired-$name-${entry%%:*}.json"
      done
    done <<< "$specs"
    ;;
  bring_back)
    specs=$(arm_specs)       # outside the loop's input, so that an unset ARMS stops the stage
    : "${OUT:?OUT: the folder that comes back (absolute, as the device tool gives it)}"
    while IFS=$'\t' read -r name _; do
      # what the arm has of its int8 folder, log and bound: an arm that failed still brings its log
      have=(); for f in model log.jsonl bound.json; do [ -e "$W/arms/$name/$f" ] && have+=("$f"); done
      ((${#have[@]})) || { echo "bring_back: $W/arms/$name holds nothing to bring"; continue; }
      # a trained arm's int8 folder is written by arms_eval (session 41 brought a log alone first)
      [ -e "$W/arms/$name/ckpt.pt" ] && [ ! -e "$W/arms/$name/model" ] &&
        echo "bring_back: $name has a checkpoint but no int8 folder: arms_eval exports it, so bring it back after arms_eval"
      for_the_trip_back "$W/arms/$name" "$name" "${have[@]}"
    done <<< "$specs"
    ls -l "$OUT"
    # a call brings back 64 MiB in all: two arms' int8 folders (45 MiB each) need a call each
    # (session 39 lost the second arm's middle parts that way, and fetched them in one more call)
    mib=$(du -sm "$OUT" | cut -f1)
    [ "$mib" -le 64 ] || echo "bring_back: $mib MiB in $OUT, over the 64 MiB a call brings back: bring the arms one a call (ARMS=<one arm>)"
    ;;
  *) echo "unknown stage $stage"; exit 2 ;;
  esac
done
