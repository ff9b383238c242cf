#!/usr/bin/env bash
# One shard of a run spread over several machines: `perfgate run --shard K/N` of the default
# scenarios (or the given options) into target/perfgate/shards/shard-K-of-N.json.
#
#   ci/shard.sh K N [more perfgate run options…]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
    echo "usage: ci/shard.sh K N [perfgate run options…]" >&2
    exit 2
fi
k="$1"
n="$2"
shift 2
mkdir -p target/perfgate/shards
export CARGO_TERM_COLOR=never
exec cargo run --release --quiet -p perfgate -- run --shard "$k/$n" \
    --out "target/perfgate/shards/shard-$k-of-$n.json" "$@"
