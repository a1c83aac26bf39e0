#!/usr/bin/env bash
# Installs the Debian packages spuff's test suite uses (real sshd, shellcheck, cloud-init's schema
# checker, the official Hetzner CLI, hyperfine for benchmarks). Idempotent; needs root (or sudo).
set -euo pipefail

packages=(
  openssh-server openssh-client # a real sshd on loopback for the SSH tests
  shellcheck                    # every shipped shell script is linted
  cloud-init                    # `cloud-init schema` validates generated user-data
  hcloud-cli                    # the official Hetzner CLI, pointed at our simulator
  awscli                        # the official AWS CLI, pointed at our EC2 simulator
  debootstrap e2fsprogs         # `spuff image build`: the local machines' Debian image
  systemd-container slirp4netns # the nspawn machine backend (container + user-mode NAT)
  python3                       # idmapped mounts of the nspawn machines' image layers
  qemu-system-x86 qemu-utils genisoimage # the qemu machine backend (TCG VM + NoCloud seed ISO)
  zsh fish                      # `spuff completion zsh|fish` is tested in the real shells
  hyperfine socat iproute2 git
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup-system: all packages present"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
echo "setup-system: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
