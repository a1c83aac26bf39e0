#!/usr/bin/env bash
# Bundle "claude-code": the Claude Code CLI (npm @anthropic-ai/claude-code).
# `bundle-claude-code.sh install` is idempotent; `bundle-claude-code.sh version` prints one line once it is installed.
set -euo pipefail
# shellcheck source=/dev/null
. "$(dirname "$0")/bundle-lib.sh"

case "${1:-install}" in
  version) claude --version ;;
  install)
    npm_global @anthropic-ai/claude-code claude
    ;;
  *)
    echo "usage: $0 install|version" >&2
    exit 2
    ;;
esac
