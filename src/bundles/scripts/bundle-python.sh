#!/usr/bin/env bash
# Bundle "python": Python 3 with pip and venv from the distribution.
# `bundle-python.sh install` is idempotent; `bundle-python.sh version` prints one line once it is installed.
set -euo pipefail
# shellcheck source=/dev/null
. "$(dirname "$0")/bundle-lib.sh"

case "${1:-install}" in
  version) python3 --version ;;
  install)
    apt_install python3 python3-pip python3-venv
    ;;
  *)
    echo "usage: $0 install|version" >&2
    exit 2
    ;;
esac
