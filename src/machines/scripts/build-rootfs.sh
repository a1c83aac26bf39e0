#!/usr/bin/env bash
# build-rootfs.sh ROOTFS SUITE MIRROR
# Debootstraps a cloud-style Debian root filesystem into ROOTFS (which must not exist yet):
# systemd, openssh-server, cloud-init reading only the NoCloud seed, sudo, Node.js for the
# spuff agent, a kernel + initrd for the qemu backend, and no host identity (no SSH host keys,
# empty machine-id): every machine gets its own at first boot. The caller builds into a scratch
# folder and renames it into place, so a half-built image is never used.
set -euo pipefail

rootfs=$1
suite=$2
mirror=$3

if [ -e "$rootfs" ]; then
  echo "build-rootfs: $rootfs already exists" >&2
  exit 2
fi

# python3-cffi-backend is named explicitly: debootstrap does not resolve the virtual package
# python3-cryptography needs (a cloud-init dependency), and stops half-way without it.
packages=(
  systemd-sysv systemd-resolved udev dbus kmod
  openssh-server sudo cloud-init python3-cffi-backend
  ifupdown isc-dhcp-client iproute2 netbase ca-certificates curl
  locales less procps nodejs git
  linux-image-amd64
)
include=$(IFS=,; echo "${packages[*]}")

debootstrap --variant=minbase --include="$include" "$suite" "$rootfs" "$mirror"

# debootstrap copies the build host's name and hosts file: never leak them into machines.
echo localhost >"$rootfs/etc/hostname"
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' >"$rootfs/etc/hosts"
echo '/dev/vda / ext4 defaults,errors=remount-ro 0 1' >"$rootfs/etc/fstab"

cat >"$rootfs/etc/cloud/cloud.cfg.d/90-spuff-local.cfg" <<'CFG'
# spuff local machines: the seed is always a NoCloud one (seed dir or cidata ISO).
datasource_list: [ NoCloud, None ]
# sudo must resolve the hostname cloud-init sets.
manage_etc_hosts: true
# RSA host-key generation is the slowest step under TCG; spuff pins its own key anyway.
ssh_genkeytypes: [ed25519, ecdsa]
grub_dpkg: {enabled: false}
CFG

# cloud-init's default locale must exist, or cc_locale fails and status becomes "error";
# setting LANG up front keeps cloud-init from regenerating it at boot (~20 s under TCG).
sed -i 's/^# *en_US.UTF-8 UTF-8/en_US.UTF-8 UTF-8/' "$rootfs/etc/locale.gen"
chroot "$rootfs" locale-gen >/dev/null
chroot "$rootfs" update-locale LANG=en_US.UTF-8

# No identity baked in: host keys and machine-id are made per machine at first boot.
rm -f "$rootfs"/etc/ssh/ssh_host_*
: >"$rootfs/etc/machine-id"
rm -f "$rootfs/var/lib/dbus/machine-id"
ln -sf ../run/systemd/resolve/stub-resolv.conf "$rootfs/etc/resolv.conf"

# Background jobs would compete with the user's first minutes (and with tests).
chroot "$rootfs" systemctl mask -q apt-daily.timer apt-daily-upgrade.timer man-db.timer \
  e2scrub_all.timer e2scrub_reap.service fstrim.timer systemd-networkd-wait-online.service || true

chroot "$rootfs" apt-get clean
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log
