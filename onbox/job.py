#!/usr/bin/env python3
"""gpubox jobs on the box: commands that outlive the ssh session that started them.

    job.py start [--id ID] [--cwd DIR] [--env K=V|K]... [--then none|stop] [--max-attempts N]
                 -- CMD [ARGS...]
    job.py list [--json]
    job.py logs [ID] [--follow]
    job.py cancel ID [--grace SECONDS]
    job.py interrupt-all [--reason TEXT]
    job.py rerun-interrupted

Jobs live in $GPUBOX_JOBS_DIR, else ~/.gpubox/jobs (0700), one directory per job:
    ID/job.json     {"id", "argv", "cwd", "env_keys" (names only, never values), "then", "started_at",
                     "attempt", "max_attempts", "boot_id", "attempts" (the earlier ones), ...}
    ID/output.log   the job's stdout and stderr, merged, appended as it runs (every attempt's)
    ID/env          only with --max-attempts > 1 and --env: the values, for a re-run (0600)
    ID/pid          the supervisor's pid, which is also the job's process-group id
    ID/exit.json    {"state": succeeded|failed|cancelled|interrupted, "exit_code", "finished_at"}
    ID/cancel, ID/interrupt   markers written before the job is signalled
`start` double-forks a supervisor into its own session (stdin /dev/null, every other inherited
descriptor closed), so neither the ssh client going away nor SIGHUP stops it; the supervisor runs
CMD in its process group, waits, writes exit.json and, with --then stop, runs
$GPUBOX_JOB_STOP_COMMAND (else `sudo -n shutdown -h now`) whatever the exit status.
stdout carries results, stderr messages; usage errors exit 2.

The watchdog (watchdog.py) imports this file when it lies beside it: collect_jobs() is its "jobs"
signal (a running job is activity, so a box never idle-stops mid-training) and check_spot() polls
the instance metadata (IMDSv2 spot/instance-action) in aws mode: a notice is logged once, every
running job is interrupted (SIGTERM only: two minutes to checkpoint) and the notice is kept in
status.json until the next boot. A job started with --max-attempts N > 1 and interrupted is
started again (rerun_interrupted()) by the first watchdog round of a later boot, at most once per
boot and N attempts in all. (They live here, not in watchdog.py, because watchdog.py travels in
EC2 user-data, which is limited to 16 KiB.)
Python 3 standard library only.
"""
import json
import os
import pwd
import re
import secrets
import shlex
import signal
import subprocess
import sys
import time
import urllib.request

JOB_PY = os.path.abspath(__file__)
ID_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")
ENV_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
DEFAULT_STOP = "sudo -n shutdown -h now"
START_TIMEOUT = 30.0   # seconds `start` waits for the supervisor's pid file (a busy box is slow)
STARTING_GRACE = 30.0  # a job without a pid file this young is still starting, not lost
FOLLOW_POLL = 0.2
MAX_ATTEMPTS = 10      # the most --max-attempts allows
RERUN_WAIT = 300.0     # seconds `logs --follow` waits after a restart for the watchdog's re-run
BOOT_ID = "/proc/sys/kernel/random/boot_id"
# The first attempt's values of these (never --env ones) are kept for a re-run, whose supervisor
# the watchdog starts at boot with a clean environment.
RERUN_ENV = ("PATH", "LANG", "LC_ALL", "LD_LIBRARY_PATH")


class UsageError(Exception):
    """A bad command line: the message goes to stderr and the exit status is 2."""


def iso(t):
    """Formats epoch seconds as UTC ISO 8601 (2026-12-07T22:00:00Z), or None."""
    if t is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def parse_iso(text):
    """Parses iso()'s format back to epoch seconds, or None."""
    import calendar
    try:
        return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))
    except (TypeError, ValueError):
        return None


def default_jobs_dir():
    """$GPUBOX_JOBS_DIR, else ~/.gpubox/jobs."""
    return os.environ.get("GPUBOX_JOBS_DIR") or os.path.join(os.path.expanduser("~"), ".gpubox", "jobs")


def boot_id(path=None):
    """This boot's id: $GPUBOX_BOOT_ID_FILE's content (a test aid), else `path`'s, else the
    kernel's; "" when it cannot be read."""
    try:
        with open(os.environ.get("GPUBOX_BOOT_ID_FILE") or path or BOOT_ID) as f:
            return f.read().strip()
    except OSError:
        return ""


def as_int(value, default):
    """value when it is an int (not a bool), else default."""
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def valid_id(job_id):
    """True for a name safe in a path: [A-Za-z0-9._-]{1,64}, and not . or .."""
    return bool(ID_RE.fullmatch(job_id or "")) and job_id not in (".", "..")


def new_id(now=None):
    """YYYYMMDD-HHMMSS-xxxx (UTC, 4 random hex digits): sortable by start time."""
    now = time.time() if now is None else now
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime(now)) + "-" + secrets.token_hex(2)


def read_json(path):
    """A JSON file's content, or None when it is missing or unreadable."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def write_atomic(path, text, mode=0o600):
    """Writes text to path through a temporary file and a rename: readers see all or nothing."""
    tmp = "%s.tmp.%d" % (path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def append_log(job_dir, line):
    """Appends one line of gpubox's own to the job's output.log."""
    try:
        with open(os.path.join(job_dir, "output.log"), "a") as f:
            f.write("[gpubox job] %s\n" % line)
    except OSError:
        pass


# ---- processes

def proc_stat(pid):
    """(state, pgrp) from /proc/PID/stat, or None when there is no such process."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            text = f.read()
    except (OSError, ValueError):
        return None
    fields = text[text.rfind(")") + 2:].split()
    return fields[0], int(fields[2])


def supervisor_alive(pid, job_dir):
    """True when pid is a live process and really this job's supervisor (after a reboot the
    pid may belong to anything): its command line runs job.py on this job's directory."""
    st = proc_stat(pid)
    if st is None or st[0] in ("Z", "X"):
        return False
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            args = f.read().decode("utf-8", "replace").split("\0")
    except OSError:
        return False
    job_id = os.path.basename(job_dir)
    return (any(a.endswith("job.py") for a in args) and "_supervise" in args
            and any(os.path.basename(a.rstrip("/")) == job_id for a in args))


def group_members(pgid):
    """Live (not zombie) processes of the process group pgid, the leader included."""
    out = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return out
    for name in names:
        if not name.isdigit():
            continue
        st = proc_stat(int(name))
        if st and st[1] == pgid and st[0] not in ("Z", "X"):
            out.append(int(name))
    return out


def signal_group(pgid, sig):
    """Sends sig to the process group; False when there is none left."""
    try:
        os.killpg(pgid, sig)
        return True
    except ProcessLookupError:
        return False


# ---- reading jobs

def job_dirs(jobs_dir):
    """The directories of jobs (those with a job.json) under jobs_dir."""
    try:
        names = os.listdir(jobs_dir)
    except OSError:
        return []
    return [os.path.join(jobs_dir, n) for n in names
            if valid_id(n) and os.path.isfile(os.path.join(jobs_dir, n, "job.json"))]


def read_pid(job_dir):
    """The supervisor's pid from the pid file, or None."""
    try:
        with open(os.path.join(job_dir, "pid")) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def job_info(job_dir, now=None):
    """The job as `list --json` shows it, or None when its job.json is unreadable."""
    now = time.time() if now is None else now
    spec = read_json(os.path.join(job_dir, "job.json"))
    if not isinstance(spec, dict):
        return None
    started = parse_iso(spec.get("started_at"))
    attempt = max(1, as_int(spec.get("attempt"), 1))
    info = {"id": spec.get("id", os.path.basename(job_dir)), "argv": spec.get("argv", []),
            "cwd": spec.get("cwd"), "state": None, "exit_code": None,
            "started_at": spec.get("started_at"), "finished_at": None, "duration_seconds": None,
            "attempt": attempt, "max_attempts": max(attempt, as_int(spec.get("max_attempts"), 1)),
            "rerun_pending": False}
    # The duration is the current attempt's: a re-run starts after the box was down.
    started = parse_iso(spec.get("attempt_started_at")) or started
    done = read_json(os.path.join(job_dir, "exit.json"))
    end = None
    if isinstance(done, dict):
        info["state"] = done.get("state")
        info["exit_code"] = done.get("exit_code")
        info["finished_at"] = done.get("finished_at")
        end = parse_iso(done.get("finished_at"))
    else:
        pid = read_pid(job_dir)
        if pid is not None and supervisor_alive(pid, job_dir):
            info["state"] = "running"
            end = now
        elif pid is None and now - _mtime(os.path.join(job_dir, "job.json"), 0) < STARTING_GRACE:
            info["state"] = "running"  # `start` is still waiting for its supervisor
            end = now
        elif os.path.exists(os.path.join(job_dir, "interrupt")):
            # Signalled on a spot notice, and the box went down before the job had ended.
            info["state"] = "interrupted"
            marker = read_json(os.path.join(job_dir, "interrupt"))
            end = parse_iso(marker.get("at")) if isinstance(marker, dict) else None
            end = end or _mtime(os.path.join(job_dir, "output.log"), None)
            info["finished_at"] = iso(end)
        else:
            info["state"] = "lost"  # e.g. the box rebooted: the last output is the last sign of life
            end = _mtime(os.path.join(job_dir, "output.log"), None)
    if started is not None and end is not None:
        info["duration_seconds"] = max(0, int(end - started))
    info["rerun_pending"] = (info["state"] == "interrupted" and attempt < info["max_attempts"]
                             and not os.path.exists(os.path.join(job_dir, "cancel")))
    info["_sort"] = (spec.get("started_at") or "", _mtime(os.path.join(job_dir, "job.json"), 0))
    return info


def _mtime(path, default):
    try:
        return os.stat(path).st_mtime
    except OSError:
        return default


def list_jobs(jobs_dir=None, now=None):
    """Every job, newest first."""
    jobs_dir = jobs_dir or default_jobs_dir()
    jobs = [j for j in (job_info(d, now) for d in job_dirs(jobs_dir)) if j]
    jobs.sort(key=lambda j: j["_sort"], reverse=True)
    for j in jobs:
        del j["_sort"]
    return jobs


def running_jobs(jobs_dir=None):
    """The jobs that run now (what the watchdog counts as activity)."""
    return [j for j in list_jobs(jobs_dir) if j["state"] == "running"]


def find_job(jobs_dir, job_id):
    """The job's directory, or None when there is no such job."""
    if not valid_id(job_id):
        return None
    d = os.path.join(jobs_dir, job_id)
    return d if os.path.isfile(os.path.join(d, "job.json")) else None


# ---- start and supervise

def ensure_jobs_dir(jobs_dir):
    os.makedirs(jobs_dir, mode=0o700, exist_ok=True)
    os.chmod(jobs_dir, 0o700)


def create_job(jobs_dir, job_id, argv, cwd, env_keys, then, now=None, max_attempts=1,
               env_values=None):
    """Creates ID/ with job.json and an empty output.log; returns the directory. With job_id
    None a fresh id is drawn. Raises FileExistsError when a given id is taken. With
    max_attempts > 1 a re-run needs what the first attempt had: the --env values `env_values`
    go to ID/env (0600), a few plain variables (RERUN_ENV) into job.json."""
    now = time.time() if now is None else now
    ensure_jobs_dir(jobs_dir)
    for _ in range(100):
        jid = job_id or new_id(now)
        d = os.path.join(jobs_dir, jid)
        try:
            os.mkdir(d, 0o700)
            break
        except FileExistsError:
            if job_id:
                raise
    else:
        raise FileExistsError("no free job id")
    spec = {"id": jid, "argv": argv, "cwd": cwd, "env_keys": env_keys, "then": then,
            "started_at": iso(now), "attempt": 1, "max_attempts": max_attempts, "boot_id": boot_id()}
    if then == "stop":  # a re-run powers off the same way
        spec["stop_command"] = os.environ.get("GPUBOX_JOB_STOP_COMMAND") or DEFAULT_STOP
    if max_attempts > 1:
        spec["rerun_env"] = {k: os.environ[k] for k in RERUN_ENV
                             if k in os.environ and k not in env_keys}
        if env_values:
            write_atomic(os.path.join(d, "env"), json.dumps(env_values) + "\n", 0o600)
    write_atomic(os.path.join(d, "job.json"), json.dumps(spec, indent=1) + "\n")
    os.close(os.open(os.path.join(d, "output.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    return d


def spawn_supervisor(job_dir, env):
    """Starts `job.py _supervise DIR` fully detached: fork, fork again, setsid, stdin from
    /dev/null, stdout and stderr to output.log, every other descriptor closed (the ssh channel
    must not stay open through us), then exec. Its pid leads its own session and group."""
    log_path = os.path.join(job_dir, "output.log")
    pid = os.fork()
    if pid == 0:  # the intermediate child: exits at once so init adopts the supervisor
        try:
            if os.fork() == 0:
                try:
                    os.setsid()
                    null = os.open(os.devnull, os.O_RDWR)
                    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                    os.dup2(null, 0)
                    os.dup2(log, 1)
                    os.dup2(log, 2)
                    close_fds_from(3)
                    # -I: the user's PYTHONPATH/PYTHONHOME (--env) are for CMD, not for us.
                    os.execve(sys.executable, [sys.executable, "-I", JOB_PY, "_supervise", job_dir], env)
                except BaseException as e:  # noqa: B902  (never return into the caller's code)
                    try:
                        os.write(2, ("[gpubox job] cannot start the supervisor: %s\n" % e).encode())
                        finish(job_dir, 127, then="none")
                    finally:
                        os._exit(127)
            os._exit(0)
        except BaseException:  # noqa: B902
            os._exit(1)
    os.waitpid(pid, 0)


def close_fds_from(low):
    """Closes every open descriptor >= low."""
    try:
        fds = [int(n) for n in os.listdir("/proc/self/fd")]
    except OSError:
        os.closerange(low, 65536)
        return
    for fd in fds:
        if fd >= low:
            try:
                os.close(fd)
            except OSError:
                pass


def final_state(job_dir, code):
    """succeeded / failed by the exit code, unless a cancel or interrupt marker says otherwise."""
    if os.path.exists(os.path.join(job_dir, "cancel")):
        return "cancelled"
    if os.path.exists(os.path.join(job_dir, "interrupt")):
        return "interrupted"
    return "succeeded" if code == 0 else "failed"


def finish(job_dir, code, then):
    """Writes exit.json, then runs the stop command when then == "stop". An interrupted job with
    attempts left is not over: no stop command, and its ID/env stays for the re-run."""
    state = final_state(job_dir, code)
    spec = read_json(os.path.join(job_dir, "job.json")) or {}
    attempt, most = as_int(spec.get("attempt"), 1), as_int(spec.get("max_attempts"), 1)
    cmd = None
    if state == "interrupted" and attempt < most:
        append_log(job_dir, "it runs again when the box next starts (attempt %d of %d)"
                   % (attempt + 1, most))
    else:
        drop_env(job_dir)
        if then == "stop":
            cmd = spec.get("stop_command") or os.environ.get("GPUBOX_JOB_STOP_COMMAND") or DEFAULT_STOP
            append_log(job_dir, "--then stop: running %s" % cmd)  # before exit.json: `logs -f` shows it
    write_atomic(os.path.join(job_dir, "exit.json"),
                 json.dumps({"state": state, "exit_code": code, "finished_at": iso(time.time())}) + "\n")
    if cmd is not None:
        try:
            rc = subprocess.run(shlex.split(cmd), stdin=subprocess.DEVNULL, timeout=600).returncode
            if rc != 0:
                append_log(job_dir, "--then stop: %s failed (exit %d)" % (cmd, rc))
        except (OSError, ValueError, subprocess.SubprocessError) as e:
            append_log(job_dir, "--then stop: %s failed: %s" % (cmd, e))


def drop_env(job_dir):
    """Removes the stored --env values: no re-run will need them."""
    try:
        os.unlink(os.path.join(job_dir, "env"))
    except OSError:
        pass


def supervise(job_dir):
    """The supervisor: runs CMD in our process group, waits, records how it ended."""
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        # A handler, not SIG_IGN: handlers reset to the default in CMD, ignored signals would not.
        # We must outlive the SIGTERM that cancel sends to the whole group to write exit.json.
        signal.signal(sig, lambda *_: None)
    spec = read_json(os.path.join(job_dir, "job.json")) or {}
    write_atomic(os.path.join(job_dir, "pid"), "%d\n" % os.getpid())
    then = spec.get("then", "none")
    if final_state(job_dir, 0) != "succeeded":  # cancelled or interrupted before it began
        finish(job_dir, 128 + signal.SIGTERM, then)
        return 0
    try:
        proc = subprocess.Popen(spec["argv"], cwd=spec.get("cwd") or None, stdin=subprocess.DEVNULL)
    except FileNotFoundError as e:
        append_log(job_dir, "cannot start %s: %s" % (shlex.join(spec.get("argv", [])), e.strerror or e))
        finish(job_dir, 127, then)
        return 0
    except (OSError, KeyError, TypeError, ValueError) as e:
        append_log(job_dir, "cannot start %s: %s" % (shlex.join(spec.get("argv", []) or []), e))
        finish(job_dir, 126, then)
        return 0
    rc = proc.wait()
    if rc < 0:
        try:
            name = signal.Signals(-rc).name
        except ValueError:
            name = "signal %d" % -rc
        append_log(job_dir, "killed by %s" % name)
        rc = 128 - rc
    finish(job_dir, rc, then)
    return 0


def cmd_start(args, jobs_dir):
    job_id, cwd, envs, then, argv, attempts = None, None, [], "none", None, "1"
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            argv = args[i + 1:]
            break
        name, eq, val = a.partition("=")
        if name in ("--id", "--cwd", "--env", "--then", "--max-attempts"):
            if not eq:
                if i + 1 >= len(args):
                    raise UsageError("%s needs a value" % name)
                i += 1
                val = args[i]
            if name == "--id":
                job_id = val
            elif name == "--cwd":
                cwd = val
            elif name == "--env":
                envs.append(val)
            elif name == "--max-attempts":
                attempts = val
            else:
                then = val
        elif a.startswith("-"):
            raise UsageError("unknown option %s" % a)
        else:
            argv = args[i:]
            break
        i += 1
    if not argv:
        raise UsageError("no command: job.py start [options] -- CMD [ARGS...]")
    if job_id is not None and not valid_id(job_id):
        raise UsageError("bad job id %r: use 1 to 64 of A-Z a-z 0-9 . _ -" % job_id)
    if then not in ("none", "stop"):
        raise UsageError("--then must be none or stop, not %r" % then)
    if not attempts.isdigit() or not 1 <= int(attempts) <= MAX_ATTEMPTS:
        raise UsageError("--max-attempts must be 1 to %d, not %r" % (MAX_ATTEMPTS, attempts))
    cwd = os.path.abspath(cwd or os.getcwd())
    if not os.path.isdir(cwd):
        raise UsageError("--cwd %s is not a directory" % cwd)
    env = dict(os.environ)
    keys, values = [], {}
    for pair in envs:
        k, eq, v = pair.partition("=")
        if not ENV_KEY_RE.fullmatch(k):
            raise UsageError("--env needs NAME=VALUE, or NAME (its value from our environment), "
                             "with NAME of letters, digits and _ (got %r)" % k)
        if not eq:  # gpubox exports the values from ssh's stdin and names them here
            if k not in os.environ:
                raise UsageError("--env %s: %s is not set" % (k, k))
            v = os.environ[k]
        env[k] = values[k] = v
        if k not in keys:
            keys.append(k)
    try:
        job_dir = create_job(jobs_dir, job_id, argv, cwd, keys, then,
                             max_attempts=int(attempts), env_values=values)
    except FileExistsError:
        sys.stderr.write("job.py: a job %s exists already\n" % job_id)
        return 1
    except OSError as e:
        sys.stderr.write("job.py: cannot create the job under %s: %s\n" % (jobs_dir, e))
        return 1
    spawn_supervisor(job_dir, env)
    deadline = time.time() + START_TIMEOUT
    while not os.path.exists(os.path.join(job_dir, "pid")):
        if os.path.exists(os.path.join(job_dir, "exit.json")) or time.time() > deadline:
            sys.stderr.write("job.py: the supervisor of %s did not start; see %s\n"
                             % (os.path.basename(job_dir), os.path.join(job_dir, "output.log")))
            return 1
        time.sleep(0.02)
    print(json.dumps({"id": os.path.basename(job_dir)}))
    return 0


# ---- list, logs

def fmt_duration(s):
    if s is None:
        return "-"
    h, rest = divmod(int(s), 3600)
    m, sec = divmod(rest, 60)
    return "%dh%02dm%02ds" % (h, m, sec) if h else ("%dm%02ds" % (m, sec) if m else "%ds" % sec)


def cmd_list(args, jobs_dir):
    as_json = False
    for a in args:
        if a == "--json":
            as_json = True
        else:
            raise UsageError("usage: job.py list [--json]")
    jobs = list_jobs(jobs_dir)
    if as_json:
        print(json.dumps(jobs))
        return 0
    rows = [("ID", "STATE", "EXIT", "STARTED", "DURATION", "COMMAND")]
    for j in jobs:
        state = j["state"] + (" (attempt %d)" % j["attempt"] if j["attempt"] > 1 else "")
        if j["rerun_pending"]:
            state += " (runs again at restart)"
        rows.append((j["id"], state, "-" if j["exit_code"] is None else str(j["exit_code"]),
                     j["started_at"] or "-", fmt_duration(j["duration_seconds"]), shlex.join(j["argv"])))
    widths = [max(len(r[c]) for r in rows) for c in range(5)]
    for r in rows:
        print("  ".join(r[c].ljust(widths[c]) for c in range(5)) + "  " + r[5])
    return 0


def follow_exit_code(info):
    """What `logs --follow` exits with once the job has ended."""
    if info["state"] in ("succeeded", "failed"):
        code = info["exit_code"]
        return code if isinstance(code, int) and 0 <= code <= 255 else 1
    if info["state"] in ("cancelled", "interrupted"):
        return 130
    return 255


def cmd_logs(args, jobs_dir):
    follow, job_id = False, None
    for a in args:
        if a in ("-f", "--follow"):
            follow = True
        elif a.startswith("-") or job_id is not None:
            raise UsageError("usage: job.py logs [ID] [--follow]")
        else:
            job_id = a
    if job_id is None:
        jobs = list_jobs(jobs_dir)
        if not jobs:
            sys.stderr.write("job.py: no jobs yet\n")
            return 1
        job_id = jobs[0]["id"]
    job_dir = find_job(jobs_dir, job_id)
    if job_dir is None:
        sys.stderr.write("job.py: no job %s\n" % job_id)
        return 1
    out = sys.stdout.buffer
    pos = 0
    waiting_since = None
    try:
        while True:
            info = job_info(job_dir) if follow else None
            ended = follow and info is not None and info["state"] != "running"
            if ended and info["rerun_pending"] and rerun_due(job_dir):
                # The box restarted; the watchdog's first round runs the job again: follow that.
                if waiting_since is None:
                    waiting_since = time.time()
                    sys.stderr.write("job.py: job %s runs again once the watchdog's first round "
                                     "after the restart comes (attempt %d of %d)\n"
                                     % (job_id, info["attempt"] + 1, info["max_attempts"]))
                ended = time.time() - waiting_since > RERUN_WAIT
            try:
                with open(os.path.join(job_dir, "output.log"), "rb") as f:
                    f.seek(pos)
                    while True:
                        chunk = f.read(1 << 16)
                        if not chunk:
                            break
                        out.write(chunk)
                        pos += len(chunk)
            except FileNotFoundError:
                pass
            out.flush()
            if not follow:
                return 0
            if ended:
                return follow_exit_code(info)
            time.sleep(FOLLOW_POLL)
    except BrokenPipeError:  # the reader went away (ssh client killed): no traceback at exit
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        return 130


# ---- cancel, interrupt

def cancel(job_dir, grace=10.0):
    """Cancels a running job: cancel marker, SIGTERM to its group, SIGKILL to what is left of
    the group (all but the supervisor, which writes exit.json) after grace seconds. Returns the
    job's state afterwards."""
    info = job_info(job_dir)
    if info["rerun_pending"]:  # interrupted and waiting for the box's restart: it runs no more
        write_atomic(os.path.join(job_dir, "cancel"), json.dumps({"at": iso(time.time())}) + "\n")
        drop_env(job_dir)
        append_log(job_dir, "cancelled: it does not run again")
        write_atomic(os.path.join(job_dir, "exit.json"),
                     json.dumps({"state": "cancelled", "exit_code": info["exit_code"],
                                 "finished_at": info["finished_at"]}) + "\n")
        return "cancelled"
    if info["state"] != "running":
        return info["state"]
    write_atomic(os.path.join(job_dir, "cancel"), json.dumps({"at": iso(time.time())}) + "\n")
    pgid = read_pid(job_dir)
    if pgid is None:  # still starting: the supervisor sees the marker and never runs CMD
        return wait_ended(job_dir, START_TIMEOUT)
    signal_group(pgid, signal.SIGTERM)
    deadline = time.time() + grace
    while time.time() < deadline and [p for p in group_members(pgid) if p != pgid]:
        time.sleep(0.05)
    for p in group_members(pgid):
        if p != pgid:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
    state = wait_ended(job_dir, 10.0)
    if state == "running" and not supervisor_alive(pgid, job_dir):
        state = "lost"
    if state == "lost":  # the supervisor died too (killed by someone else): record the end
        write_atomic(os.path.join(job_dir, "exit.json"),
                     json.dumps({"state": "cancelled", "exit_code": 128 + signal.SIGKILL,
                                 "finished_at": iso(time.time())}) + "\n")
        state = "cancelled"
    return state


def wait_ended(job_dir, seconds):
    """Polls until the job is no longer running or seconds pass; returns its state."""
    deadline = time.time() + seconds
    while True:
        state = job_info(job_dir)["state"]
        if state != "running" or time.time() > deadline:
            return state
        time.sleep(0.05)


def interrupt_all(reason="", jobs_dir=None):
    """Marks every running job interrupted, logs the reason in its output and sends SIGTERM to
    its group (no SIGKILL: a spot notice gives two minutes to checkpoint). Jobs already marked
    are left alone. Returns the ids signalled."""
    ids = []
    for j in running_jobs(jobs_dir):
        d = os.path.join(jobs_dir or default_jobs_dir(), j["id"])
        marker = os.path.join(d, "interrupt")
        if os.path.exists(marker) or os.path.exists(os.path.join(d, "cancel")):
            continue
        write_atomic(marker, json.dumps({"at": iso(time.time()), "reason": reason}) + "\n")
        give_to_owner(marker, d)
        append_log(d, "interrupted%s" % (": " + reason if reason else ""))
        pgid = read_pid(d)
        if pgid is not None:
            try:
                signal_group(pgid, signal.SIGTERM)
            except OSError as e:
                sys.stderr.write("job.py: cannot signal %s: %s\n" % (j["id"], e))
        ids.append(j["id"])
    return ids


def give_to_owner(path, job_dir):
    """As root (the watchdog on an AWS box), makes a file we wrote in a user's job directory
    theirs, so that their job.py can read it."""
    if os.geteuid() == 0:
        try:
            st = os.stat(job_dir)
            os.chown(path, st.st_uid, st.st_gid)
        except OSError:
            pass


# ---- re-runs after an interruption

def rerun_interrupted(jobs_dir=None, boot=None):
    """Starts again every job that was interrupted in an earlier boot and has attempts left (and
    was not cancelled since); the new attempt records this boot, so a job runs again at most once
    per boot. `boot`: this boot's id (default boot_id()); unknown (""), nothing is started. As
    root (the watchdog on an AWS box) it acts as the owner of jobs_dir: the jobs are theirs.
    Returns the ids started."""
    jobs_dir = jobs_dir or default_jobs_dir()
    boot = boot_id() if boot is None else boot
    try:
        owner = os.stat(jobs_dir).st_uid
    except OSError:
        return []
    if not boot:
        return []
    if os.geteuid() == 0 and owner != 0:
        # Reading is what collect_jobs() does as root each round anyway; only a round with a job
        # to start forks a child that drops root.
        if not any(j["rerun_pending"] for j in list_jobs(jobs_dir)):
            return []
        return as_user(owner, lambda: rerun_all(jobs_dir, boot))
    return rerun_all(jobs_dir, boot)


def rerun_all(jobs_dir, boot):
    import fcntl
    started = []
    fd = os.open(os.path.join(jobs_dir, ".rerun.lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # one re-runner at a time: each job starts once
        for info in list_jobs(jobs_dir):
            job_dir = os.path.join(jobs_dir, info["id"])
            spec = read_json(os.path.join(job_dir, "job.json"))
            if info["rerun_pending"] and isinstance(spec, dict) and spec.get("boot_id") != boot:
                rerun(job_dir, spec, info, boot)
                started.append(info["id"])
    finally:
        os.close(fd)
    return started


def rerun(job_dir, spec, info, boot, now=None):
    """Starts the job's next attempt: the last one goes into job.json's "attempts", its markers
    go, a separating line goes into output.log, and a supervisor runs the same command in the
    same directory with the environment rerun_environment() gives."""
    now = time.time() if now is None else now
    marker = read_json(os.path.join(job_dir, "interrupt"))
    attempt = info["attempt"]
    spec["attempts"] = list(spec.get("attempts") or []) + [{
        "attempt": attempt, "state": info["state"], "exit_code": info["exit_code"],
        "started_at": spec.get("attempt_started_at") or spec.get("started_at"),
        "finished_at": info["finished_at"],
        "reason": marker.get("reason") if isinstance(marker, dict) else None}]
    spec.update(attempt=attempt + 1, attempt_started_at=iso(now), boot_id=boot)
    write_atomic(os.path.join(job_dir, "job.json"), json.dumps(spec, indent=1) + "\n")
    for name in ("exit.json", "interrupt", "pid"):
        try:
            os.unlink(os.path.join(job_dir, name))
        except FileNotFoundError:
            pass
    append_log(job_dir, "---- attempt %d of %d, %s: the box restarted after an interruption; "
               "running %s again ----" % (attempt + 1, info["max_attempts"], iso(now),
                                          shlex.join(spec.get("argv") or [])))
    spawn_supervisor(job_dir, rerun_environment(job_dir, spec))


def rerun_due(job_dir):
    """True when the job's last attempt began in another boot than this one (known)."""
    spec = read_json(os.path.join(job_dir, "job.json"))
    boot = boot_id()
    return bool(boot) and isinstance(spec, dict) and spec.get("boot_id") != boot


def rerun_environment(job_dir, spec):
    """A re-run's environment: who we are (USER, LOGNAME, SHELL), the first attempt's RERUN_ENV
    variables (HOME, PATH, ...) and its --env values (ID/env); nothing else of the watchdog's."""
    pw = pwd.getpwuid(os.getuid())
    env = {"HOME": pw.pw_dir, "USER": pw.pw_name, "LOGNAME": pw.pw_name,
           "SHELL": pw.pw_shell or "/bin/sh", "PATH": "/usr/local/bin:/usr/bin:/bin"}
    for source in (spec.get("rerun_env"), read_json(os.path.join(job_dir, "env"))):
        if isinstance(source, dict):
            env.update({k: v for k, v in source.items()
                        if isinstance(v, str) and ENV_KEY_RE.fullmatch(k)})
    return env


def as_user(uid, fn):
    """Runs fn() in a child process that has dropped root for user `uid` (groups, gid, uid,
    HOME); returns its result (a JSON value), or [] when it failed (said on stderr)."""
    pw = pwd.getpwuid(uid)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(r)
            os.initgroups(pw.pw_name, pw.pw_gid)
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)
            os.environ.update(HOME=pw.pw_dir, USER=pw.pw_name, LOGNAME=pw.pw_name)
            os.write(w, json.dumps(fn()).encode())
            code = 0
        except BaseException as e:  # noqa: B902  (never return into the caller's code)
            try:
                sys.stderr.write("job.py: as %s: %s\n" % (pw.pw_name, e))
                sys.stderr.flush()
            except BaseException:  # noqa: B902
                pass
        finally:
            os._exit(code)
    os.close(w)
    chunks = []
    while True:
        chunk = os.read(r, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(r)
    os.waitpid(pid, 0)
    try:
        return json.loads(b"".join(chunks) or b"[]")
    except ValueError:
        return []


def cmd_rerun_interrupted(args, jobs_dir):
    if args:
        raise UsageError("usage: job.py rerun-interrupted")
    print(json.dumps(rerun_interrupted(jobs_dir)))
    return 0


def cmd_cancel(args, jobs_dir):
    job_id, grace = None, 10.0
    i = 0
    while i < len(args):
        a = args[i]
        name, eq, val = a.partition("=")
        if name == "--grace":
            if not eq:
                if i + 1 >= len(args):
                    raise UsageError("--grace needs seconds")
                i += 1
                val = args[i]
            try:
                grace = float(val)
            except ValueError:
                raise UsageError("--grace needs seconds, not %r" % val)
            if grace < 0:
                raise UsageError("--grace must not be negative")
        elif a.startswith("-") or job_id is not None:
            raise UsageError("usage: job.py cancel ID [--grace SECONDS]")
        else:
            job_id = a
        i += 1
    if job_id is None:
        raise UsageError("usage: job.py cancel ID [--grace SECONDS]")
    job_dir = find_job(jobs_dir, job_id)
    if job_dir is None:
        sys.stderr.write("job.py: no job %s\n" % job_id)
        return 1
    info = job_info(job_dir)
    before = info["state"]
    if before != "running" and not info["rerun_pending"]:
        sys.stderr.write("job.py: job %s has already ended (%s); nothing to cancel\n" % (job_id, before))
        print(json.dumps({"id": job_id, "state": before}))
        return 0
    try:
        state = cancel(job_dir, grace)
    except PermissionError as e:
        sys.stderr.write("job.py: cannot signal job %s: %s\n" % (job_id, e))
        return 1
    print(json.dumps({"id": job_id, "state": state}))
    if state == "running":
        sys.stderr.write("job.py: job %s still runs after SIGKILL\n" % job_id)
        return 1
    return 0


def cmd_interrupt_all(args, jobs_dir):
    reason = ""
    i = 0
    while i < len(args):
        name, eq, val = args[i].partition("=")
        if name != "--reason":
            raise UsageError("usage: job.py interrupt-all [--reason TEXT]")
        if not eq:
            if i + 1 >= len(args):
                raise UsageError("--reason needs a text")
            i += 1
            val = args[i]
        reason = val
        i += 1
    print(json.dumps(interrupt_all(reason, jobs_dir)))
    return 0


# ---- for the watchdog

IMDS_DEFAULT = "http://169.254.169.254"
DMI_DIR = "/sys/devices/virtual/dmi/id"


def collect_jobs(jobs_dir=None):
    """The watchdog's "jobs" signal: active while a job runs, idle otherwise, absent without a
    jobs directory, unknown when it cannot be read."""
    jobs_dir = jobs_dir or default_jobs_dir()
    if not os.path.isdir(jobs_dir):
        return {"state": "absent", "reason": "no jobs directory"}
    try:
        running = running_jobs(jobs_dir)
    except Exception as e:
        return {"state": "unknown", "reason": "jobs: %s" % e}
    if not running:
        return {"state": "idle", "reason": "no job running"}
    cmds = []
    for j in running[:3]:
        cmd = " ".join(j.get("argv") or []) or j["id"]
        cmds.append(cmd if len(cmd) <= 60 else cmd[:57] + "...")
    return {"state": "active", "reason": "%d job%s running: %s%s" % (
        len(running), "" if len(running) == 1 else "s", ", ".join(cmds),
        ", ..." if len(running) > 3 else "")}


def first_line(path):
    try:
        with open(path) as f:
            return f.readline().strip()
    except (OSError, UnicodeDecodeError):
        return ""


def running_on_ec2(dmi_dir=DMI_DIR):
    """True when the DMI data names EC2 (as gpubox's own credential lookup checks): Nitro puts
    the instance id in board_asset_tag and "Amazon EC2" in sys_vendor; Xen instances have an
    amazon BIOS version and a UUID that starts with ec2."""
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


def spot_url(cfg, environ=None):
    """The metadata address to ask for spot notices, or None. Only in aws mode; the environment
    (GPUBOX_IMDS_URL, AWS_EC2_METADATA_DISABLED=true) wins over the config's imds_url; "" or
    "off" never asks; the default link-local address is asked only on EC2 itself."""
    env = os.environ if environ is None else environ
    if cfg.get("mode") != "aws" or env.get("AWS_EC2_METADATA_DISABLED", "").strip().lower() == "true":
        return None
    url = env.get("GPUBOX_IMDS_URL", cfg.get("imds_url", IMDS_DEFAULT)) or ""
    url = url.rstrip("/")
    if url in ("", "off"):
        return None
    if url == IMDS_DEFAULT and not running_on_ec2(cfg.get("dmi_dir") or DMI_DIR):
        return None
    return url


def fetch_spot_notice(url, timeout=1.0):
    """IMDSv2: a session token (PUT), then spot/instance-action with it. {"action", "time"} on a
    notice; None on 404 (no notice) and on any error."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    try:
        req = urllib.request.Request(url + "/latest/api/token", method="PUT",
                                     headers={"X-aws-ec2-metadata-token-ttl-seconds": "21600"})
        with opener.open(req, timeout=timeout) as resp:
            token = resp.read(4096).decode().strip()
        req = urllib.request.Request(url + "/latest/meta-data/spot/instance-action",
                                     headers={"X-aws-ec2-metadata-token": token})
        with opener.open(req, timeout=timeout) as resp:
            notice = json.loads(resp.read(1 << 16))
    except Exception:  # 404 (HTTPError), refused, timeout, not JSON: no notice
        return None
    if not isinstance(notice, dict) or not isinstance(notice.get("action"), str):
        return None
    return {"action": notice["action"], "time": str(notice.get("time", ""))}


def check_spot(cfg, known, now, fetch=fetch_spot_notice):
    """One watchdog round's spot duties. First, jobs interrupted in an earlier boot with attempts
    left run again (rerun_interrupted; any mode). Then, in aws mode, on a notice not seen before:
    log it on stderr, interrupt the running jobs. Returns the notice to keep ({"action", "time",
    "seen_at"}), else known. Never raises: the idle watchdog must go on whatever happens here."""
    try:
        ids = rerun_interrupted(cfg.get("jobs_dir") or None, boot_id(cfg.get("boot_id_path")))
        if ids:
            sys.stderr.write("%s gpubox-watchdog: the box restarted: interrupted jobs run again: "
                             "%s\n" % (iso(now), ", ".join(ids)))
    except Exception as e:
        sys.stderr.write("%s gpubox-watchdog: re-running interrupted jobs failed: %s\n"
                         % (iso(now), e))
    try:
        url = spot_url(cfg)
        notice = fetch(url, float(cfg.get("imds_timeout", 1.0))) if url else None
        if notice is None or (known and (known.get("action"), known.get("time"))
                              == (notice["action"], notice["time"])):
            return known
        reason = "spot interruption notice: %s at %s" % (notice["action"], notice["time"])
        ids = interrupt_all(reason, cfg.get("jobs_dir") or None)
        sys.stderr.write("%s gpubox-watchdog: %s; jobs interrupted: %s\n"
                         % (iso(now), reason, ", ".join(ids) or "none"))
        return dict(notice, seen_at=iso(now))
    except Exception as e:
        sys.stderr.write("%s gpubox-watchdog: spot check failed: %s\n" % (iso(now), e))
        return known


COMMANDS = {"start": cmd_start, "list": cmd_list, "logs": cmd_logs, "cancel": cmd_cancel,
            "interrupt-all": cmd_interrupt_all, "rerun-interrupted": cmd_rerun_interrupted}


def main(argv):
    if len(argv) == 2 and argv[0] == "_supervise":
        return supervise(argv[1])
    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write(__doc__) if argv else sys.stderr.write(__doc__)
        return 0 if argv else 2
    fn = COMMANDS.get(argv[0])
    if fn is None:
        sys.stderr.write("job.py: unknown command %s\n%s" % (argv[0], __doc__))
        return 2
    try:
        return fn(argv[1:], default_jobs_dir())
    except UsageError as e:
        sys.stderr.write("job.py: %s\n" % e)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
