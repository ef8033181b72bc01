#!/bin/bash
# gpubox autostart, for a machine where the bootstrap runs its services without systemd (a
# bring-your-own machine whose login user is not root, or has no systemd): a crontab @reboot
# line runs `autostart.sh boot` when the machine starts, which runs the bootstrap again with the
# settings of its last run, so Jupyter and the watchdog come back by themselves, as systemd's
# enabled units make them do elsewhere. Only when they were up as the machine went down: their
# pid files are then still in PREFIX/run; `bootstrap.sh --stop` (`gpubox stop`, the idle stop,
# the hard cap) removes them, and a stopped box stays stopped.
#
#   autostart.sh install [BOOTSTRAP ARGS...]  after a bootstrap over ssh: keep ARGS, (re)write
#                                             the @reboot line; without pid files (systemd),
#                                             remove it instead
#   autostart.sh remove                       drop the line and ARGS (`gpubox stop`, `gpubox rm`)
#   autostart.sh boot                         what the line runs
#
# The user's other crontab lines are kept; when `crontab -l` fails for another reason than "no
# crontab", the crontab is left alone. No crontab command: said on stderr and in the log, exit 0.
# GPUBOX_PREFIX: default ~/.gpubox. GPUBOX_CRONTAB: the crontab command (tests give a fake one).
set -u
P="${GPUBOX_PREFIX:-$HOME/.gpubox}"
CRONTAB="${GPUBOX_CRONTAB:-crontab}"
TAG="# gpubox-autostart"
ARGS="$P/etc/autostart.args"

log() {
  mkdir -p "$P/log" && echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) autostart: $*" >>"$P/log/bootstrap.log"
}
services_were_up() {
  local n
  for n in jupyter watchdog cap; do [ -f "$P/run/$n.pid" ] && return 0; done
  return 1
}
# The current crontab without our line, in CURRENT; 1 when it cannot be read (other than empty).
read_crontab() {
  local out rc
  out=$($CRONTAB -l 2>&1); rc=$?
  if [ $rc != 0 ]; then
    case "$out" in *"no crontab"*) CURRENT=""; return 0 ;; esac
    log "error: crontab -l failed: $out"; echo "gpubox-autostart: crontab -l failed: $out" >&2
    return 1
  fi
  CURRENT=$(printf '%s\n' "$out" | grep -vF "$TAG")
  return 0  # (grep -v selecting nothing, when ours was the only line, is no error)
}
no_crontab() {
  if ! command -v "${CRONTAB%% *}" >/dev/null; then
    log "no crontab: gpubox's services do not come back by themselves after a reboot (\`gpubox start\` starts them)"
    echo "gpubox-autostart: no crontab here: after a reboot, \`gpubox start\` starts gpubox's services" >&2
    return 0
  fi
  return 1
}

case "${1:-}" in
  install)
    shift
    if ! services_were_up; then exec bash "$0" remove; fi  # systemd's units start at boot
    no_crontab && exit 0
    mkdir -p "$P/bin" "$P/etc" || exit 1
    if ! [ "$0" -ef "$P/bin/autostart.sh" ]; then
      cp "$0" "$P/bin/autostart.sh.new" && mv "$P/bin/autostart.sh.new" "$P/bin/autostart.sh" || exit 1
    fi
    # --no-systemd: at boot, the same way as now (root on a machine with systemd but no
    # /run/systemd/system at the time, say a container, would otherwise get units).
    printf '%q ' "$@" --no-systemd >"$ARGS.new" && mv "$ARGS.new" "$ARGS" || exit 1
    read_crontab || exit 1
    line="@reboot /bin/bash $(printf '%q' "$P/bin/autostart.sh") boot $TAG"
    if [ "$($CRONTAB -l 2>/dev/null | grep -F "$TAG")" = "$line" ]; then exit 0; fi
    if { [ -n "$CURRENT" ] && printf '%s\n' "$CURRENT"; echo "$line"; } | $CRONTAB -; then
      log "installed: $line"
    else
      log "error: cannot write the crontab"; echo "gpubox-autostart: cannot write the crontab" >&2
      exit 1
    fi
    ;;
  remove)
    rm -f "$ARGS"
    command -v "${CRONTAB%% *}" >/dev/null || exit 0
    $CRONTAB -l 2>/dev/null | grep -qF "$TAG" || exit 0
    read_crontab || exit 1
    if [ -n "$CURRENT" ]; then printf '%s\n' "$CURRENT" | $CRONTAB -; else $CRONTAB -r; fi \
      && log "removed the @reboot line"
    ;;
  boot)
    if ! services_were_up; then log "boot: gpubox's services were stopped: left stopped"; exit 0; fi
    [ -f "$ARGS" ] && [ -f "$P/bin/bootstrap.sh" ] || { log "boot: nothing to run"; exit 0; }
    eval "set -- $(cat "$ARGS")"
    log "boot: the machine restarted: running the bootstrap again"
    exec bash "$P/bin/bootstrap.sh" "$@"
    ;;
  *)
    echo "usage: autostart.sh install [BOOTSTRAP ARGS...] | remove | boot" >&2
    exit 2
    ;;
esac
