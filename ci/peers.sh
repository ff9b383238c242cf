#!/usr/bin/env bash
# The peer comparison: connascence against ruff (pinned by version and wheel hash in
# scenarios/peers.toml, installed into a venv under target/perfgate/tools/) on the pinned corpora
# and on this machine's Python standard library, whole processes in alternating rounds.
# A reported comparison, not a gate. Writes target/perfgate/peers/peers.{json,md}; the next gate
# report shows the table.
#
#   ci/peers.sh                 # corpora of scenarios/peers.toml + the stdlib, 10 rounds
#   ci/peers.sh --rounds 20     # any `perfgate peers` option is passed on
set -euo pipefail
cd "$(dirname "$0")/.."

extra=()
stdlib="$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])' 2>/dev/null || true)"
if [[ -n "$stdlib" && -d "$stdlib" ]]; then
  extra+=(--path "$stdlib" --without test --without idlelib)
fi
exec cargo run --release -p perfgate -- peers "${extra[@]}" "$@"
