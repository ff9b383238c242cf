#!/usr/bin/env bash
# Opens perfgate reports in headless Chromium and saves PNGs, to look at a page as a reader would:
# at a laptop's width and at a phone's (390 px). Not needed by `cargo test` or `.ci/run`; needs
# Debian's `chromium` package (apt-get install chromium).
#
#   ci/screenshot-report.sh [REPORT_DIR] [OUT_DIR]
#       REPORT_DIR's index.html (default reports/gate) as OUT_DIR/desktop.png and OUT_DIR/phone.png
#       (default target/perfgate/screenshots/<name of REPORT_DIR>)
#   ci/screenshot-report.sh --examples [OUT_DIR]
#       the example reports of `cargo test -p perfgate --test report` (a PASS; a regression with
#       an instruction attribution, a differential flamegraph and heap allocation sites) as
#       OUT_DIR/pass-desktop.png, regression-desktop.png, regression-phone.png
#       (default target/perfgate/screenshots/examples)
#
# PERFGATE_SHOT_HEIGHT sets the height captured (default 4000 px).
set -euo pipefail
cd "$(dirname "$0")/.."
browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
    echo "chromium is not installed (apt-get install chromium)" >&2
    exit 2
fi
height="${PERFGATE_SHOT_HEIGHT:-4000}"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT

# shot REPORT_DIR WIDTH OUT.png
shot() {
    if [ ! -f "$1/index.html" ]; then
        echo "no report at $1/index.html (run \`perfgate gate\` or \`perfgate report\` first)" >&2
        exit 2
    fi
    mkdir -p "$(dirname "$3")"
    rm -f "$3"
    local status=0
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --hide-scrollbars --user-data-dir="$profile" --window-size="$2,$height" \
        --screenshot="$(realpath -m "$3")" "file://$(realpath "$1")/index.html" 2>"$profile/chromium.log" \
        || status=$?
    if [ ! -s "$3" ]; then
        echo "chromium wrote no screenshot of $1 (exit ${status:-0}; its output:)" >&2
        cat "$profile/chromium.log" >&2
        exit 1
    fi
    echo "screenshot: $3 ($1 at $2 px)"
}

if [ "${1:-}" = "--examples" ]; then
    out="${2:-target/perfgate/screenshots/examples}"
    examples="$(realpath -m target/perfgate/report-examples)"
    rm -rf "$examples"
    PERFGATE_REPORT_EXAMPLES="$examples" cargo test -q -p perfgate --test report >&2
    shot "$examples/pass" 1366 "$out/pass-desktop.png"
    shot "$examples/regression" 1366 "$out/regression-desktop.png"
    shot "$examples/regression" 390 "$out/regression-phone.png"
else
    report="${1:-reports/gate}"
    out="${2:-target/perfgate/screenshots/$(basename "$report")}"
    shot "$report" 1366 "$out/desktop.png"
    shot "$report" 390 "$out/phone.png"
fi
