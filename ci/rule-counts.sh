#!/usr/bin/env bash
# Findings per rule of the connascence core, before and after a change, on this machine's CPython
# standard library and on the pinned django corpus (scenarios/corpora.toml), with every rule's
# default options (--isolated: no configuration file). Writes a Markdown page with the command, both
# commits, the date and the host; the book's page docs/measured/rule-counts.md is written by it.
#
#   ci/rule-counts.sh --before REV                # prints the page
#   ci/rule-counts.sh --before REV --out docs/measured/rule-counts.md
#
# "after" is this checkout's core (its working tree); "before" is REV's core, built in a worktree
# under target/perfgate/rule-counts/ (its own target folder, so this checkout's build is untouched).
set -euo pipefail
cd "$(dirname "$0")/.."

before=""
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --before) before="${2:?--before needs a revision}"; shift 2 ;;
    --out) out="${2:?--out needs a file}"; shift 2 ;;
    *) echo "usage: ci/rule-counts.sh --before REV [--out FILE]" >&2; exit 2 ;;
  esac
done
if [[ -z "$before" ]]; then
  echo "usage: ci/rule-counts.sh --before REV [--out FILE]" >&2
  exit 2
fi
before_commit="$(git rev-parse --verify --quiet "$before^{commit}")" || {
  echo "error: --before $before: not a commit of this repository" >&2
  exit 2
}
work="target/perfgate/rule-counts"
mkdir -p "$work"

stdlib="$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')"
python_version="$(python3 -c 'import platform; print(platform.python_version())')"
echo "fetching the django corpus (perfgate corpus fetch django)" >&2
django_line="$(cargo run --release -q -p perfgate -- corpus fetch django)"
django_version="$(sed -n 's/^django \([^:]*\):.*/\1/p' <<<"$django_line")"
django="target/perfgate/corpora/django-$django_version/django"
[[ -d "$django" ]] || { echo "error: $django is missing after the fetch" >&2; exit 2; }

echo "building this checkout's core (cargo build --release -p connascence)" >&2
cargo build --release -q -p connascence
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
after_bin="$target_dir/release/connascence"

echo "building the core of $before (${before_commit:0:12}) in $work/before" >&2
rm -rf "$work/before"
git worktree prune
git worktree add --quiet --detach "$work/before" "$before_commit"
trap 'git worktree remove --force "$work/before" 2>/dev/null || true' EXIT
CARGO_TARGET_DIR="$PWD/$work/target" cargo build --release -q -p connascence \
  --manifest-path "$work/before/Cargo.toml"
before_bin="$work/target/release/connascence"

count() { # BINARY PATH NAME
  echo "analyzing $3 with $1" >&2
  "$1" check "$2" --format json --isolated --no-cache --exit-zero --output "$work/$3.json"
}
count "$before_bin" "$stdlib" stdlib-before
count "$after_bin" "$stdlib" stdlib-after
count "$before_bin" "$django" django-before
count "$after_bin" "$django" django-after

after_commit="$(git rev-parse HEAD)"
dirty=""
if [[ -n "$(git status --porcelain -- core Cargo.lock)" ]]; then
  dirty=" plus uncommitted changes to the core"
fi
cpu="$(grep -m1 '^model name' /proc/cpuinfo | sed 's/^model name[[:space:]]*: //' || true)"
host="${cpu:-$(uname -m)}, $(nproc) cores, $(uname -sr)"
page="$(python3 - "$work" "$before" "${before_commit:0:12}" "${after_commit:0:12}$dirty" \
  "$(date -u +%Y-%m-%dT%H:%MZ)" "$host" "$python_version" "$django_version" <<'PY'
import json, sys
work, rev, before, after, date, host, python, django = sys.argv[1:]
def load(name):
    with open(f"{work}/{name}.json", encoding="utf-8") as f:
        return json.load(f)["stats"]
runs = {k: load(k) for k in ("stdlib-before", "stdlib-after", "django-before", "django-after")}
rules = sorted(set().union(*(r["findings_by_rule"] for r in runs.values())))
def cell(run, rule):
    return runs[run]["findings_by_rule"].get(rule, 0)
def delta(a, b):
    return "0" if a == b else f"{b - a:+,}"
print("# Findings per rule, before and after\n")
print("Written by `ci/rule-counts.sh --before " + rev + "`, never by hand. Every rule with its default")
print("options (`connascence check PATH --isolated`), on this machine's CPython " + python + " standard")
print("library (tests included) and on the pinned django " + django + " package.\n")
print("| rule | stdlib before | stdlib after | change | django before | django after | change |")
print("|---|---:|---:|---:|---:|---:|---:|")
for rule in rules + ["**all rules**"]:
    if rule == "**all rules**":
        values = [runs[k]["findings"] for k in ("stdlib-before", "stdlib-after", "django-before", "django-after")]
    else:
        values = [cell(k, rule) for k in ("stdlib-before", "stdlib-after", "django-before", "django-after")]
    a, b, c, d = values
    print(f"| {rule} | {a:,} | {b:,} | {delta(a, b)} | {c:,} | {d:,} | {delta(c, d)} |")
for name in ("stdlib", "django"):
    b, a = runs[f"{name}-before"], runs[f"{name}-after"]
    print(f"\n{name}: {a['files']:,} files; diagnostics {b['diagnostics']:,} before, {a['diagnostics']:,} after.", end="")
print("\n")
print(f"Measured {date} on {host}; before: {before} (`{rev}`), after: {after}.")
print(f"Measure again: `ci/rule-counts.sh --before {rev} --out docs/measured/rule-counts.md`.")
PY
)"
if [[ -n "$out" ]]; then
  tmp="$out.tmp.$$"
  printf '%s\n' "$page" >"$tmp"
  mv "$tmp" "$out"
  echo "wrote $out" >&2
else
  printf '%s\n' "$page"
fi
