#!/usr/bin/env bash
# volume-mount.sh DEVICE MOUNTPOINT LABEL OWNER: run as root on the machine (over SSH, after
# cloud-init) once the provider reports the volume attached. Formats the device only when it
# holds no filesystem at all, records a nofail fstab line, mounts it, grows the filesystem to the
# device (after `spuff volume resize`) and hands the mount point to the dev user. Prints
# "uuid=<filesystem UUID>" and "formatted=yes|no" on stdout.
#
# volume-mount.sh --mounted MOUNTPOINT OWNER: the provider mounted the volume there itself (the
# local provider's nspawn machines: a guest in a user namespace cannot mount ext4, the host binds
# it in). Nothing is formatted or mounted; the mount point must be a mount, any fstab line for it
# goes (it would name a device the machine does not have), and the dev user gets the top
# directory. Prints "mounted=yes".
set -euo pipefail

fstab=${SPUFF_FSTAB:-/etc/fstab}

# Drops any fstab line for mount point $1 (an earlier volume's).
drop_fstab_line() {
  local tmp
  tmp=$(mktemp "$fstab.spuff.XXXXXX")
  MNT=$1 awk '$2 != ENVIRON["MNT"]' "$fstab" >"$tmp" || true
  cat "$tmp" >"$fstab"
  rm -f "$tmp"
}

if [ "$#" -eq 3 ] && [ "$1" = --mounted ]; then
  mnt=$2
  owner=$3
  # The host bound it before cloud-init ran; it is a mount point, not a link or a plain folder.
  if [ -L "$mnt" ] || ! mountpoint -q "$mnt"; then
    echo "volume-mount: $mnt is not the volume the host mounted" >&2
    exit 5
  fi
  drop_fstab_line "$mnt"
  chown "$owner:" "$mnt"
  echo "mounted=yes"
  exit 0
fi

if [ "$#" -ne 4 ]; then
  echo "usage: volume-mount.sh DEVICE MOUNTPOINT LABEL OWNER" >&2
  exit 2
fi
dev=$1
mnt=$2
label=$3
owner=$4

# fstab fields are separated by whitespace: a path with any cannot be written safely.
case "$dev$mnt" in
  *[[:space:]]* | *\\*)
    echo "volume-mount: refusing a device or mount point with whitespace or backslashes" >&2
    exit 2
    ;;
esac
case "$dev" in
  /dev/*) ;;
  *)
    echo "volume-mount: the device must be under /dev" >&2
    exit 2
    ;;
esac

# The attach just completed: udev may still be making the by-id link (bounded wait, 10 s).
for _ in $(seq 1 100); do
  [ -b "$dev" ] && break
  sleep 0.1
done
if [ ! -b "$dev" ]; then
  echo "volume-mount: the volume's device $dev did not appear" >&2
  exit 3
fi

# blkid -p exits 2 when it finds no signature at all: only then is the volume blank. Any other
# failure (ambiguous signatures, I/O errors) must never lead to a format.
rc=0
blkid -p "$dev" >/dev/null 2>&1 || rc=$?
formatted=no
if [ "$rc" -eq 2 ]; then
  mkfs.ext4 -q -L "$label" "$dev"
  formatted=yes
elif [ "$rc" -ne 0 ]; then
  echo "volume-mount: blkid could not read $dev (exit $rc); not formatting it" >&2
  exit 4
fi

install -d -m 0755 "$mnt"
# One line for this mount point: an earlier one (another volume) is replaced.
drop_fstab_line "$mnt"
printf '%s %s auto defaults,nofail,discard 0 2\n' "$dev" "$mnt" >>"$fstab"

# After `spuff volume resize` the device is larger than the filesystem: grow it before it is
# mounted (offline, after a check; online growth needs a capability containers lack).
if ! mountpoint -q "$mnt" && [ "$(blkid -s TYPE -o value "$dev")" = ext4 ]; then
  fs_bytes=$(dumpe2fs -h "$dev" 2>/dev/null | awk -F: '/^Block count/ { c = $2 } /^Block size/ { s = $2 } END { print c * s }')
  if [ "$(blockdev --getsize64 "$dev")" -gt "${fs_bytes:-0}" ]; then
    e2fsck -f -p "$dev" >/dev/null && resize2fs "$dev" >/dev/null 2>&1 ||
      echo "volume-mount: could not grow the filesystem; it keeps its size" >&2
  fi
fi
# Mounted from the arguments, not by fstab lookup: systemd ignores fstab devices in containers.
mountpoint -q "$mnt" || mount -o discard "$dev" "$mnt"
# Only the top directory: the files keep the owners they were written with.
chown "$owner:" "$mnt"
printf 'uuid=%s\nformatted=%s\n' "$(blkid -s UUID -o value "$dev")" "$formatted"
