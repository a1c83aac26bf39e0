#!/usr/bin/env bash
# Phase 2 of the spuff bootstrap: started by runcmd through systemd-run so cloud-init (and SSH
# login) does not wait for it. Progress is reported in the status file that the agent serves:
# running -> ready, or failed on ANY error (the EXIT trap sees every non-zero exit under set -e).
set -euo pipefail

STATUS_FILE="${SPUFF_STATUS_FILE:-/opt/spuff/bootstrap.status}"
ENV_FILE="${SPUFF_BOOTSTRAP_ENV:-/etc/spuff/bootstrap.env}"

write_status() {
  # Write then rename so a reader never sees an empty or half-written file.
  printf '%s\n' "$1" >"${STATUS_FILE}.tmp"
  mv -f "${STATUS_FILE}.tmp" "$STATUS_FILE"
}

on_exit() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    write_status failed || true
    echo "spuff bootstrap failed (exit $rc)" >&2
  fi
}
trap on_exit EXIT
# A signal must still end in "failed", not in a status stuck at "running".
trap 'exit 143' TERM
trap 'exit 130' INT

write_status running

# shellcheck source=/dev/null
. "$ENV_FILE"

# Run a command as the dev user with that user's HOME (a no-op switch when already that user).
as_user() {
  if [ "$(id -un)" = "$SPUFF_USER" ]; then
    HOME="$SPUFF_HOME" "$@"
  else
    runuser -u "$SPUFF_USER" -- env HOME="$SPUFF_HOME" "$@"
  fi
}

install_dotfiles() {
  local dir="$SPUFF_DOTFILES_DIR"
  if [ ! -d "$dir/.git" ]; then
    # Only the host keys the user accepted on their own computer are trusted (never on first
    # use): spuff up copied their known_hosts lines for the dotfiles host here.
    local kh="$SPUFF_HOME/.ssh/spuff_git_known_hosts"
    as_user mkdir -p "$SPUFF_HOME/.ssh"
    chmod 700 "$SPUFF_HOME/.ssh"
    printf '%s' "$SPUFF_DOTFILES_KNOWN_HOSTS" | as_user tee "$kh" >/dev/null
    # Nobody can answer a prompt here: fail instead of hanging with the status stuck at
    # "running". "--" keeps a URL that starts with "-" from being read as a git option.
    as_user env GIT_TERMINAL_PROMPT=0 \
      GIT_SSH_COMMAND="ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=\"$kh\" -o GlobalKnownHostsFile=/dev/null" \
      timeout 300 git clone --depth 1 -- "$SPUFF_DOTFILES_URL" "$dir"
  fi
  local script
  for script in install.sh setup.sh; do
    if [ -f "$dir/$script" ]; then
      (cd "$dir" && as_user bash "./$script")
      return 0
    fi
  done
}

if [ -n "$SPUFF_DOTFILES_URL" ]; then
  install_dotfiles
fi

write_status ready
