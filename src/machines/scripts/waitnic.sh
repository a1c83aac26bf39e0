#!/bin/sh
# PID 1 of a user-namespaced nspawn machine until its eth0 exists: slirp4netns attaches to the
# machine's network namespace only after nspawn has created it, and cloud-init-local must see
# the NIC (~160 ms after boot). Waits at most 10 s, then hands PID 1 to systemd.
i=0
while [ ! -e /sys/class/net/eth0 ] && [ "$i" -lt 500 ]; do
  sleep 0.02
  i=$((i + 1))
done
exec /lib/systemd/systemd
