#!/usr/bin/env bash
# Phase 1 of the spuff bootstrap: runs inside cloud-init's runcmd, so SSH login waits for it.
# Keep it short; slow work belongs in bootstrap-async.sh.
set -euo pipefail

ENV_FILE="${SPUFF_BOOTSTRAP_ENV:-/etc/spuff/bootstrap.env}"
# shellcheck source=/dev/null
. "$ENV_FILE"

install -d -m 0755 /opt/spuff
install -d -m 0755 /etc/spuff
# The agent unit was written by write_files; make systemd read it. It stays disabled until the
# CLI uploads the agent and /etc/spuff/agent.env (the unit has ConditionPathExists on it).
systemctl daemon-reload

# The dev user owns its workspace so tools run without sudo.
install -d -m 0755 -o "$SPUFF_USER" -g "$(id -gn "$SPUFF_USER")" "$SPUFF_HOME/workspace"
