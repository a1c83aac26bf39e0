#!/usr/bin/env bash
# Bundle "docker": Docker engine from the distribution (docker.io), the dev user in the docker group.
# `bundle-docker.sh install` is idempotent; `bundle-docker.sh version` prints one line once it is installed.
set -euo pipefail
# shellcheck source=/dev/null
. "$(dirname "$0")/bundle-lib.sh"

case "${1:-install}" in
  version) docker --version ;;
  install)
    apt_install docker.io
    # The dev user runs docker without sudo (takes effect at its next login).
    if [ -n "${SPUFF_USER:-}" ] && id "$SPUFF_USER" >/dev/null 2>&1; then
      usermod -aG docker "$SPUFF_USER"
    fi
    systemctl enable --now docker.service || echo "docker.service did not start (a container host may forbid it)"
    ;;
  *)
    echo "usage: $0 install|version" >&2
    exit 2
    ;;
esac
