#!/usr/bin/env bash
# Make the dense exercise and algorithm Python parts again from their tracked pins: the algorithmic
# parts 101-102 and, with EXERCISE=1, the exercise part 301 (pypi-corpus/README.md, "Second
# algorithmic extension"), into OUT. rebuild_parts.sh runs it for 101-102 beside its extension;
# alone with EXERCISE=1 it makes the corpus of `kind` (models/diffuse-small/MODEL_CARD.md).
#
#   bash training/rebuild_dense_parts.sh OUT
#   EXERCISE=1 bash training/rebuild_dense_parts.sh /data/parts    # 101, 102 and 301 (~10 minutes here)
#
# Every pin is fetched as pinned (sha256 checked) and the fetched pins must equal the tracked ones;
# then the corpus filter, the files of Python density >= 0.4, and the pack. WORK (default
# /data/rebuild) holds the fetched sources; PY a Python with datasketch (the filter).
set -euo pipefail
out=$(realpath -m "${1:?OUT}")
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-/data/rebuild}
PY=${PY:-python3}
cd "$here"
mkdir -p "$out" "$work"

# fetch_pins NAME PINS [fetch flags...]: PINS into $work/NAME, the fetched pins checked against them
fetch_pins() {
  local name=$1 pins=$2; shift 2
  $PY -m diffuse.pypi_corpus fetch --packages="$pins" --dest="$work/$name" --jobs=8 "$@" \
      --pins="$work/fetched-$name-pins.txt" --licences="$work/fetched-$name-licences.tsv" > "$work/fetch-$name.log" 2>&1 ||
    { tail -n 3 "$work/fetch-$name.log"; return 1; }
  cmp "$pins" "$work/fetched-$name-pins.txt"
}

# dense_part NAME ORDER FIRST DENSE_FLAGS [EXCLUDED_FILE]: the filter, the dense files, the pack
dense_part() {
  local name=$1 order=$2 first=$3 flags=$4 excluded=${5:-}
  $PY -m diffuse.corpus --src="$name":"$work/$name/pypi" --out="$work/$name-filtered" --workers=2 \
      --kept_list="$work/$name-kept.txt" > "$work/$name-filter.log" 2>&1
  # shellcheck disable=SC2086
  $PY -m diffuse.pypi_corpus dense --root="$work/$name/pypi" --kept="$work/$name-kept.txt" --prefix="$name" \
      --min_density=0.4 --max_bytes=65536 $flags --out="$work/$name-dense.txt"
  grep -vxF -e "$excluded" "$work/$name-dense.txt" | sed "s|^$name/|pypi/|" > "$work/$name-pack.txt"
  $PY -m diffuse.pypi_corpus pack --root="$work/$name/pypi" --kept="$work/$name-pack.txt" --out="$out" \
      --order="$order" --xz="xz -T2 -6" --ratio=7 --part_mib=13 --first="$first"
}

# the fetches at once (network-bound, 8 downloads each)
fetch_pins algo pypi-corpus/algorithmic-packages.txt & algo=$!
if [ "${EXERCISE:-0}" = 1 ]; then fetch_pins exer pypi-corpus/exercise-packages.txt --max_archive_mb=20 & exer=$!; fi
wait "$algo"
# (one test file of a data-structure package reads as dense code and is not: left out since 2026-11-30)
dense_part algo pypi-corpus/algorithmic-packages.txt 101 "" 'algo/pure-python-ds-1.1.0/tests/test_core.py'
if [ "${EXERCISE:-0}" = 1 ]; then
  wait "$exer"
  # the excluded packages are not among the pins; no package over 1 MiB of kept Python (vendored venvs)
  dense_part exer pypi-corpus/exercise-packages.txt 301 "--max_package_bytes=1048576"
fi
for part in "$out"/pypi-10[12].tar.xz "$out"/pypi-301.tar.xz; do [ ! -f "$part" ] || xz -t "$part"; done
