#!/usr/bin/env bash
# Installed as /usr/local/bin/spuff-keepalive: keeps this machine from being torn down as idle
# while a long job runs. The agent reads the file: a future epoch in it means "active until
# then", anything else counts as activity at the file's mtime. max_lifetime still applies.
set -euo pipefail

FILE="${SPUFF_KEEPALIVE_FILE:-/run/spuff/keepalive}"

usage() {
  cat <<'USAGE'
usage: spuff-keepalive [DURATION | off | status]
  (no argument)  count as activity now: the idle timer starts again
  DURATION       keep the machine up for that long: 90 (seconds), 45m, 4h, 2d
  off            release a keep-alive; idle time counts from now
  status         show until when the machine is kept up
USAGE
}

# /run/spuff belongs to root (the agent runs as root); the dev user has passwordless sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

write() {
  as_root install -d -m 0755 "$(dirname "$FILE")"
  printf '%s\n' "$1" | as_root tee "$FILE" >/dev/null
}

# DURATION -> seconds on stdout; fails on anything else.
seconds() {
  local n unit
  [[ "$1" =~ ^([0-9]{1,9})([smhd]?)$ ]] || return 1
  n="${BASH_REMATCH[1]}"
  unit="${BASH_REMATCH[2]}"
  case "$unit" in
    "" | s) echo "$n" ;;
    m) echo $((n * 60)) ;;
    h) echo $((n * 3600)) ;;
    d) echo $((n * 86400)) ;;
  esac
}

now="$(date +%s)"
case "${1:-}" in
  "")
    write "$now"
    echo "spuff-keepalive: activity recorded; the idle timer starts again"
    ;;
  off)
    write "$now"
    echo "spuff-keepalive: released; idle time counts from now"
    ;;
  status)
    until="$(cat "$FILE" 2>/dev/null || true)"
    if [[ "$until" =~ ^[0-9]+$ ]] && [ "$until" -gt "$now" ]; then
      echo "spuff-keepalive: kept up until $(date -d "@$until" '+%F %T %Z')"
    else
      echo "spuff-keepalive: no keep-alive active"
    fi
    ;;
  -h | --help) usage ;;
  *)
    if ! secs="$(seconds "$1")"; then
      usage >&2
      exit 2
    fi
    until=$((now + secs))
    write "$until"
    echo "spuff-keepalive: kept up until $(date -d "@$until" '+%F %T %Z')"
    ;;
esac
