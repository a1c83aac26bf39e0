#!/usr/bin/env bash
# Bundle "go": The Go toolchain from the distribution (golang-go).
# `bundle-go.sh install` is idempotent; `bundle-go.sh version` prints one line once it is installed.
set -euo pipefail
# shellcheck source=/dev/null
. "$(dirname "$0")/bundle-lib.sh"

case "${1:-install}" in
  version) go version ;;
  install)
    apt_install golang-go
    ;;
  *)
    echo "usage: $0 install|version" >&2
    exit 2
    ;;
esac
