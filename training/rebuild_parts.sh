#!/usr/bin/env bash
# Make a continuation's corpus parts again from the tracked pins, on a fresh workstation (the parts
# are git-ignored and the machine is replaced between sessions): one PyPI extension's parts, the
# algorithmic parts 101-102 and the npm set, into one folder for `diffuse.carry --src`.
#
#   bash training/rebuild_parts.sh OUT FIRST_PIN COUNT FIRST_PART [SKIP_PART ...]
#   bash training/rebuild_parts.sh /data/parts 9427 1444 121 123 127 131   # the seventh, less 123, 127, 131
#   bash training/rebuild_parts.sh /data/parts 10871 1387 138 157     # the eighth extension, less 157
#   bash training/rebuild_parts.sh /data/parts 12258 1495 159 165 173 # the ninth, less 165 and 173
#   bash training/rebuild_parts.sh /data/parts 13753 3945 177         # the tenth (unranked), no part skipped
#   bash training/rebuild_parts.sh /data/parts 17698 3358 197         # the eleventh (unranked), no part skipped
#   bash training/rebuild_parts.sh /data/parts 21056 3529 218         # the twelfth (unranked), no part skipped
#   bash training/rebuild_parts.sh /data/parts 24585 3301 239 247     # the thirteenth (unranked), less 247
#
# FIRST_PIN, COUNT: the extension's lines of pypi-corpus/packages.txt (1-based); FIRST_PART: its
# first part's number; SKIP_PART: parts left out of OUT (single generated packages). Every pin is
# fetched as pinned (sha256 checked), and the fetched pins must equal the tracked lines; the packs
# are pypi-corpus/README.md's (the extension's and the algorithmic extension's sections; the
# algorithmic parts by rebuild_dense_parts.sh). WORK
# (default /data/rebuild) holds the fetched sources; PY a Python with datasketch (the filter).
set -euo pipefail
out=$(realpath -m "${1:?OUT}"); first_pin=${2:?FIRST_PIN}; count=${3:?COUNT}; first_part=${4:?FIRST_PART}; shift 4
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-/data/rebuild}
PY=${PY:-python3}
cd "$here"
mkdir -p "$out" "$work/pypi" "$work/parts"

sed -n "${first_pin},$((first_pin + count - 1))p" pypi-corpus/packages.txt > "$work/pins.txt"
[ "$(wc -l < "$work/pins.txt")" = "$count" ] || { echo "packages.txt has fewer than $((first_pin + count - 1)) lines"; exit 2; }

# the extension's fetch beside the algorithmic parts' rebuild (network-bound, 8 downloads each)
$PY -m diffuse.pypi_corpus fetch --packages="$work/pins.txt" --dest="$work/pypi" --jobs=8 \
    --pins="$work/fetched-pins.txt" --licences="$work/fetched-licences.tsv" > "$work/fetch.log" 2>&1 &
fetch_pypi=$!
WORK=$work PY=$PY bash rebuild_dense_parts.sh "$work/parts" > "$work/dense.log" 2>&1 &
dense=$!
wait "$fetch_pypi" || { tail -n 3 "$work/fetch.log"; exit 1; }
cmp "$work/pins.txt" "$work/fetched-pins.txt"

# the extension: every fetched source file, whole packages per part in pin order
sed 's|==|-|; s|^|pypi/|' "$work/pins.txt" > "$work/dirs.txt"
(cd "$work/pypi" && xargs -I{} find {} -type f ! -name PKG-INFO < "$work/dirs.txt" | LC_ALL=C sort) > "$work/kept.txt"
$PY -m diffuse.pypi_corpus pack --root="$work/pypi/pypi" --kept="$work/kept.txt" --out="$work/parts" \
    --order=pypi-corpus/packages.txt --xz="xz -T2 -3" --ratio=6 --part_mib=13 --first="$first_part"

wait "$dense" || { tail -n 5 "$work/dense.log"; exit 1; }

for part in "$work"/parts/pypi-*.tar.xz; do
  xz -t "$part"
  n=$(basename "$part" .tar.xz); n=${n#pypi-}
  [[ " $* " = *" $n "* ]] || ln -f "$part" "$out/" 2>/dev/null || cp "$part" "$out/"   # a hard link where one disk holds both
done
bash pack_npm_corpus.sh "$out/npm.tar.xz"
ls -l "$out"
