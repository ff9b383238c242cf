#!/usr/bin/env bash
# Measures how long the project's feedback takes on this machine, each on a fresh clone of HEAD,
# and writes the table with its targets, the commands, the commit, the date and the host:
#
#   ci/timings.sh [--out FILE] [--steps LIST] [--keep]
#   defaults: --out docs/measured/timings.md --steps ci,gate,repeat,compare,fresh-tools
#
# Steps (in this order; each may be left out):
#   ci           `CI=true bash .ci/run` on a fresh clone (fmt, clippy, the README's test command, the
#                self-gate); the test command's own time is read from .ci/run's `==>` markers.
#   gate         the README's main command on a second fresh clone (the per-user tool cache kept: a
#                machine that already ran it once in another clone), then the size of its target/.
#   repeat       `gate --tags pr` again in that clone, nothing changed.
#   compare      `ci/compare-branches.sh HEAD~1 HEAD --tags pr` in that clone (warm: both sides
#                build into its target/).
#   fresh-tools  the main command on a third fresh clone with an empty tool cache
#                (PERFGATE_TOOLS_DIR), so gungraun-runner is installed again: the nearest this script
#                gets to a fresh machine (cargo's registry cache and the toolchain are kept).
#
# The clones live in a temporary folder, removed at the end unless --keep (or a step failed: its log
# is kept and named). Exit 0 when every step ran (whatever its time), 1 when a step failed, 2 on
# bad usage.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
out="docs/measured/timings.md"
steps="ci,gate,repeat,compare,fresh-tools"
keep=""
usage() { echo "usage: ci/timings.sh [--out FILE] [--steps LIST] [--keep]${1:+: $1}" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --out|--steps) [ $# -ge 2 ] || usage "$1 needs a value" ;;&
        --out) out="$2"; shift 2 ;;
        --steps) steps="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        *) usage "unknown option \`$1\`" ;;
    esac
done
for step in ${steps//,/ }; do
    case "$step" in
        ci|gate|repeat|compare|fresh-tools) ;;
        *) usage "unknown step \`$step\` (ci, gate, repeat, compare, fresh-tools)" ;;
    esac
done
wants() { case ",$steps," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

commit="$(git rev-parse HEAD)"
work="$(mktemp -d "${TMPDIR:-/tmp}/perfgate-timings.XXXXXX")"
rows=""
failed=""

clone() {
    git clone --quiet --no-hardlinks "$repo" "$1"
    git -C "$1" checkout --quiet --detach "$commit"
}

# "12 min 34 s" from seconds.
human() { printf '%d min %02d s' $(($1 / 60)) $(($1 % 60)); }

# row WHAT COMMAND SECONDS TARGET_SECONDS EXIT
row() {
    local verdict="within"
    [ "$3" -le "$4" ] || verdict="over"
    [ "$5" = 0 ] || verdict="failed (exit $5)"
    rows+="| $1 | \`$2\` | $(human "$3") | ≤ $(human "$4") | $verdict |"$'\n'
}

# timed NAME DIR CMD…: runs CMD in DIR, each output line stamped with the seconds since its start,
# into $work/NAME.log; sets $took and $status.
timed() {
    local name="$1" dir="$2"
    shift 2
    echo "timings: $name: $* (log: $work/$name.log)" >&2
    local start
    start="$(date +%s)"
    set +e
    (cd "$dir" && "$@") 2>&1 | while IFS= read -r line; do
        printf '%s %s\n' "$(($(date +%s) - start))" "$line"
    done >"$work/$name.log"
    status="${PIPESTATUS[0]}"
    set -e
    took=$(($(date +%s) - start))
    echo "timings: $name: exit $status after $(human "$took")" >&2
    if [ "$status" != 0 ]; then failed+=" $work/$name.log"; fi
}

if wants ci; then
    clone "$work/ci"
    timed ci "$work/ci" env CI=true bash .ci/run
    row "\`.ci/run\` on a fresh clone (fmt, clippy, tests, self-gate)" "CI=true bash .ci/run" "$took" 900 "$status"
    # The seconds between .ci/run's `==> cargo test` marker and the marker after it.
    tests="$(awk '$2 == "==>" { if (t != "" && e == "") e = $1; if ($3 == "cargo" && $4 == "test") t = $1 }
        END { if (t != "" && e != "") print e - t }' "$work/ci.log")"
    if [ -n "$tests" ]; then
        row "the tests, inside it (after clippy compiled the build scripts once)" "cargo test --workspace" "$tests" 600 "$status"
    fi
fi

if wants gate || wants repeat || wants compare; then
    clone "$work/gate"
    timed gate "$work/gate" cargo run --release -p perfgate -- gate
    gate_status="$status"
    row "the main command on a fresh clone (tools cached per user)" "cargo run --release -p perfgate -- gate" "$took" 300 "$status"
    size="$(du -sb "$work/gate/target" | cut -f1)"
    size_verdict="within"
    [ "$size" -le 1610612736 ] || size_verdict="over"
    rows+="| \`target/\` after it | \`du -sb target\` | $(awk -v b="$size" 'BEGIN {printf "%.2f GB", b / 1073741824}') | ≤ 1.50 GB | $size_verdict |"$'\n'
    if wants repeat && [ "$gate_status" = 0 ]; then
        timed repeat "$work/gate" cargo run --release -p perfgate -- gate --tags pr
        row "the same again, nothing changed" "cargo run --release -p perfgate -- gate --tags pr" "$took" 60 "$status"
    fi
    if wants compare; then
        timed compare "$work/gate" bash ci/compare-branches.sh HEAD~1 HEAD --tags pr
        # Exit 1 is a verdict (a regression between the two commits), not a failed measurement.
        if [ "$status" = 1 ]; then status=0; fi
        row "a two-commit comparison in that clone, both sides built" "ci/compare-branches.sh HEAD~1 HEAD --tags pr" "$took" 480 "$status"
    fi
fi

if wants fresh-tools; then
    clone "$work/fresh"
    mkdir -p "$work/tools"
    timed fresh-tools "$work/fresh" env PERFGATE_TOOLS_DIR="$work/tools" cargo run --release -p perfgate -- gate
    row "the main command on a fresh clone with an empty tool cache" "cargo run --release -p perfgate -- gate" "$took" 480 "$status"
fi

cpu="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)"
cores="$(nproc 2>/dev/null || echo "?")"
mkdir -p "$(dirname "$out")"
{
    echo "# Feedback times (measured)"
    echo
    echo "Written by \`ci/timings.sh --steps $steps\`, not by hand: each command run on a fresh clone of the"
    echo "commit below, on this machine, one after another (nothing else running), with its target."
    echo "\"Fresh clone\" keeps the per-user caches (cargo's registry, \`~/.cache/perfgate/tools\`) unless the"
    echo "row says otherwise. Run the script again to measure another machine."
    echo
    echo "| what | command | took | target | |"
    echo "|---|---|---|---|---|"
    printf '%s' "$rows"
    echo
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') at $commit on ${cpu:-an unknown CPU} ($cores cores)."
} >"$out.partial"
mv "$out.partial" "$out"
echo "timings: wrote $out" >&2

if [ -n "$failed" ]; then
    echo "timings: a step failed; its log:$failed (kept in $work)" >&2
    exit 1
fi
if [ -z "$keep" ]; then rm -rf "$work"; else echo "timings: clones kept in $work" >&2; fi
