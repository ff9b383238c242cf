#!/usr/bin/env bash
# Keeps the nightly history on a data branch (default `perfgate-history`) of the `origin` remote, so
# it outlives the CI machine: `pull` copies the branch's FILE (its name) to FILE (nothing if the
# branch or file does not exist yet); `push` commits FILE onto the branch and pushes it.
#
#   ci/history.sh pull|push FILE [BRANCH]
set -euo pipefail
cd "$(dirname "$0")/.."
action="${1:-}"
file="${2:-}"
branch="${3:-perfgate-history}"
if [ -z "$file" ] || { [ "$action" != pull ] && [ "$action" != push ]; }; then
    echo "usage: ci/history.sh pull|push FILE [BRANCH]" >&2
    exit 2
fi
name="$(basename "$file")"
case "$action" in
pull)
    mkdir -p "$(dirname "$file")"
    if git fetch --quiet origin "$branch" 2>/dev/null && git cat-file -e "FETCH_HEAD:$name" 2>/dev/null; then
        git show "FETCH_HEAD:$name" > "$file.tmp" && mv "$file.tmp" "$file"
        echo "history: $(wc -l < "$file") run(s) from $branch"
    else
        echo "history: no $name on $branch yet; starting a new history"
    fi
    ;;
push)
    if [ ! -f "$file" ]; then
        echo "history: no $file to push" >&2
        exit 2
    fi
    work="$(mktemp -d)"
    trap 'git worktree remove --force "$work" >/dev/null 2>&1 || rm -rf "$work"' EXIT
    if git fetch --quiet origin "$branch" 2>/dev/null; then
        git worktree add --quiet --detach "$work" FETCH_HEAD
    else
        git worktree add --quiet --detach "$work"
        git -C "$work" checkout --quiet --orphan "$branch"
        git -C "$work" rm -r --quiet --cached . >/dev/null 2>&1 || true
        find "$work" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
    fi
    cp "$file" "$work/$name"
    git -C "$work" add "$name"
    git -C "$work" -c user.name="perfgate" -c user.email="perfgate@localhost" \
        commit --quiet -m "history: $(wc -l < "$file") runs" || true
    git -C "$work" push --quiet origin "HEAD:refs/heads/$branch"
    echo "history: pushed $name to $branch"
    ;;
esac
