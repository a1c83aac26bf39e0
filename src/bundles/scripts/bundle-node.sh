#!/usr/bin/env bash
# Bundle "node": Node.js and npm from the distribution (also what the AI CLIs need).
# `bundle-node.sh install` is idempotent; `bundle-node.sh version` prints one line once it is installed.
set -euo pipefail
# shellcheck source=/dev/null
. "$(dirname "$0")/bundle-lib.sh"

case "${1:-install}" in
  version) node --version ;;
  install)
    apt_install nodejs npm
    ;;
  *)
    echo "usage: $0 install|version" >&2
    exit 2
    ;;
esac
