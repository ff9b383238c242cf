#!/usr/bin/env bash
# The performance report of a release: `perfgate release-report` from the previous release tag to
# TAG (default: the newest tag), on the `release` scenarios, with the nightly history when
# reports/history/ci.jsonl exists. Packs the report as target/perfgate/release-report.tar.gz and
# leaves its Markdown summary at target/perfgate/release-summary.md (for the release's notes).
# Then, when this checkout is TAG, gates its release scenarios against baselines/ci/nightly.json.
# Exit code: the worse of the two (0 no regression, 1 a regression, 2 an error).
#
#   ci/release-report.sh [TAG] [FROM] [more perfgate release-report options…]
set -euo pipefail
cd "$(dirname "$0")/.."
to="${1:-$(git describe --tags --abbrev=0)}"
shift || true
from="${1:-}"
if [ -n "$from" ] && [ "${from#-}" = "$from" ]; then
    shift
else
    from="$(git describe --tags --abbrev=0 "$to^" 2>/dev/null || true)"
fi
if [ -z "$from" ]; then
    echo "no release before $to to compare with: pass FROM" >&2
    exit 2
fi
export CARGO_TERM_COLOR=never
status=0
cargo run --release --quiet -p perfgate -- release-report --from "$from" --to "$to" "$@" || status=$?
# The release's own release scenarios against the committed baseline of the nightly and release
# scenarios (instructions, heap, counters): the release is gated, not only compared with the last.
# Only when this checkout is the release (the gate measures the work tree).
if [ "$(git rev-parse HEAD)" = "$(git rev-parse "$to^{commit}")" ]; then
    gate=0
    cargo run --release --quiet -p perfgate -- gate --tags release --baseline nightly \
        --engines instructions,allocations,counters --output target/perfgate/release-gate || gate=$?
    if [ "$gate" -gt "$status" ]; then status=$gate; fi
else
    echo "release-report: not gating against baselines/ci/nightly.json: this checkout is not $to (check it out to gate it)" >&2
fi
slug() { echo "$1" | tr -c 'A-Za-z0-9._\n' '-' | sed 's/^-*//; s/-*$//'; }
dir="reports/release-$(slug "$from")-$(slug "$to")"
if [ -d "$dir" ]; then
    tar -czf target/perfgate/release-report.tar.gz -C "$(dirname "$dir")" "$(basename "$dir")"
    cp "$dir/summary.md" target/perfgate/release-summary.md
    echo "release report: $dir (packed: target/perfgate/release-report.tar.gz)"
fi
exit "$status"
