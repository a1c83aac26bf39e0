#!/usr/bin/env bash
# Bundle "codex": the OpenAI Codex CLI (npm @openai/codex).
# `bundle-codex.sh install` is idempotent; `bundle-codex.sh version` prints one line once it is installed.
set -euo pipefail
# shellcheck source=/dev/null
. "$(dirname "$0")/bundle-lib.sh"

case "${1:-install}" in
  version) codex --version ;;
  install)
    npm_global @openai/codex codex
    ;;
  *)
    echo "usage: $0 install|version" >&2
    exit 2
    ;;
esac
