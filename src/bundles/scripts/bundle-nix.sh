#!/usr/bin/env bash
# Bundle "nix": nix (Determinate Systems installer; needs the internet).
# `bundle-nix.sh install` is idempotent; `bundle-nix.sh version` prints one line once it is installed.
set -euo pipefail
# shellcheck source=/dev/null
. "$(dirname "$0")/bundle-lib.sh"

case "${1:-install}" in
  version) PATH="/nix/var/nix/profiles/default/bin:$PATH" nix --version ;;
  install)
    apt_install curl ca-certificates xz-utils
    if ! command -v nix >/dev/null 2>&1 && [ ! -x /nix/var/nix/profiles/default/bin/nix ]; then
      # Determinate Systems installer; needs the open internet, fails honestly without it.
      curl -fsSL --connect-timeout 20 --max-time 120 https://install.determinate.systems/nix -o /tmp/spuff-nix-install.sh
      sh /tmp/spuff-nix-install.sh install linux --no-confirm --init none
    fi
    ;;
  *)
    echo "usage: $0 install|version" >&2
    exit 2
    ;;
esac
