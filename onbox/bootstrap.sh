#!/bin/bash
# gpubox bootstrap: Jupyter on a Unix socket in a 0700 directory of its user (never on TCP, where
# any local process could listen first) with a given token, an idle watchdog and a hard cap.
# Idempotent. Runs as EC2 user-data (root, systemd) and over ssh (any user, systemd or not).
# Settings: flags or GPUBOX_* variables (see usage). Installs Jupyter only with
# --install-jupyter, and rsync when it is missing (as root, with apt-get).
set -u
umask 022

usage() {
  cat <<'EOF'
usage: bootstrap.sh [options]        (each option also reads the GPUBOX_* variable shown)
  --token-file F  file holding the Jupyter token (GPUBOX_JUPYTER_TOKEN gives it directly)
  --port N        ignored (Jupyter listens on PREFIX/run/jupyter/jupyter.sock, never on TCP)
  --idle MIN|off  idle minutes before the action, default 30 (GPUBOX_IDLE)
  --max-hours H   hard cap in hours (GPUBOX_MAX_HOURS)
  --budget USD --price USD_PER_HOUR   hard cap of budget/price hours (GPUBOX_BUDGET, GPUBOX_PRICE)
  --mode aws|byo  default aws (GPUBOX_MODE)
  --idle-action shutdown|stop-services  default: aws shutdown, byo stop-services
  --prefix DIR    default /opt/gpubox (root with systemd) else ~/.gpubox (GPUBOX_PREFIX)
  --user NAME     user that runs Jupyter (GPUBOX_USER); default ubuntu for aws as root
  --interval S    watchdog period in seconds, default 60 (GPUBOX_WATCH_INTERVAL)
  --no-systemd    use nohup and pid files even where systemd runs (GPUBOX_NO_SYSTEMD=1)
  --install-jupyter  when no Jupyter is found, pip install notebook into the framework venv
                  (/opt/pytorch on the PyTorch DLAMI) or a venv at PREFIX/venv (GPUBOX_INSTALL_JUPYTER=1)
  --stop          stop (and disable) gpubox's services, then exit
Test aids (environment only): GPUBOX_MINUTE_SECONDS (default 60), the minute --idle and
--max-hours count in; GPUBOX_UNKNOWN_GRACE (default 600), the seconds a signal source may be
unknown before it counts as idle.
EOF
}

TOKEN_FILE_IN=""; PORT="${GPUBOX_JUPYTER_PORT:-8888}"; IDLE="${GPUBOX_IDLE:-30}"
MAX_HOURS="${GPUBOX_MAX_HOURS:-}"; BUDGET="${GPUBOX_BUDGET:-}"; PRICE="${GPUBOX_PRICE:-}"
MODE="${GPUBOX_MODE:-aws}"; ACTION="${GPUBOX_IDLE_ACTION:-}"; PREFIX="${GPUBOX_PREFIX:-}"
RUN_USER="${GPUBOX_USER:-}"; INTERVAL="${GPUBOX_WATCH_INTERVAL:-60}"
NO_SYSTEMD="${GPUBOX_NO_SYSTEMD:-}"; INSTALL="${GPUBOX_INSTALL_JUPYTER:-}"; STOP=""
MINUTE_S="${GPUBOX_MINUTE_SECONDS:-60}"; GRACE_S="${GPUBOX_UNKNOWN_GRACE:-600}"
while [ $# -gt 0 ]; do
  case "$1" in
    --token-file) TOKEN_FILE_IN="$2"; shift ;;
    --port) PORT="$2"; shift ;;
    --idle) IDLE="$2"; shift ;;
    --max-hours) MAX_HOURS="$2"; shift ;;
    --budget) BUDGET="$2"; shift ;;
    --price) PRICE="$2"; shift ;;
    --mode) MODE="$2"; shift ;;
    --idle-action) ACTION="$2"; shift ;;
    --prefix) PREFIX="$2"; shift ;;
    --user) RUN_USER="$2"; shift ;;
    --interval) INTERVAL="$2"; shift ;;
    --no-systemd) NO_SYSTEMD=1 ;;
    --install-jupyter) INSTALL=1 ;;
    --stop) STOP=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bootstrap.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

die() { echo "gpubox-bootstrap: error: $*" >&2; [ -n "${LOG:-}" ] && log "error: $*"; exit 1; }
is_num() { [[ "$1" =~ ^[0-9]+([.][0-9]+)?$ ]]; }

USE_SYSTEMD=""
UNIT_DIR="${GPUBOX_UNIT_DIR:-/etc/systemd/system}"  # both overridable for tests only
if [ "$(id -u)" = 0 ] && [ -d "${GPUBOX_SYSTEMD_RUN:-/run/systemd/system}" ] && [ -z "$NO_SYSTEMD" ] \
   && command -v systemctl >/dev/null; then
  USE_SYSTEMD=1
fi
if [ -z "$PREFIX" ]; then
  if [ -n "$USE_SYSTEMD" ]; then PREFIX=/opt/gpubox; else PREFIX="$HOME/.gpubox"; fi
fi
mkdir -p "$PREFIX"/bin "$PREFIX"/etc "$PREFIX"/run "$PREFIX"/log || die "cannot create $PREFIX"
LOG="$PREFIX/log/bootstrap.log"
log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $*" >>"$LOG"; echo "gpubox-bootstrap: $*" >&2; }
apt_q() { DEBIAN_FRONTEND=noninteractive timeout 300 apt-get -o DPkg::Lock::Timeout=120 -y -q "$@" >>"$LOG" 2>&1; }
UNITS="gpubox-jupyter.service gpubox-watchdog.timer gpubox-cap.timer"
# One bootstrap at a time: user-data's first run and the token delivery over ssh may overlap.
if command -v flock >/dev/null; then
  exec 9>>"$PREFIX/run/bootstrap.lock"; flock -w 900 9 || die "another bootstrap is still running"
fi

# Is the pid in the file alive and one of ours (its command line names our prefix)?
daemon_alive() {
  local pid; pid=$(cat "$PREFIX/run/$1.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null \
    && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$PREFIX"
}
# The process group this script runs in: a stop that the cap or the watchdog itself runs must not
# kill its own group before it has stopped the others.
own_group() { local s; s=$(cat /proc/$$/stat 2>/dev/null) && s=${s##*) } && set -- $s && echo "$3"; }
daemon_stop() {
  local own; own=$(own_group)
  if [ -n "$own" ] && [ "$(cat "$PREFIX/run/$1.pid" 2>/dev/null)" = "$own" ]; then
    rm -f "$PREFIX/run/$1.pid" "$PREFIX/run/$1.hash"; log "stopped $1 (this process)"; return
  fi
  if daemon_alive "$1"; then
    local pid; pid=$(cat "$PREFIX/run/$1.pid")
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null
    log "stopped $1 (pid $pid)"
  fi
  rm -f "$PREFIX/run/$1.pid" "$PREFIX/run/$1.hash"
}
# daemon_ensure NAME CMD...: (re)start CMD under setsid unless the same CMD already runs.
daemon_ensure() {
  local name="$1"; shift
  local hash; hash=$(printf '%s\n' "$@" | cat - "$PREFIX/etc/$name.extra" 2>/dev/null | md5sum | cut -c1-32)
  if daemon_alive "$name" && [ "$(cat "$PREFIX/run/$name.hash" 2>/dev/null)" = "$hash" ]; then
    log "$name already running (pid $(cat "$PREFIX/run/$name.pid"))"; return 1
  fi
  daemon_stop "$name"
  setsid nohup "$@" >>"$PREFIX/log/$name.log" 2>&1 </dev/null 9>&- &  # not the lock
  echo $! >"$PREFIX/run/$name.pid"; echo "$hash" >"$PREFIX/run/$name.hash"
  log "started $name (pid $!)"
}

if [ -n "$STOP" ]; then
  if [ -n "$USE_SYSTEMD" ]; then
    # shellcheck disable=SC2086
    systemctl disable --now $UNITS 2>>"$LOG"; log "stopped systemd units"
  else
    for d in jupyter watchdog cap; do daemon_stop "$d"; done
  fi
  exit 0
fi

# ---- validate settings
case "$MODE" in aws|byo) ;; *) die "--mode must be aws or byo" ;; esac
[ -z "$ACTION" ] && { [ "$MODE" = aws ] && ACTION=shutdown || ACTION=stop-services; }
case "$ACTION" in shutdown|stop-services) ;; *) die "bad --idle-action $ACTION" ;; esac
[[ "$INTERVAL" =~ ^[0-9]+$ ]] || die "bad --interval $INTERVAL"
[[ "$MINUTE_S" =~ ^[1-9][0-9]*$ ]] || die "bad GPUBOX_MINUTE_SECONDS $MINUTE_S"
[[ "$GRACE_S" =~ ^[0-9]+$ ]] || die "bad GPUBOX_UNKNOWN_GRACE $GRACE_S"
if [ "$IDLE" = off ]; then IDLE_S=null; else
  is_num "$IDLE" || die "--idle must be minutes or off"; IDLE_S=$(awk "BEGIN{print int($IDLE*$MINUTE_S)}")
fi
CAP_H=""
if [ -n "$MAX_HOURS" ]; then is_num "$MAX_HOURS" || die "bad --max-hours"; CAP_H="$MAX_HOURS"; fi
if [ -n "$BUDGET" ]; then
  { is_num "$BUDGET" && is_num "$PRICE"; } || die "--budget needs a numeric --price (USD per hour)"
  B_H=$(awk "BEGIN{if ($PRICE <= 0) exit 1; print $BUDGET/$PRICE}") || die "--price must be > 0"
  if [ -z "$CAP_H" ] || awk "BEGIN{exit !($B_H < $CAP_H)}"; then CAP_H="$B_H"; fi
fi
CAP_S=null; [ -n "$CAP_H" ] && CAP_S=$(awk "BEGIN{s=int($CAP_H*60*$MINUTE_S); print (s<$MINUTE_S?$MINUTE_S:s)}")
log "start: mode=$MODE action=$ACTION idle_s=$IDLE_S cap_s=$CAP_S systemd=${USE_SYSTEMD:-no}"

if [ -z "$RUN_USER" ]; then
  if [ "$(id -u)" = 0 ] && [ "$MODE" = aws ] && id ubuntu >/dev/null 2>&1; then RUN_USER=ubuntu
  else RUN_USER=$(id -un); fi
fi
# The current user's home is $HOME (what ~ means here); another user's comes from passwd.
if [ "$RUN_USER" = "$(id -un)" ]; then RUN_HOME="$HOME"
else RUN_HOME=$(getent passwd "$RUN_USER" | cut -d: -f6); fi
[ -n "$RUN_HOME" ] || RUN_HOME="$HOME"
[ "$RUN_USER" != "$(id -un)" ] && [ -z "$USE_SYSTEMD" ] && die "--user needs root and systemd"
# Jupyter's Unix socket, in a directory only the user Jupyter runs as may enter: no other local
# user can listen in its place, connect to it or learn the token from a request sent to it.
SOCK_DIR="$PREFIX/run/jupyter"; SOCK="$SOCK_DIR/jupyter.sock"
mkdir -p "$SOCK_DIR" || die "cannot create $SOCK_DIR"
chown "$RUN_USER" "$SOCK_DIR" 2>/dev/null; chmod 700 "$SOCK_DIR" 2>/dev/null
[ "$(stat -c %U "$SOCK_DIR")" = "$RUN_USER" ] && [ "$(stat -c %a "$SOCK_DIR")" = 700 ] \
  || die "$SOCK_DIR must be owned by $RUN_USER with mode 0700"
PY=$(command -v python3) || PY=/usr/bin/python3; [ -x "$PY" ] || die "python3 not found"
# Framework venvs whose python has the framework (the PyTorch DLAMI's is /opt/pytorch): Jupyter
# is taken from, or installed into, the first that exists, so notebooks import torch.
FRAMEWORK_VENVS="${GPUBOX_FRAMEWORK_VENVS-/opt/pytorch /opt/conda /opt/tensorflow}"
RESULT="$PREFIX/run/bootstrap.json"; rm -f "$RESULT"
# write_result OK ERROR: what `gpubox up --wait ready` reads (ok, the Jupyter used, the error).
write_result() {
  "$PY" -c 'import json, sys, time
ok, jup, err = sys.argv[1] == "1", sys.argv[2] or None, sys.argv[3] or None
print(json.dumps({"ok": ok, "jupyter": jup, "error": err,
                  "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}))' \
    "$1" "${JUPYTER:-}" "$2" >"$RESULT.new" && mv "$RESULT.new" "$RESULT"
}

# ---- install our files (those present next to this script)
SRC=$(cd "$(dirname "$0")" 2>/dev/null && pwd)
for f in bootstrap.sh watchdog.py job.py check.py imdb_model.py imdb.ipynb imdb_sample.tsv.gz; do
  if [ -n "$SRC" ] && [ -f "$SRC/$f" ] && [ "$SRC/$f" -ef "$PREFIX/bin/$f" ]; then continue; fi
  if [ -n "$SRC" ] && [ -f "$SRC/$f" ] && ! cmp -s "$SRC/$f" "$PREFIX/bin/$f"; then
    cp "$SRC/$f" "$PREFIX/bin/$f.new" && mv "$PREFIX/bin/$f.new" "$PREFIX/bin/$f" && log "installed $f"
  fi
done

# ---- rsync (gpubox syncs files with it): apt-get install it if missing; never fatal
if ! command -v rsync >/dev/null; then
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && { apt_q install rsync || { apt_q update; apt_q install rsync; }; }
  command -v rsync >/dev/null && log "installed rsync" || log "error: no rsync (gpubox push, pull, run --workdir need it)"
fi

# ---- token: 0600, owned by the Jupyter user, never printed
TOKEN_FILE="$PREFIX/etc/jupyter_token"
TOKEN="${GPUBOX_JUPYTER_TOKEN:-}"
if [ -n "$TOKEN_FILE_IN" ]; then TOKEN=$(tr -d ' \n\r\t' <"$TOKEN_FILE_IN") || die "cannot read token file"; fi
if [ -n "$TOKEN" ] && [ "$TOKEN" != "$(cat "$TOKEN_FILE" 2>/dev/null)" ]; then
  (umask 077; printf '%s\n' "$TOKEN" >"$TOKEN_FILE.new") && mv "$TOKEN_FILE.new" "$TOKEN_FILE"
  rm -f "$PREFIX/run/jupyter.started"; log "token updated"
fi
HAVE_TOKEN=""
if [ -s "$TOKEN_FILE" ]; then
  HAVE_TOKEN=1; chmod 600 "$TOKEN_FILE"; chown "$RUN_USER" "$TOKEN_FILE" 2>/dev/null
else
  # Never generated here and never taken from user-data: gpubox hands it over ssh (stdin).
  log "no Jupyter token yet: Jupyter starts when gpubox delivers it over ssh"
fi

# ---- find Jupyter: lab, then notebook, then bare server; framework venvs first
find_jupyter() {
  local p d v dirs=()
  for v in $FRAMEWORK_VENVS; do dirs+=("$v/bin"); done
  dirs+=("$PREFIX/venv/bin" "" "$RUN_HOME/.local/bin")
  for p in jupyter-lab jupyter-notebook jupyter-server; do
    for d in "${dirs[@]}"; do
      if [ -z "$d" ]; then command -v "$p" && return 0
      elif [ -x "$d/$p" ]; then echo "$d/$p"; return 0; fi
    done
  done
  return 1
}
# Install Jupyter where pip may write: a framework venv, else PREFIX/venv. Never `pip --user`:
# Ubuntu 24.04's system python refuses it (PEP 668, externally-managed-environment).
install_jupyter() {
  local v target=""
  for v in $FRAMEWORK_VENVS; do [ -x "$v/bin/python3" ] && { target="$v"; break; }; done
  if [ -z "$target" ]; then
    target="$PREFIX/venv"
    if [ ! -x "$target/bin/python3" ]; then
      if ! "$PY" -m venv "$target" >>"$LOG" 2>&1; then
        # Debian and Ubuntu ship venv's ensurepip separately (python3-venv).
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
          log "python3 -m venv failed: apt-get install python3-venv"
          apt_q install python3-venv
          rm -rf "$target"; "$PY" -m venv "$target" >>"$LOG" 2>&1
        fi
      fi
      [ -x "$target/bin/python3" ] || { INSTALL_ERROR="python3 -m venv $target failed"; return 1; }
    fi
  fi
  log "no Jupyter found: installing into $target"
  timeout 600 "$target/bin/python3" -m pip install -q --disable-pip-version-check notebook >>"$LOG" 2>&1
  local rc=$?
  [ $rc = 0 ] || { INSTALL_ERROR="pip install notebook into $target failed (exit $rc)"; return 1; }
}
INSTALL_ERROR=""
JUPYTER=$(find_jupyter)
if [ -z "$JUPYTER" ] && [ -n "$INSTALL" ]; then
  # Installed at first boot even before the token arrives, so the token's run is quick.
  install_jupyter && JUPYTER=$(find_jupyter)
  [ -z "$JUPYTER" ] && [ -z "$INSTALL_ERROR" ] && INSTALL_ERROR="Jupyter installed but not found"
  [ -n "$INSTALL_ERROR" ] && log "error: $INSTALL_ERROR"
fi
if [ -n "$JUPYTER" ] && [ -z "$HAVE_TOKEN" ]; then
  WAITING_JUPYTER="$JUPYTER"; JUPYTER=""  # its config and unit are written once the token is here
fi
if [ -n "$JUPYTER" ]; then
  APP=ServerApp
  case "$JUPYTER" in *jupyter-notebook)
    V=$("$JUPYTER" --version 2>/dev/null | tail -1); [ "${V%%.*}" -lt 7 ] 2>/dev/null && APP=NotebookApp ;;
  esac
  # notebook >= 6.4 and jupyter_server take `sock`; an older one would ignore it and listen on
  # TCP 8888, where any local process may already wait for the token: refuse it instead.
  # (A Jupyter that cannot even print its help is broken: starting it reports why.)
  HELP=$("$JUPYTER" --help-all 2>/dev/null) && ! grep -q -- '--sock=' <<<"$HELP"; HELP_RC=$?
  if [ "$HELP_RC" = 0 ]; then
    INSTALL_ERROR="$JUPYTER cannot listen on a Unix socket (it needs notebook >= 6.4 or jupyter_server); gpubox never runs Jupyter on a TCP port"
    log "error: $INSTALL_ERROR"; JUPYTER=""
  fi
fi
if [ -n "$JUPYTER" ]; then
  CONF="$PREFIX/etc/jupyter_config.py"
  { echo "# written by gpubox bootstrap; the token stays in $TOKEN_FILE"
    echo "c = get_config()  # noqa"
    echo "c.$APP.token = open('$TOKEN_FILE').read().strip()"
    echo "c.$APP.sock = '$SOCK'"
    echo "c.$APP.sock_mode = '0600'"
    echo "c.$APP.open_browser = False"
    echo "c.$APP.allow_remote_access = False"
    [ "$RUN_USER" = root ] && echo "c.$APP.allow_root = True"
    [ "$APP" = ServerApp ] && echo "c.ServerApp.root_dir = '$RUN_HOME'" || echo "c.NotebookApp.notebook_dir = '$RUN_HOME'"
  } >"$CONF.new"
  if cmp -s "$CONF.new" "$CONF"; then rm -f "$CONF.new"; else
    mv "$CONF.new" "$CONF"; rm -f "$PREFIX/run/jupyter.started"; log "jupyter config updated"; fi
  chmod 600 "$CONF"; chown "$RUN_USER" "$CONF" 2>/dev/null
  JCMD=("$JUPYTER" "--config=$CONF" --no-browser)
  log "jupyter: $JUPYTER ($APP) on $SOCK"
else
  JCMD=()
  [ -n "${WAITING_JUPYTER:-}" ] || log "no Jupyter found; skipping it (pass --install-jupyter to install notebook)"
fi

# ---- watchdog config
if [ "$ACTION" = shutdown ]; then ACT_JSON='"shutdown"'; ACT_CMD=(shutdown -h now)
else ACT_JSON='"stop_services"'; ACT_CMD=(bash "$PREFIX/bin/bootstrap.sh" --stop --prefix "$PREFIX"); fi
[ -n "$USE_SYSTEMD" ] || [ "$ACTION" = shutdown ] || ACT_CMD+=(--no-systemd)
{ [ -n "$JUPYTER" ] || [ -n "${WAITING_JUPYTER:-}" ]; } && TF_JSON="\"$TOKEN_FILE\"" || TF_JSON='""'
json_list() { local s="" a; for a in "$@"; do s="$s\"$a\", "; done; echo "[${s%, }]"; }
cat >"$PREFIX/etc/watchdog.json.new" <<EOF
{"mode": "$MODE", "action": $ACT_JSON, "idle_seconds": $IDLE_S, "cap_seconds": $CAP_S,
 "unknown_grace_seconds": $GRACE_S,
 "jupyter_url": "", "jupyter_sock": "$SOCK", "token_file": $TF_JSON, "ssh_ports": [22],
 "interval_seconds": $INTERVAL, "cap_started_file": "$PREFIX/run/cap_started",
 "status_path": "$PREFIX/run/status.json", "state_path": "$PREFIX/run/watchdog_state.json",
 "shutdown_cmd": ["shutdown", "-h", "now"], "stop_cmd": $(json_list "${ACT_CMD[@]}"),
 "jobs_dir": "$RUN_HOME/.gpubox/jobs"}
EOF
mv "$PREFIX/etc/watchdog.json.new" "$PREFIX/etc/watchdog.json"
[ -f "$PREFIX/bin/watchdog.py" ] || log "watchdog.py not installed yet: watchdog skipped"
rm -f "$PREFIX/run/watchdog_state.json"  # each bootstrap starts a fresh idle period

# ---- sshd: a dead client (a laptop that sleeps, a dropped tunnel) is let go within 3 minutes,
# so its half-open connection never counts as activity for the watchdog
SSHD_DIR="${GPUBOX_SSHD_CONFIG_DIR:-/etc/ssh/sshd_config.d}"  # overridable for tests only
if [ "$MODE" = aws ] && [ "$(id -u)" = 0 ] && [ -d "$SSHD_DIR" ]; then
  SSHD_CONF="ClientAliveInterval 60
ClientAliveCountMax 3"
  if [ "$(cat "$SSHD_DIR/50-gpubox.conf" 2>/dev/null)" != "$SSHD_CONF" ]; then
    printf '%s\n' "$SSHD_CONF" >"$SSHD_DIR/50-gpubox.conf"; log "sshd: ClientAliveInterval 60, ClientAliveCountMax 3"
    if [ -n "$USE_SYSTEMD" ]; then systemctl reload ssh 2>>"$LOG" || systemctl reload sshd 2>>"$LOG"; fi
  fi
fi

# ---- run everything
if [ -n "$USE_SYSTEMD" ]; then
  CHANGED=""
  put_unit() {  # put_unit NAME CONTENT: writes only when changed, remembers the change
    if [ "$(cat "$UNIT_DIR/$1" 2>/dev/null)" != "$2" ]; then
      printf '%s\n' "$2" >"$UNIT_DIR/$1"; CHANGED="$CHANGED $1"
    fi
  }
  if [ -n "$JUPYTER" ]; then
    put_unit gpubox-jupyter.service "[Unit]
Description=gpubox Jupyter (127.0.0.1 only)
After=network.target
[Service]
User=$RUN_USER
WorkingDirectory=$RUN_HOME
ExecStart=${JCMD[*]}
Restart=always
RestartSec=5
[Install]
WantedBy=multi-user.target"
  fi
  put_unit gpubox-watchdog.service "[Unit]
Description=gpubox idle watchdog (one round)
[Service]
Type=oneshot
ExecStart=$PY $PREFIX/bin/watchdog.py once --config $PREFIX/etc/watchdog.json"
  put_unit gpubox-watchdog.timer "[Unit]
Description=gpubox idle watchdog every ${INTERVAL}s
[Timer]
OnActiveSec=10
OnUnitActiveSec=$INTERVAL
AccuracySec=5
[Install]
WantedBy=timers.target"
  if [ "$CAP_S" != null ]; then
    put_unit gpubox-cap.service "[Unit]
Description=gpubox hard cap
[Service]
Type=oneshot
ExecStart=${ACT_CMD[*]}"
    put_unit gpubox-cap.timer "[Unit]
Description=gpubox hard cap: ${CAP_S}s after boot or after bootstrap
[Timer]
OnActiveSec=$CAP_S
AccuracySec=1
[Install]
WantedBy=timers.target"
  fi
  [ -n "$CHANGED" ] && systemctl daemon-reload
  for u in $UNITS; do
    [ -f "$UNIT_DIR/$u" ] || continue
    if [ "$u" = gpubox-cap.timer ] && [ "$CAP_S" = null ]; then
      systemctl disable --now "$u"; rm -f "$UNIT_DIR"/gpubox-cap.*; log "hard cap removed"; continue
    fi
    systemctl enable "$u" 2>>"$LOG"
    if [[ "$CHANGED" == *"${u%.*}"* ]] || { [ "$u" = gpubox-jupyter.service ] && [ ! -f "$PREFIX/run/jupyter.started" ]; }; then
      systemctl restart "$u"; log "restarted $u"
      [ "$u" = gpubox-cap.timer ] && date +%s >"$PREFIX/run/cap_started"
      [ "$u" = gpubox-jupyter.service ] && touch "$PREFIX/run/jupyter.started"
    else
      [ "$u" = gpubox-cap.timer ] && ! systemctl is-active --quiet "$u" && date +%s >"$PREFIX/run/cap_started"
      systemctl start "$u"
    fi
  done
else
  if [ "$CAP_S" != null ]; then
    echo "$CAP_S" >"$PREFIX/etc/cap.extra"
    daemon_ensure cap bash -c 'sleep "$1"; shift 2; exec "$@"' gpubox-cap "$CAP_S" "$PREFIX" "${ACT_CMD[@]}" \
      && date +%s >"$PREFIX/run/cap_started"
  else
    daemon_stop cap; rm -f "$PREFIX/run/cap_started"
  fi
  if [ -n "$JUPYTER" ]; then
    md5sum "$CONF" "$TOKEN_FILE" >"$PREFIX/etc/jupyter.extra"
    (cd "$RUN_HOME" && daemon_ensure jupyter "${JCMD[@]}")
  fi
  if [ -f "$PREFIX/bin/watchdog.py" ]; then
    md5sum "$PREFIX/etc/watchdog.json" "$PREFIX/bin/watchdog.py" >"$PREFIX/etc/watchdog.extra"
    daemon_ensure watchdog "$PY" "$PREFIX/bin/watchdog.py" loop --config "$PREFIX/etc/watchdog.json"
  fi
fi

# ---- did Jupyter start?
jupyter_listening() {
  "$PY" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect(sys.argv[1])' "$SOCK" 2>/dev/null
}
jupyter_log_tail() {
  if [ -n "$USE_SYSTEMD" ]; then journalctl -u gpubox-jupyter.service -n 3 --no-pager -o cat 2>/dev/null
  else tail -n 3 "$PREFIX/log/jupyter.log" 2>/dev/null; fi
}
if [ -n "$INSTALL_ERROR" ]; then
  write_result 0 "$INSTALL_ERROR"; log "done with errors"; exit 1
fi
WAIT_S="${GPUBOX_JUPYTER_START_TIMEOUT:-120}"  # 0: do not wait (tests whose systemctl is fake)
if [ -n "$JUPYTER" ] && [ "$WAIT_S" != 0 ]; then
  started=""
  for _ in $(seq 1 $((WAIT_S * 2))); do jupyter_listening && { started=1; break; }; sleep 0.5; done
  if [ -z "$started" ]; then
    why="Jupyter did not start on $SOCK within ${WAIT_S}s: $(jupyter_log_tail | tail -n 1)"
    log "error: $why"; write_result 0 "$why"; log "done with errors"; exit 1
  fi
  log "jupyter listens on $SOCK"
fi
if [ -n "${WAITING_JUPYTER:-}" ]; then
  log "done; Jupyter waits for its token (no result yet: \`gpubox up --wait ready\` keeps waiting)"
  exit 0
fi
write_result 1 ""
log "done"
exit 0
