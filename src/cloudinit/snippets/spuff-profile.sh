# shellcheck shell=bash
# Installed as /etc/profile.d/spuff.sh: tells a login shell when the background bootstrap is not
# done yet. Sourced by every login shell, so it must not set shell options or fail.
if [ -r /opt/spuff/bootstrap.status ]; then
  spuff_status="$(cat /opt/spuff/bootstrap.status 2>/dev/null || true)"
  case "$spuff_status" in
    ready) ;;
    failed) echo "spuff: background setup FAILED; see: journalctl -u spuff-bootstrap" >&2 ;;
    *) echo "spuff: background setup still running ($spuff_status); see: journalctl -u spuff-bootstrap -f" >&2 ;;
  esac
  unset spuff_status
fi
# A tool bundle that failed in the background (its status file says so; the log is in
# /var/log/spuff/bundles, or `spuff logs --bundle NAME` on your computer).
for spuff_f in /var/lib/spuff/bundles/*.status; do
  [ -r "$spuff_f" ] || continue
  if grep -qx 'status=failed' "$spuff_f"; then
    echo "spuff: tool bundle $(sed -n 's/^name=//p' "$spuff_f") FAILED; see: spuff logs --bundle $(sed -n 's/^name=//p' "$spuff_f")" >&2
  fi
done
unset spuff_f
# The project's env from spuff.yaml (0600 and the user's own; `spuff up` writes it over SSH).
if [ -r "$HOME/.config/spuff/env.sh" ]; then
  # shellcheck source=/dev/null
  . "$HOME/.config/spuff/env.sh"
fi
