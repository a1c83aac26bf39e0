#!/usr/bin/env bash
# Bundle "rust": rustc and cargo from the distribution.
# `bundle-rust.sh install` is idempotent; `bundle-rust.sh version` prints one line once it is installed.
set -euo pipefail
# shellcheck source=/dev/null
. "$(dirname "$0")/bundle-lib.sh"

case "${1:-install}" in
  version) rustc --version ;;
  install)
    apt_install rustc cargo
    ;;
  *)
    echo "usage: $0 install|version" >&2
    exit 2
    ;;
esac
