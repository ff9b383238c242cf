#!/usr/bin/env bash
# Attaches the release report (ci/release-report.sh) to the GitHub release of TAG, creating the
# release when the tag has none, with the report's Markdown summary as the notes. Needs the GitHub
# CLI (`gh`, on every GitHub-hosted runner) and GH_TOKEN with `contents: write`.
#
#   ci/publish-release.sh TAG
#
# Exit codes: 0 attached; 2 usage error or nothing to attach; other: gh's failure.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -ne 1 ] || [ -z "$1" ]; then
    echo "usage: ci/publish-release.sh TAG" >&2
    exit 2
fi
tag=$1
report=target/perfgate/release-report.tar.gz
notes=target/perfgate/release-summary.md
for file in "$report" "$notes"; do
    if [ ! -f "$file" ]; then
        echo "publish-release: $file does not exist; run ci/release-report.sh first" >&2
        exit 2
    fi
done
if gh release view -- "$tag" >/dev/null 2>&1; then
    gh release upload --clobber -- "$tag" "$report"
    gh release edit --notes-file "$notes" -- "$tag"
else
    gh release create --verify-tag --notes-file "$notes" -- "$tag" "$report"
fi
echo "publish-release: $report attached to $tag"
