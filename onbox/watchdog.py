#!/usr/bin/env python3
"""gpubox idle watchdog: stops the box when Jupyter, SSH and the GPU have all been idle.

decide() is pure; the collectors below it read the Jupyter API, /proc/net/tcp and nvidia-smi.
Each collector returns a Signal dict: {"state": active|idle|unknown|absent, "reason": str,
"last_activity": epoch seconds or None}.

Unknown rule (fail closed: the watchdog is the cost safety net): a source that errors is
"unknown". For up to unknown_grace seconds the action is deferred while the idle clock keeps
running (a short blip neither stops nor extends the box). Once it has been unknown for longer it
counts as idle: a Jupyter that exited (File > Shut Down) or no longer answers, or a broken
nvidia-smi, never keeps the box running. The status lists such sources under unknown_as_idle.
The hard cap always wins. job.py beside this file adds the jobs signal and spot notices.
Python 3 standard library only.
"""
import http.client
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

try:
    import job
except ImportError:
    job = None

DEFAULTS = {
    "mode": "aws",                # aws | byo (informational)
    "action": "shutdown",         # shutdown | stop_services
    "idle_seconds": 1800,         # None = idle stop off
    "unknown_grace_seconds": 600,
    "gpu_threshold": 5.0,         # percent utilisation at or above which the GPU is active
    "ssh_ports": [22],
    "jupyter_url": "http://127.0.0.1:8888",
    "jupyter_sock": "",           # Jupyter's Unix socket; when set, jupyter_url is not used
    "token_file": "",
    "cap_seconds": None,          # hard cap (max-hours / budget), counted from cap start
    "cap_started_file": "",
    "status_path": "",
    "state_path": "",
    "interval_seconds": 60,
    "shutdown_cmd": ["shutdown", "-h", "now"],
    "stop_cmd": [],
    "boot_id_path": "/proc/sys/kernel/random/boot_id",
}


def iso(t):
    """Formats epoch seconds as UTC ISO 8601, or None."""
    if t is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def decide(signals, state, now, config):
    """Returns (action, new_state, status); action is None, "shutdown" or "stop_services"."""
    cfg = dict(DEFAULTS, **config)
    st = {"last_active": state.get("last_active", now),
          "unknown_since": dict(state.get("unknown_since", {}))}
    why, unknown, deferring, as_idle = [], [], [], []
    for name in sorted(signals):
        sig = signals[name]
        kind = sig.get("state")
        if kind == "unknown":
            since = st["unknown_since"].setdefault(name, now)
            unknown.append(name)
            if now - since > cfg["unknown_grace_seconds"]:
                as_idle.append("%s: unknown for %d min (counted as idle): %s"
                               % (name, (now - since) // 60, sig.get("reason", "")))
            else:
                deferring.append(name)
            continue
        st["unknown_since"].pop(name, None)
        if kind == "active":
            st["last_active"] = now
            why.append("%s: %s" % (name, sig.get("reason", "active")))
        last = sig.get("last_activity")
        if last is not None and last > st["last_active"]:
            st["last_active"] = min(last, now)
    for name in list(st["unknown_since"]):
        if name not in signals:
            del st["unknown_since"][name]

    cap_at = None
    if cfg["cap_seconds"] is not None and state.get("cap_started") is not None:
        cap_at = state["cap_started"] + cfg["cap_seconds"]
    if "cap_started" in state:
        st["cap_started"] = state["cap_started"]
    idle_at = None
    if cfg["idle_seconds"] is not None:
        idle_at = st["last_active"] + cfg["idle_seconds"]

    action, reason = None, None
    if cap_at is not None and now >= cap_at:
        action, reason = cfg["action"], "hard cap reached"
    elif idle_at is not None and now >= idle_at and not why and not deferring:
        action, reason = cfg["action"], "idle for %d min" % ((now - st["last_active"]) // 60)
    stops = [t for t in (cap_at, idle_at) if t is not None]
    status = {
        "version": 1,
        "updated_at": iso(now),
        "mode": cfg["mode"],
        "action": cfg["action"],
        "idle_minutes": None if cfg["idle_seconds"] is None else cfg["idle_seconds"] / 60,
        "idle": not why and not deferring,
        "idle_since": None if why else iso(st["last_active"]),
        "idle_for_seconds": 0 if why else int(now - st["last_active"]),
        "why_active": why,
        "unknown": unknown,
        "unknown_as_idle": as_idle,
        "hard_cap_at": iso(cap_at),
        "stops_at": iso(max(min(stops), now)) if stops else None,
        "acting": reason,
        "signals": signals,
    }
    return action, st, status


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over a Unix socket: Jupyter listens on one, so no other user can pose as it."""

    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.sock_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.sock_path)


def get_kernels(url, sock, token, timeout):
    """GET /api/kernels with the token, over the Unix socket `sock` when set, else `url`."""
    headers = {"Authorization": "token " + token}
    if sock:
        conn = UnixHTTPConnection(sock, timeout)
        try:
            conn.request("GET", "/api/kernels", headers=headers)
            resp = conn.getresponse()
            if resp.status != 200:
                raise OSError("HTTP %d" % resp.status)
            return json.loads(resp.read(1 << 20))
        finally:
            conn.close()
    req = urllib.request.Request(url.rstrip("/") + "/api/kernels", headers=headers)
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read(1 << 20))


def collect_jupyter(url, token_file, now, timeout=5, sock=""):
    """Reads /api/kernels: busy kernels are active, last_activity moves the idle clock."""
    if not token_file:
        return {"state": "absent", "reason": "jupyter not configured"}
    if not os.path.exists(token_file):
        return {"state": "absent", "reason": "jupyter waits for its token"}
    try:
        with open(token_file) as f:
            token = f.read().strip()
        kernels = get_kernels(url, sock, token, timeout)
    except Exception as e:  # any failure makes the source unknown
        return {"state": "unknown", "reason": "jupyter api: %s" % e}
    busy = [k.get("id", "?") for k in kernels if k.get("execution_state") == "busy"]
    stamps = [parse_iso(k.get("last_activity")) for k in kernels]
    stamps = [s for s in stamps if s is not None]
    last = max(stamps) if stamps else None
    if busy:
        return {"state": "active", "reason": "%d kernel(s) busy" % len(busy), "last_activity": last}
    return {"state": "idle", "reason": "%d kernel(s), none busy" % len(kernels),
            "last_activity": last}


def parse_iso(text):
    """Parses Jupyter's UTC timestamps (2024-01-02T03:04:05.123456Z) to epoch seconds."""
    if not text:
        return None
    import calendar
    try:
        return float(calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")))
    except ValueError:
        return None


def count_established(ports, tables):
    """Counts ESTABLISHED TCP connections whose local port is in ports, from /proc/net/tcp text."""
    n = 0
    for text in tables:
        for line in text.splitlines()[1:]:
            cols = line.split()
            if len(cols) > 3 and cols[3] == "01" and int(cols[1].rsplit(":", 1)[1], 16) in ports:
                n += 1
    return n


def collect_ssh(ports, paths=("/proc/net/tcp", "/proc/net/tcp6")):
    """Established SSH connections (interactive sessions and tunnels alike) are active."""
    tables = []
    try:
        for p in paths:
            if os.path.exists(p):
                with open(p) as f:
                    tables.append(f.read())
        if not tables:
            return {"state": "unknown", "reason": "no /proc/net/tcp"}
        n = count_established(set(ports), tables)
    except Exception as e:
        return {"state": "unknown", "reason": "ssh: %s" % e}
    if n:
        return {"state": "active", "reason": "%d ssh connection(s)" % n}
    return {"state": "idle", "reason": "no ssh connection"}


def collect_gpu(threshold, run=subprocess.run):
    """GPU utilisation at or above threshold on any GPU is active; no nvidia-smi is absent."""
    try:
        out = run(["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits"],
                  capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        return {"state": "absent", "reason": "nvidia-smi not found"}
    except Exception as e:
        return {"state": "unknown", "reason": "nvidia-smi: %s" % e}
    try:
        if out.returncode != 0:
            raise ValueError(out.stderr.strip() or "exit %d" % out.returncode)
        utils = [float(x) for x in out.stdout.split()]
    except ValueError as e:
        return {"state": "unknown", "reason": "nvidia-smi: %s" % e}
    top = max(utils) if utils else 0.0
    if top >= threshold:
        return {"state": "active", "reason": "gpu %.0f%% busy" % top}
    return {"state": "idle", "reason": "gpu %.0f%% (< %.0f%%)" % (top, threshold)}


def collect(cfg, now):
    """Collects all signals."""
    return {"jupyter": collect_jupyter(cfg["jupyter_url"], cfg["token_file"], now,
                                       sock=cfg["jupyter_sock"]),
            "ssh": collect_ssh(cfg["ssh_ports"]),
            "gpu": collect_gpu(cfg["gpu_threshold"]),
            "jobs": job.collect_jobs(cfg.get("jobs_dir")) if job else
            {"state": "absent", "reason": "job.py not installed"}}


def load_json(path, default):
    """Reads a JSON file, or returns default."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def write_json(path, data, mode=0o644):
    """Writes JSON atomically."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def tick(cfg, now=None, signals=None):
    """Runs one collect/decide/act round; returns the action taken (or None)."""
    now = time.time() if now is None else now
    state = load_json(cfg["state_path"], {}) if cfg["state_path"] else {}
    try:
        with open(cfg["boot_id_path"]) as f:
            boot_id = f.read().strip()
    except OSError:
        boot_id = None
    if state.get("boot_id") != boot_id:
        state = {}  # a new boot starts a fresh idle period (the state file survives stop/start)
    if cfg["cap_started_file"]:
        try:
            with open(cfg["cap_started_file"]) as f:
                started = float(f.read().strip())
            with open("/proc/uptime") as f:
                boot = now - float(f.read().split()[0])
            state["cap_started"] = max(started, boot)
        except (OSError, ValueError):
            pass
    spot = job.check_spot(cfg, state.get("spot_interruption"), now) if job else None
    signals = collect(cfg, now) if signals is None else signals
    action, state, status = decide(signals, state, now, cfg)
    state["boot_id"] = boot_id
    if spot:
        state["spot_interruption"] = spot  # kept until the next boot
    status["spot_interruption"] = spot
    if cfg["state_path"]:
        write_json(cfg["state_path"], state)
    if cfg["status_path"]:
        write_json(cfg["status_path"], status)
    if action:
        cmd = cfg["shutdown_cmd"] if action == "shutdown" else cfg["stop_cmd"]
        sys.stderr.write("%s gpubox-watchdog: %s -> %s\n" % (iso(now), status["acting"], cmd))
        subprocess.run(cmd, start_new_session=True)  # outlives stopping our own group
    return action


def main(argv):
    """Usage: watchdog.py once|loop --config FILE."""
    if len(argv) < 3 or argv[0] not in ("once", "loop") or argv[1] != "--config":
        sys.stderr.write("usage: watchdog.py once|loop --config FILE\n")
        return 2
    cfg = dict(DEFAULTS, **load_json(argv[2], {}))
    while True:
        try:
            action = tick(cfg)
        except Exception as e:  # keep the loop alive; the hard cap does not depend on it
            sys.stderr.write("gpubox-watchdog: tick failed: %s\n" % e)
            action = None
        if argv[0] == "once" or action == "stop_services":
            return 0
        time.sleep(cfg["interval_seconds"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
