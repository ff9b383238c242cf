#!/usr/bin/env bash
# Fuzzing with cargo-fuzz (libFuzzer) on the nightly toolchain: the targets of fuzz/ (analyze:
# bytes as a Python file; scenario: text as a scenario file; results: text as results/baseline
# files, then the comparison), each for SECONDS (default 600), one after the other. The seed corpus
# is built from the repository's own files (Python fixtures, scenario files, baselines); what
# libFuzzer finds is kept under target/perfgate/fuzz/ (never committed). A crash or a > 1 s input
# stops that target, leaves its input in target/perfgate/fuzz/artifacts/TARGET/ and makes the
# script exit 1; each one becomes a regression test.
#
#   ci/fuzz.sh              # all three, 10 minutes each
#   ci/fuzz.sh 60 analyze   # one target, one minute
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-600}"
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(analyze scenario results)

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "error: cargo-fuzz needs the nightly toolchain (rustup toolchain install nightly)" >&2
  exit 2
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "installing cargo-fuzz 0.13.2 (once) ..." >&2
  cargo install cargo-fuzz --version 0.13.2 --locked
fi

out=target/perfgate/fuzz
seed() { # target, then files to copy into its corpus
  local dir="$out/corpus/$1"; shift
  mkdir -p "$dir"
  for file in "$@"; do
    cp "$file" "$dir/seed-$(sha256sum "$file" | cut -c1-16)"
  done
}
mapfile -t python < <(find core/tests/fixtures -name '*.py' | sort)
seed analyze "${python[@]}"
seed scenario scenarios/*.toml
mapfile -t json < <(find baselines -name '*.json' | sort)
seed results "${json[@]}"

failed=0
for target in "${targets[@]}"; do
  mkdir -p "$out/artifacts/$target"
  echo "fuzzing $target for $seconds s (log: $out/$target.log) ..." >&2
  if ! cargo +nightly fuzz run -O "$target" "$out/corpus/$target" -- \
      -max_total_time="$seconds" -timeout=1 -rss_limit_mb=4096 -max_len=262144 \
      -artifact_prefix="$out/artifacts/$target/" -print_final_stats=1 \
      >"$out/$target.log" 2>&1; then
    echo "fuzz target $target FAILED: see $out/$target.log and $out/artifacts/$target/" >&2
    failed=1
  fi
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done|#[0-9]+ +DONE)' "$out/$target.log" >&2 || true
done
exit "$failed"
