#!/usr/bin/env bash
# Pack the TypeScript/JavaScript/Markdown part of the training corpus: the npm packages pinned in
# training/npm-corpus/package-lock.json, installed from the registry without running any install
# script, keeping source and docs (no binaries, no data files, nothing over 256 KiB).
# The GPU machine has no network, so the result travels with the run as one compressed file.
#
#   bash training/pack_npm_corpus.sh [out.tar.xz]      # default: .corpus/npm.tar.xz (git-ignored)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$root/.corpus/npm.tar.xz}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$root/training/npm-corpus/package.json" "$root/training/npm-corpus/package-lock.json" "$work/"
(cd "$work" && npm install --ignore-scripts --omit=optional --no-audit --no-fund --loglevel=error)
mkdir -p "$(dirname "$out")"
(cd "$work" && find node_modules -type f -size -256k \
    \( -name '*.js' -o -name '*.mjs' -o -name '*.cjs' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' \
       -o -name '*.md' -o -name '*.markdown' -o -name package.json \) -print0 |
  LC_ALL=C sort -z | tar cJf "$out" --null -T -)
echo "wrote $out ($(du -h "$out" | cut -f1), $(tar tJf "$out" | wc -l) files)"
