#!/usr/bin/env bash
# Bundle "devbox": devbox (jetify installer from get.jetify.com; needs the internet).
# `bundle-devbox.sh install` is idempotent; `bundle-devbox.sh version` prints one line once it is installed.
set -euo pipefail
# shellcheck source=/dev/null
. "$(dirname "$0")/bundle-lib.sh"

case "${1:-install}" in
  version) devbox version ;;
  install)
    apt_install curl ca-certificates
    if ! command -v devbox >/dev/null 2>&1; then
      # The official installer needs the open internet; without it this fails (and says so).
      curl -fsSL --connect-timeout 20 --max-time 120 https://get.jetify.com/devbox -o /tmp/spuff-devbox-install.sh
      bash /tmp/spuff-devbox-install.sh -f
    fi
    ;;
  *)
    echo "usage: $0 install|version" >&2
    exit 2
    ;;
esac
