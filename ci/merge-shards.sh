#!/usr/bin/env bash
# Puts the shards of a run back together and gates the whole: `perfgate merge` of every
# shard-*.json in DIR (default target/perfgate/shards), then `perfgate compare` with the baseline and
# `perfgate report` into reports/sharded/. Exit code: the comparison's (0, 1 regression, 2 error).
#
#   ci/merge-shards.sh [DIR] [BASELINE]
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-target/perfgate/shards}"
baseline="${2:-main}"
shopt -s nullglob
files=("$dir"/shard-*.json)
if [ ${#files[@]} -eq 0 ]; then
    echo "no shard-*.json in $dir" >&2
    exit 2
fi
export CARGO_TERM_COLOR=never
cargo build --release --quiet -p perfgate
perfgate=target/release/perfgate
merged="$dir/merged.json"
"$perfgate" merge "${files[@]}" --out "$merged"
status=0
"$perfgate" compare --baseline "$baseline" --candidate "$merged" || status=$?
"$perfgate" report --baseline "$baseline" --candidate "$merged" --output reports/sharded || true
exit "$status"
