#!/usr/bin/env bash
# Runs a list of steps in order and records each one's progress for the agent and `spuff status`:
# one STATE_DIR/ID.status file per step (key=value lines: name, status, version, exit, log,
# started, finished), one LOG_DIR/ID.log per step. Used for tool bundles (as root, from a
# transient systemd unit, keep-going: one bundle's failure does not stop the others) and for a
# project's setup (as the dev user over the pinned SSH connection, stop: the first failure ends
# the run and the rest are marked skipped).
#
#   run-steps.sh STATE_DIR LOG_DIR keep-going|stop
#
# STATE_DIR/steps.list has one step per line: ID<TAB>NAME<TAB>SCRIPT<TAB>KIND. A step runs as
# `bash SCRIPT install`; KIND "bundle" also asks `bash SCRIPT version` once it is done, and an
# install exit code of 100 means "skipped" (the bundle does not apply here). KIND cached-bundle
# or cached-step: the machine booted from a prebuild that did the step; it is only checked (a
# bundle's `version`, a step's `check`) and marked done with reason=cached, or installed as usual
# when the check fails. Steps see the
# variables of $SPUFF_ENV_FILE when it is set. Secrets are in that file: it is sourced, never
# printed, and `set -x` is never used.
set -euo pipefail

STATE_DIR="$1"
LOG_DIR="$2"
MODE="$3"
LIST="$STATE_DIR/steps.list"
STEP_TIMEOUT="${SPUFF_STEP_TIMEOUT:-1800}"
# Logs readable by the owner and its group (the dev user's group for setup), nobody else.
umask 027

current=""

# write_status ID key=value... : the whole file is rewritten, then renamed into place.
write_status() {
  local id="$1"
  shift
  local tmp="$STATE_DIR/.$id.status.tmp"
  printf '%s\n' "$@" >"$tmp"
  # Statuses hold no secrets; login shells read them to warn about a failed bundle.
  chmod 0644 "$tmp"
  mv -f "$tmp" "$STATE_DIR/$id.status"
}

on_exit() {
  local rc=$?
  # Stopped by a signal (RuntimeMaxSec, Ctrl-C of the CLI) in the middle of a step.
  if [ -n "$current" ] && [ "$rc" -ne 0 ]; then
    IFS=$'\t' read -r id name _ <<<"$current"
    write_status "$id" "name=$name" "status=failed" "exit=$rc" "log=$LOG_DIR/$id.log" \
      "finished=$(date +%s)" || true
  fi
}
trap on_exit EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

if [ ! -r "$LIST" ]; then
  echo "run-steps: no step list at $LIST" >&2
  exit 2
fi

if [ -n "${SPUFF_ENV_FILE:-}" ] && [ -r "$SPUFF_ENV_FILE" ]; then
  # shellcheck source=/dev/null
  . "$SPUFF_ENV_FILE"
fi

# A previous run's statuses (a machine made from a snapshot) must not mix into this checklist.
rm -f "$STATE_DIR"/*.status
# Everything is pending before the first step starts, so the checklist is complete at once.
while IFS=$'\t' read -r id name _script _kind; do
  [ -n "$id" ] || continue
  write_status "$id" "name=$name" "status=pending" "log=$LOG_DIR/$id.log"
done <"$LIST"

failed=0
stopped=0
while IFS=$'\t' read -r id name script kind; do
  [ -n "$id" ] || continue
  log="$LOG_DIR/$id.log"
  if [ "$stopped" -eq 1 ]; then
    write_status "$id" "name=$name" "status=skipped" "log=$log" "reason=an earlier step failed"
    continue
  fi
  started="$(date +%s)"
  running=running
  [ "$kind" = bundle ] && running=installing
  write_status "$id" "name=$name" "status=$running" "log=$log" "started=$started"
  current="$id	$name"
  : >"$log"
  case "$kind" in
    cached-*)
      kind="${kind#cached-}"
      check=check
      [ "$kind" = bundle ] && check=version
      if bash "$script" "$check" </dev/null >>"$log" 2>&1; then
        version=""
        if [ "$kind" = bundle ]; then
          version="$(bash "$script" version </dev/null 2>/dev/null | head -n 1 | tr -d '\r')" || version=""
        fi
        echo "cached: done in the prebuild this machine booted from" >>"$log"
        current=""
        write_status "$id" "name=$name" "status=done" "version=$version" "exit=0" "log=$log" \
          "started=$started" "finished=$(date +%s)" "reason=cached"
        continue
      fi
      echo "not cached after all ($check failed): installing" >>"$log"
      ;;
  esac
  rc=0
  # stdin from /dev/null: a step that reads stdin must not eat the step list.
  timeout --kill-after=10 "$STEP_TIMEOUT" bash "$script" install </dev/null >>"$log" 2>&1 || rc=$?
  current=""
  finished="$(date +%s)"
  if [ "$rc" -eq 0 ]; then
    version=""
    if [ "$kind" = bundle ]; then
      version="$(bash "$script" version </dev/null 2>/dev/null | head -n 1 | tr -d '\r')" || version=""
    fi
    write_status "$id" "name=$name" "status=done" "version=$version" "exit=0" "log=$log" \
      "started=$started" "finished=$finished"
  elif [ "$rc" -eq 100 ] && [ "$kind" = bundle ]; then
    write_status "$id" "name=$name" "status=skipped" "exit=0" "log=$log" "started=$started" \
      "finished=$finished" "reason=$(tail -n 1 "$log" | tr -d '\r')"
  else
    [ "$rc" -eq 124 ] && echo "spuff: step timed out after ${STEP_TIMEOUT}s" >>"$log"
    write_status "$id" "name=$name" "status=failed" "exit=$rc" "log=$log" "started=$started" \
      "finished=$finished"
    failed=1
    [ "$MODE" = stop ] && stopped=1
  fi
done <"$LIST"

# The exit code tells the caller whether every step succeeded.
[ "$failed" -eq 0 ]
