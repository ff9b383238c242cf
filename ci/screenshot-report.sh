#!/usr/bin/env bash
# Opens a perfgate report in headless Chromium and saves a PNG, to look at the page as a reader
# would. Not needed by `cargo test` or `.ci/run`; needs Debian's `chromium` package.
#
#   ci/screenshot-report.sh [REPORT_DIR] [OUT.png] [WIDTHxHEIGHT]
#   defaults: reports/gate, target/perfgate/report-screenshot.png, 1366x3000 (a laptop screen's width)
set -euo pipefail
cd "$(dirname "$0")/.."
report="${1:-reports/gate}"
out="${2:-target/perfgate/report-screenshot.png}"
size="${3:-1366x3000}"
if [ ! -f "$report/index.html" ]; then
    echo "no report at $report/index.html (run \`perfgate gate\` or \`perfgate report\` first)" >&2
    exit 2
fi
browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
    echo "chromium is not installed (apt-get install chromium)" >&2
    exit 2
fi
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
mkdir -p "$(dirname "$out")"
"$browser" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$profile" \
    --window-size="${size/x/,}" --screenshot="$(realpath -m "$out")" \
    "file://$(realpath "$report")/index.html" 2>/dev/null
echo "screenshot: $out"
