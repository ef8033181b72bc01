#!/usr/bin/env python3
"""gpubox idle watchdog: stops the box when Jupyter, SSH, the GPU and jobs have all been idle.

decide() is pure; the collectors below it read the Jupyter API, /proc/net/tcp, nvidia-smi and
the jobs of job.py (a running job is activity: a box never idle-stops mid-training).
Each collector returns a Signal dict: {"state": active|idle|unknown|absent, "reason": str,
"last_activity": epoch seconds or None}.

Unknown rule (fail closed: the watchdog is the cost safety net): a source that errors is
"unknown". For up to unknown_grace seconds the action is deferred while the idle clock keeps
running (a short blip neither stops nor extends the box). Once it has been unknown for longer it
counts as idle: a Jupyter that exited (File > Shut Down) or no longer answers, or a broken
nvidia-smi, never keeps the box running. The status lists such sources under unknown_as_idle.
The hard cap always wins.
Spot interruption (mode aws): each tick asks the instance metadata (IMDSv2) for
spot/instance-action; on a notice it logs it once, sends SIGTERM to the running jobs (job.py's
interrupt_all: they have two minutes to checkpoint) and keeps the notice in status.json
(spot_interruption) until the next boot. Any error there means no notice, never a crash.
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
    import job as jobs_lib  # job.py, installed next to this file
except ImportError:  # pragma: no cover (an install without job.py)
    jobs_lib = None

IMDS_DEFAULT = "http://169.254.169.254"
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
    "jobs_dir": "",               # "" = job.py's default ($GPUBOX_JOBS_DIR, else ~/.gpubox/jobs)
    "imds_url": IMDS_DEFAULT,     # "" or "off": never ask; the default only where DMI says EC2
    "imds_timeout": 1.0,
    "dmi_dir": "/sys/devices/virtual/dmi/id",
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


def default_jobs_dir():
    """job.py's jobs directory: $GPUBOX_JOBS_DIR, else ~/.gpubox/jobs."""
    if jobs_lib is not None:
        return jobs_lib.default_jobs_dir()
    return os.environ.get("GPUBOX_JOBS_DIR") or os.path.join(os.path.expanduser("~"), ".gpubox", "jobs")


def collect_jobs(jobs_dir, lib=None):
    """A running job is active; no jobs directory is absent; an unreadable one is unknown."""
    lib = lib or jobs_lib
    jobs_dir = jobs_dir or default_jobs_dir()
    if not os.path.isdir(jobs_dir):
        return {"state": "absent", "reason": "no jobs directory"}
    if lib is None:
        return {"state": "unknown", "reason": "job.py is not installed next to the watchdog"}
    try:
        running = lib.running_jobs(jobs_dir)
    except Exception as e:
        return {"state": "unknown", "reason": "jobs: %s" % e}
    if not running:
        return {"state": "idle", "reason": "no job running"}
    cmds = []
    for j in running[:3]:
        cmd = " ".join(j.get("argv") or []) or j.get("id", "?")
        cmds.append(cmd if len(cmd) <= 60 else cmd[:57] + "...")
    more = ", ..." if len(running) > 3 else ""
    return {"state": "active", "reason": "%d job%s running: %s%s" % (
        len(running), "" if len(running) == 1 else "s", ", ".join(cmds), more)}


def collect(cfg, now):
    """Collects all signals."""
    return {"jupyter": collect_jupyter(cfg["jupyter_url"], cfg["token_file"], now,
                                       sock=cfg["jupyter_sock"]),
            "ssh": collect_ssh(cfg["ssh_ports"]),
            "gpu": collect_gpu(cfg["gpu_threshold"]),
            "jobs": collect_jobs(cfg["jobs_dir"])}


def first_line(path):
    try:
        with open(path) as f:
            return f.readline().strip()
    except OSError:
        return ""


def running_on_ec2(dmi_dir):
    """True when the DMI data names EC2 (as gpubox's own credential lookup checks): Nitro has
    the instance id in board_asset_tag and "Amazon EC2" in sys_vendor; Xen instances have an
    amazon BIOS version and a UUID starting with ec2."""
    if first_line(os.path.join(dmi_dir, "board_asset_tag")).startswith("i-"):
        return True
    if first_line(os.path.join(dmi_dir, "sys_vendor")) == "Amazon EC2":
        return True
    if "amazon" in first_line(os.path.join(dmi_dir, "bios_version")).lower():
        return True
    sys_dir = dmi_dir
    for _ in range(4):  # /sys/devices/virtual/dmi/id -> /sys
        sys_dir = os.path.dirname(sys_dir)
    for p in (os.path.join(dmi_dir, "product_uuid"), os.path.join(sys_dir, "hypervisor", "uuid")):
        if first_line(p).lower().startswith("ec2"):
            return True
    return False


def spot_polling(cfg):
    """The metadata URL to ask for a spot notice, or None: only in aws mode, never when
    imds_url is "" or "off", and the default link-local address only on EC2 itself."""
    url = (cfg.get("imds_url") or "").rstrip("/")
    if cfg.get("mode") != "aws" or url in ("", "off"):
        return None
    if url == IMDS_DEFAULT and not running_on_ec2(cfg.get("dmi_dir") or DEFAULTS["dmi_dir"]):
        return None
    return url


def fetch_spot_notice(imds_url, timeout=1.0):
    """IMDSv2: a session token (PUT), then spot/instance-action. Returns {"action", "time"} on a
    notice, None on 404 (no notice) and on any error."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    try:
        req = urllib.request.Request(imds_url + "/latest/api/token", method="PUT",
                                     headers={"X-aws-ec2-metadata-token-ttl-seconds": "21600"})
        with opener.open(req, timeout=timeout) as resp:
            token = resp.read(4096).decode().strip()
        req = urllib.request.Request(imds_url + "/latest/meta-data/spot/instance-action",
                                     headers={"X-aws-ec2-metadata-token": token})
        with opener.open(req, timeout=timeout) as resp:
            notice = json.loads(resp.read(1 << 16))
    except Exception:  # 404 (HTTPError), refused, timeout, bad JSON: no notice
        return None
    if not isinstance(notice, dict) or not isinstance(notice.get("action"), str):
        return None
    return {"action": notice["action"], "time": str(notice.get("time", ""))}


def check_spot(cfg, known, now, fetch=fetch_spot_notice):
    """Polls for a spot notice; on a new one logs it and interrupts the running jobs. Returns
    the notice to keep ({"action", "time", "seen_at"}) or the one already known."""
    url = spot_polling(cfg)
    if url is None:
        return known
    notice = fetch(url, cfg.get("imds_timeout", 1.0))
    if notice is None:
        return known
    if known and (known.get("action"), known.get("time")) == (notice["action"], notice["time"]):
        return known
    seen = dict(notice, seen_at=iso(now))
    reason = "spot interruption notice: %s at %s" % (notice["action"], notice["time"])
    ids = []
    try:
        if jobs_lib is not None:
            ids = jobs_lib.interrupt_all(reason, cfg.get("jobs_dir") or None)
    except Exception as e:
        sys.stderr.write("%s gpubox-watchdog: cannot interrupt the jobs: %s\n" % (iso(now), e))
    sys.stderr.write("%s gpubox-watchdog: %s; jobs interrupted: %s\n"
                     % (iso(now), reason, ", ".join(ids) or "none"))
    return seen


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
    try:
        spot = check_spot(cfg, state.get("spot_interruption"), now)
    except Exception as e:  # never let the notice check stop the idle watchdog
        sys.stderr.write("%s gpubox-watchdog: spot check failed: %s\n" % (iso(now), e))
        spot = state.get("spot_interruption")
    signals = collect(cfg, now) if signals is None else signals
    action, state, status = decide(signals, state, now, cfg)
    state["boot_id"] = boot_id
    if spot:
        state["spot_interruption"] = spot  # kept until the next boot
    status["spot_interruption"] = spot or None
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
