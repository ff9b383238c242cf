#!/usr/bin/env bash
# The gate's self-test: build the core with its `canary` feature (a few percent more instructions
# in connascence::visit::canary_regression) and run the deterministic gate against the committed
# baseline. The gate must fail with exit 1 and name canary_regression; anything else means the gate
# has gone blind (or broken), and this script fails.
#
#   ci/canary.sh [more `perfgate gate` options…]      e.g. ci/canary.sh --tags nightly
#
# Exit codes: 0 the gate caught the canary; 1 it did not (it passed, or failed without naming the
# function); 2 it errored.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
export CARGO_TERM_COLOR=never
log=target/perfgate/canary/gate.log
mkdir -p target/perfgate/canary
status=0
PERFGATE_CORE_FEATURES=canary cargo run --release --quiet -p perfgate -- gate \
    --engines instructions,counters --allow-uncompared heap --tags pr --output target/perfgate/canary "$@" >"$log" 2>&1 || status=$?
cat "$log"
if [ "$status" -eq 1 ] && grep -q 'canary_regression' "$log"; then
    echo "canary: the gate failed (exit 1) and named canary_regression, as it must"
    exit 0
fi
if [ "$status" -eq 2 ]; then
    echo "canary: the gate errored (exit 2) instead of catching the canary" >&2
    exit 2
fi
echo "canary: the gate did not catch the canary (exit $status); it is blind" >&2
exit 1
