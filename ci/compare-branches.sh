#!/usr/bin/env bash
# Compares two revisions on this machine (an engineer's branch against main, or a pull request's
# head against its base): both cores are built into the current perfgate, the scenarios run on both
# with wall time in interleaved rounds, and the verdicts, the report and the PR-comment Markdown are
# written. The exit code is perfgate's: 0 no regression, 1 a regression, 2 an error.
#
#   ci/compare-branches.sh BASE [HEAD] [perfgate compare-branches options…]
#   defaults: HEAD = HEAD; e.g. ci/compare-branches.sh origin/main HEAD --tags pr --rounds 7
#
# Writes reports/compare-<base>-<head>/ (index.html, summary.md for the PR comment) and the exports
# under target/perfgate/compare-branches/<base>-<head>/; appends the Markdown to
# $GITHUB_STEP_SUMMARY when that is set.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
    echo "usage: ci/compare-branches.sh BASE [HEAD] [options…]" >&2
    exit 2
fi
base="$1"
shift
head="HEAD"
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    head="$1"
    shift
fi
export CARGO_TERM_COLOR=never
exec cargo run --release --quiet -p perfgate -- compare-branches "$base" "$head" "$@"
