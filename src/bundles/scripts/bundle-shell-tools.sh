#!/usr/bin/env bash
# Bundle "shell-tools": fzf, bat, ripgrep, fd, jq, tmux from the distribution.
# `bundle-shell-tools.sh install` is idempotent; `bundle-shell-tools.sh version` prints one line once it is installed.
set -euo pipefail
# shellcheck source=/dev/null
. "$(dirname "$0")/bundle-lib.sh"

case "${1:-install}" in
  version) fzf --version ;;
  install)
    apt_install fzf bat ripgrep fd-find jq tmux
    ;;
  *)
    echo "usage: $0 install|version" >&2
    exit 2
    ;;
esac
