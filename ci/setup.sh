#!/usr/bin/env bash
# What a fresh CI machine needs before perfgate runs: valgrind (the instruction engine). perfgate
# provisions the rest itself (gungraun-runner, corpora). Runnable locally; does nothing when valgrind
# is there.
set -euo pipefail
if ! command -v valgrind >/dev/null 2>&1; then
    echo "installing valgrind (apt-get)"
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq valgrind
fi
valgrind --version
