#!/usr/bin/env bash
# Posts the gate's Markdown (target/perfgate/pr/perfgate.md, written by ci/gate-pr.sh) as one
# comment on pull request PR, editing the comment it posted before instead of adding another.
# Needs the GitHub CLI (`gh`, on every GitHub-hosted runner) and GH_TOKEN with
# `pull-requests: write`.
#
#   ci/pr-comment.sh PR
#
# Exit codes: 0 posted; 2 usage error or no Markdown; other: gh's failure.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -ne 1 ] || ! [[ $1 =~ ^[0-9]+$ ]]; then
    echo "usage: ci/pr-comment.sh PR (the pull request's number)" >&2
    exit 2
fi
body=target/perfgate/pr/perfgate.md
if [ ! -f "$body" ]; then
    echo "pr-comment: $body does not exist; ci/gate-pr.sh writes it" >&2
    exit 2
fi
gh pr comment "$1" --edit-last --create-if-none --body-file "$body"
echo "pr-comment: posted $body on #$1"
