#!/usr/bin/env bash
# Shared by the bundle scripts (sourced, installed beside them as /opt/spuff/bundles/bundle-lib.sh):
# apt installs that wait for cloud-init's apt to let go of the lock, refresh the package lists
# only when an install fails on stale ones, and refuse to work without apt.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

APT_OPTS=(-y -q -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef)

# Exit 100 tells run-steps.sh "skipped": the bundle does not apply to this system.
need_apt() {
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "skipped: no apt-get on this system"
    exit 100
  fi
}

# apt_install PACKAGE... : install what is missing (a no-op when everything is there).
apt_install() {
  need_apt
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    echo "already installed: $*"
    return 0
  fi
  echo "apt-get install ${missing[*]}"
  if ! apt-get install "${APT_OPTS[@]}" --no-install-recommends "${missing[@]}"; then
    echo "install failed; refreshing the package lists and trying once more"
    apt-get update -q -o DPkg::Lock::Timeout=600
    apt-get install "${APT_OPTS[@]}" --no-install-recommends "${missing[@]}"
  fi
}

# npm_global PACKAGE BINARY : `npm install -g` unless BINARY is already on PATH.
npm_global() {
  if command -v "$2" >/dev/null 2>&1; then
    echo "already installed: $2"
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is missing (the node bundle installs it)" >&2
    return 1
  fi
  npm install -g --no-fund --no-audit "$1"
}
