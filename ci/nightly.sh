#!/usr/bin/env bash
# The nightly gate: fetch the pinned corpora, run the `nightly`-tagged scenarios with every engine,
# gate them against the committed baseline of the nightly and release scenarios
# (baselines/<profile>/nightly.json: instructions, heap and counters, which compare across hosts),
# append this run to the history (one JSON line per run) and print the change points of every
# series in it, with how many runs each series needs to see a change. Wall time has no committed
# baseline (it is host-bound): on one runner the history's change points watch it (reported, not
# part of the exit code). The exit code is the gate's: 0 pass, 1 a regression or a nightly
# scenario without a baseline, 2 an error.
#
#   ci/nightly.sh [--history FILE] [--profile P] [more `perfgate gate` options…]
#   default history: reports/history/<profile>.jsonl (profile: ci). reports/ is not kept by git:
#   a CI job must keep the file itself (an artifact restored before the run, or a data branch).
#
# Writes reports/gate/ (the report, with trend charts) and reports/history/trend/ (every series).
set -euo pipefail
cd "$(dirname "$0")/.."
profile="ci"
history=""
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --history) history="$2"; shift 2 ;;
        --history=*) history="${1#--history=}"; shift ;;
        --profile) profile="$2"; args+=("$1" "$2"); shift 2 ;;
        --profile=*) profile="${1#--profile=}"; args+=("$1"); shift ;;
        *) args+=("$1"); shift ;;
    esac
done
history="${history:-reports/history/$profile.jsonl}"
export CARGO_TERM_COLOR=never
cargo build --release --quiet -p perfgate
perfgate=target/release/perfgate
"$perfgate" corpus fetch
status=0
"$perfgate" gate --tags nightly --baseline nightly --history "$history" ${args[@]+"${args[@]}"} || status=$?
"$perfgate" history trend --history "$history" --profile "$profile" --out reports/history/trend || true
echo "nightly: gate exit code $status; history $history"
exit "$status"
