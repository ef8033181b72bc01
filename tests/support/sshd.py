"""A throw-away OpenSSH server on 127.0.0.1 for gpubox e2e tests.

    with Sshd() as info:
        ...ssh -i info.key_path -p info.port info.user@info.host...

Runs Debian's /usr/sbin/sshd in the foreground (-D) with a config, host key,
user key and authorized_keys in a temp dir; it allows only the current user
(root in CI: by key only), no passwords, no PAM. Stops exactly its own PID.
Every session gets its own HOME (`info.home`, a temp dir, unless `home=` names
one), so what runs "on the box" never reads or writes the real home; `env=`
adds variables to the box's environment. GPUBOX_CRONTAB is a fake crontab command
unless `env` names one, so a bootstrap's @reboot line (onbox/autostart.sh) never
reaches this machine's crontab; `crontab_lines()` reads what it holds. With `record=True` every command is
logged before it runs (`commands()`: the command line, its environment and its
stdin), and the box accepts any variable the client sends (AcceptEnv *).
After start(), `known_hosts` is a file with the host key for [host]:port and
`ssh_command(*remote)` builds a BatchMode ssh command line.
"""
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from typing import NamedTuple

from localnet import free_port  # noqa: F401  (re-exported for tests)

SSHD = "/usr/sbin/sshd"
PRIVSEP_DIR = "/run/sshd"


class SshdInfo(NamedTuple):
    host: str
    port: int
    user: str
    key_path: str
    host_public_key: str
    home: str  # the HOME of every session on this "box"


# A crontab command that keeps the table in crontab.txt beside itself: -l, -r, - (stdin).
FAKE_CRONTAB = """#!/bin/sh
f="$(dirname "$0")/crontab.txt"
case "$1" in
  -l) [ -f "$f" ] && exec cat "$f"; echo "no crontab for $(id -un)" >&2; exit 1 ;;
  -r) rm -f "$f" ;;
  -) cat >"$f" ;;
  *) echo "fake crontab: $*" >&2; exit 2 ;;
esac
"""

# ForceCommand of a recording sshd: keep the command, its environment and its stdin, then run it.
RECORD_SH = """#!/bin/bash
n="$RECORD_DIR/$(date +%s%N)-$$"
printf '%s' "${SSH_ORIGINAL_COMMAND:-}" >"$n.cmd"
env -0 >"$n.env"
if [ -z "${SSH_ORIGINAL_COMMAND:-}" ]; then exec bash -l; fi
tee "$n.stdin" | bash -c "$SSH_ORIGINAL_COMMAND"
"""


def client_env(home):
    """The environment of a gpubox client keeping its data under `home` (HOME and GPUBOX_HOME),
    for bring-your-own boxes: no AWS settings, and the caller's address injected, never looked
    up."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
            "GPUBOX_HOME": os.path.join(home, "gpubox"),
            "GPUBOX_CALLER_IP": "127.0.0.1", "LANG": "C.UTF-8"}


def routed_box_env(info, caller_ip):
    """What routes a stand-in AWS box's ssh to the loopback sshd `info` (never to the address moto
    invented), with the caller's address injected."""
    return {"GPUBOX_CALLER_IP": caller_ip, "GPUBOX_SSH_CONNECT": f"{info.host}:{info.port}",
            "GPUBOX_SSH_USER": info.user}


def stop_box_services(box_home, script=os.path.join("onbox", "bootstrap.sh")):
    """Stops what gpubox's bootstrap started on a loopback box whose HOME is `box_home` (its pid
    files name exactly those processes): Jupyter, the watchdog, the cap. `script` is where the
    bootstrap lies under the box's ~/.gpubox (onbox/ when uploaded over ssh, bin/ when installed)."""
    prefix = os.path.join(box_home, ".gpubox")
    subprocess.run(["bash", os.path.join(prefix, script), "--stop", "--no-systemd", "--prefix", prefix],
                   env=dict(os.environ, HOME=box_home), capture_output=True)


def _keygen(path, comment):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path],
                   check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


class Sshd:
    """One sshd process; use as a context manager or call start()/stop()."""

    def __init__(self, start_timeout=20.0, extra_config="", home=None, env=None, record=False):
        self.start_timeout = start_timeout
        self.extra_config = extra_config
        self.home = home
        self.env = dict(env or {})
        self.record = record
        self.proc = None
        self.tmpdir = None
        self.info = None

    def _write_config(self, port, user):
        d = self.tmpdir
        env = {"HOME": self.home, **self.env}
        if self.record:
            env["RECORD_DIR"] = self.record_dir
        setenv = "SetEnv " + " ".join(f"{k}={v}" for k, v in env.items())
        record = f"ForceCommand {d}/record.sh\nAcceptEnv *\n" if self.record else ""
        config = f"""\
Port {port}
ListenAddress 127.0.0.1
HostKey {d}/host_ed25519
PidFile {d}/sshd.pid
AuthorizedKeysFile {d}/authorized_keys
UsePAM no
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
PermitEmptyPasswords no
AllowUsers {user}
AllowTcpForwarding yes
X11Forwarding no
PrintMotd no
UseDNS no
LogLevel VERBOSE
Subsystem sftp internal-sftp
{setenv}
{record}{self.extra_config}
"""
        path = os.path.join(d, "sshd_config")
        with open(path, "w") as f:
            f.write(config)
        return path

    def start(self):
        if not os.access(SSHD, os.X_OK):
            raise RuntimeError(f"{SSHD} missing: install openssh-server")
        if os.geteuid() == 0:
            os.makedirs(PRIVSEP_DIR, mode=0o755, exist_ok=True)
        self.tmpdir = tempfile.mkdtemp(prefix="gpubox-sshd.")
        os.chmod(self.tmpdir, 0o700)
        user = pwd.getpwuid(os.geteuid()).pw_name
        if self.home is None:
            self.home = os.path.join(self.tmpdir, "home")
        os.makedirs(self.home, mode=0o700, exist_ok=True)
        self.record_dir = os.path.join(self.tmpdir, "record")
        if self.record:
            os.makedirs(self.record_dir)
            script = os.path.join(self.tmpdir, "record.sh")
            with open(script, "w") as f:
                f.write(RECORD_SH)
            os.chmod(script, 0o755)
        if "GPUBOX_CRONTAB" not in self.env:
            fake = os.path.join(self.tmpdir, "cron", "crontab")
            os.makedirs(os.path.dirname(fake))
            with open(fake, "w") as f:
                f.write(FAKE_CRONTAB)
            os.chmod(fake, 0o755)
            self.env["GPUBOX_CRONTAB"] = fake
        _keygen(os.path.join(self.tmpdir, "host_ed25519"), "gpubox-test-host")
        key_path = os.path.join(self.tmpdir, "id_ed25519")
        _keygen(key_path, "gpubox-test-user")
        shutil.copyfile(key_path + ".pub", os.path.join(self.tmpdir, "authorized_keys"))
        with open(os.path.join(self.tmpdir, "host_ed25519.pub")) as f:
            host_key = " ".join(f.read().split()[:2])
        for attempt in range(5):
            port = free_port()
            config = self._write_config(port, user)
            subprocess.run([SSHD, "-t", "-f", config], check=True, capture_output=True)
            self.log_path = os.path.join(self.tmpdir, f"sshd.{attempt}.log")
            with open(self.log_path, "wb") as log:
                self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", config], stdout=log,
                                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            if self._wait_listening(port):
                break
            self._stop_proc()
        else:
            raise RuntimeError(f"sshd did not start:\n{self.log()}")
        self.known_hosts = os.path.join(self.tmpdir, "known_hosts")
        with open(self.known_hosts, "w") as f:
            f.write(f"[127.0.0.1]:{port} {host_key}\n")
        self.info = SshdInfo("127.0.0.1", port, user, key_path, host_key, self.home)
        return self.info

    def commands(self):
        """What ran on the box, in order (record=True): dicts of command, env (a dict), stdin."""
        out = []
        if not os.path.isdir(self.record_dir):
            return out
        names = sorted({n.rsplit(".", 1)[0] for n in os.listdir(self.record_dir)},
                       key=lambda n: int(n.split("-")[0]))
        for name in names:
            base = os.path.join(self.record_dir, name)

            def read(ext):
                try:
                    with open(f"{base}.{ext}", "rb") as f:
                        return f.read()
                except OSError:
                    return b""
            env = dict(kv.split(b"=", 1) for kv in read("env").split(b"\0") if b"=" in kv)
            out.append({"command": read("cmd").decode(errors="replace"),
                        "env": {k.decode(errors="replace"): v.decode(errors="replace")
                                for k, v in env.items()},
                        "stdin": read("stdin")})
        return out

    def crontab_lines(self):
        """The lines of the fake crontab of the box's user."""
        path = os.path.join(os.path.dirname(self.env["GPUBOX_CRONTAB"]), "crontab.txt")
        try:
            with open(path) as f:
                return f.read().splitlines()
        except OSError:
            return []

    def _wait_listening(self, port):
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if "Server listening on 127.0.0.1" in self.log():
                return True
            time.sleep(0.05)
        return False

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except (OSError, AttributeError):
            return ""

    def ssh_command(self, *remote, extra=()):
        """An ssh argv that logs in non-interactively and checks the host key strictly."""
        i = self.info
        return ["ssh", "-F", "none", "-i", i.key_path, "-p", str(i.port),
                "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                "-o", f"UserKnownHostsFile={self.known_hosts}", "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10", *extra,
                f"{i.user}@{i.host}", *remote]

    def _stop_proc(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def stop(self):
        self._stop_proc()
        if self.tmpdir and os.environ.get("GPUBOX_KEEP_TMP") != "1":
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
