#!/usr/bin/env bash
# A pull request's deterministic gate: the pr scenarios' instructions, heap and counters against the
# baseline as the target branch has it (`perfgate gate --baseline-from BASE`), so a PR that
# re-accepts baselines/ci/main.json is still gated against the baseline it replaces; the re-accept
# is shown with its reason. The exit code is the gate's: 0 pass, 1 a regression, 2 an error.
#
#   ci/gate-pr.sh BASE [more `perfgate gate` options…]     e.g. ci/gate-pr.sh origin/main
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
    echo "usage: ci/gate-pr.sh BASE [options…]" >&2
    exit 2
fi
base="$1"
shift
export CARGO_TERM_COLOR=never
exec cargo run --release --quiet -p perfgate -- gate --baseline-from "$base" \
    --engines instructions,allocations,counters --tags pr --output target/perfgate/pr-gate "$@"
