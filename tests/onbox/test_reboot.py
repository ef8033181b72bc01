"""A box that restarts (a persistent spot box AWS stopped and started again, a rebooted machine)
gets Jupyter and the watchdog back with no gpubox command (issue 12 §5).

There is no systemd and no cron daemon here, and the test never touches the real ones. What is
proven, on each path the bootstrap has:
- systemd (root, AWS boxes): the bootstrap enables its units for boot (`systemctl enable`, with
  WantedBy=multi-user.target / timers.target), and their ExecStart lines alone, started as a boot
  would start them after every process is gone, bring up Jupyter on its socket with its token
  and a watchdog round that reaches it. Not proven: that systemd itself honours the units.
- nohup (a bring-your-own login without systemd): the @reboot line autostart.sh writes into the
  user's crontab (a fake crontab command here), run as cron runs it (/bin/sh -c, cron's small
  environment) after every process of the bootstrap was SIGKILLed with its pid files left behind
  (a power cut), brings Jupyter and the watchdog back; after `bootstrap.sh --stop` it starts
  nothing. Not proven: that the machine's cron runs @reboot lines (cron installed and allowed).
"""
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from localnet import unix_http_get, wait_for  # noqa: E402
from sshd import FAKE_CRONTAB  # noqa: E402

ONBOX = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "onbox"))
JUPYTER = next((shutil.which(j) for j in ("jupyter-lab", "jupyter-notebook", "jupyter-server")
                if shutil.which(j)), None)
TOKEN = "t0k3n-" + os.urandom(8).hex()
TAG = "# gpubox-autostart"


def read(path):
    with open(path) as f:
        return f.read()


def write_script(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o755)


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


@unittest.skipUnless(JUPYTER, "no jupyter-notebook / jupyter-server / jupyter-lab installed")
class NohupRebootTest(unittest.TestCase):
    """The path of a bring-your-own box: services under nohup, a crontab @reboot line."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gpubox-reboot-test-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.home = os.path.join(self.tmp, "home")
        self.prefix = os.path.join(self.home, ".gpubox")
        self.upload = os.path.join(self.prefix, "onbox")  # where gpubox uploads the scripts
        os.makedirs(self.upload)
        for name in ("bootstrap.sh", "watchdog.py", "job.py", "autostart.sh"):
            shutil.copy(os.path.join(ONBOX, name), self.upload)
        self.crontab = os.path.join(self.tmp, "cron", "crontab")
        os.makedirs(os.path.dirname(self.crontab))
        write_script(self.crontab, FAKE_CRONTAB)
        self.table = os.path.join(self.tmp, "cron", "crontab.txt")
        with open(self.table, "w") as f:
            f.write("0 3 * * * /usr/local/bin/backup.sh\n")  # the user's own line: kept
        self.token_file = os.path.join(self.tmp, "token")
        with open(self.token_file, "w") as f:
            f.write(TOKEN + "\n")
        self.sock = os.path.join(self.prefix, "run", "jupyter", "jupyter.sock")
        self.env = {"HOME": self.home, "PATH": os.environ["PATH"], "LANG": "C.UTF-8",
                    "GPUBOX_NO_SYSTEMD": "1", "GPUBOX_CRONTAB": self.crontab,
                    "GPUBOX_IMDS_URL": "off"}
        self.started = set()
        self.addCleanup(self.stop_all)

    def stop_all(self):
        subprocess.run(["bash", os.path.join(self.prefix, "bin", "bootstrap.sh"), "--stop",
                        "--no-systemd"], env=self.env, capture_output=True, timeout=60)
        for pid in self.started:
            self.kill_ours(pid)

    def kill_ours(self, pid):
        """SIGKILLs the process group `pid` leads, only when it is one of this test's daemons
        (its command line names our prefix): never anything else on this machine."""
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                ours = pid > 1 and self.prefix.encode() in f.read()
        except OSError:
            return False
        if ours:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                return False
        return ours

    def pids(self):
        run = os.path.join(self.prefix, "run")
        out = {}
        for name in ("jupyter", "watchdog", "cap"):
            try:
                pid = int(read(os.path.join(run, name + ".pid")))
            except (OSError, ValueError):
                continue
            if pid > 1:
                out[name] = pid
        return out

    def sh(self, script, *args, env=None):
        return subprocess.run(["bash", os.path.join(self.upload, script), *args],
                              env=env or self.env, capture_output=True, text=True, timeout=180)

    def bootstrap_as_gpubox_add_does(self):
        """What `gpubox add` runs over ssh: the bootstrap, then autostart.sh with its arguments."""
        args = ["--mode", "byo", "--idle", "30", "--max-hours", "2", "--interval", "1"]
        r = self.sh("bootstrap.sh", "--token-file", self.token_file, *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.sh("autostart.sh", "install", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.started |= set(self.pids().values())

    def jupyter_answers(self):
        return unix_http_get(self.sock, "/api/status", TOKEN)[0] == 200

    def reboot_line(self):
        lines = [l for l in read(self.table).splitlines() if l.endswith(TAG)]
        self.assertEqual(len(lines), 1, read(self.table))
        self.assertTrue(lines[0].startswith("@reboot "), lines[0])
        return lines[0][len("@reboot "):]

    def power_cut(self):
        """Every process of gpubox's gone at once; the pid files stay, as after a power cut."""
        before = self.pids()
        self.assertEqual(set(before), {"jupyter", "watchdog", "cap"})
        for name, pid in before.items():
            self.assertTrue(self.kill_ours(pid), name)
        for pid in before.values():
            self.assertTrue(wait_for(lambda: not alive(pid), 10))
        self.assertFalse(self.jupyter_answers())
        self.assertEqual(self.pids(), before)
        return before

    def boot(self, command):
        """Runs the @reboot command as cron does: /bin/sh -c, cron's environment (HOME, LOGNAME,
        SHELL, PATH=/usr/bin:/bin), in the home directory; nothing of the test's."""
        cron_env = {"HOME": self.home, "LOGNAME": "gpubox-test", "SHELL": "/bin/sh",
                    "PATH": "/usr/bin:/bin", "GPUBOX_IMDS_URL": "off"}
        r = subprocess.run(["/bin/sh", "-c", command], env=cron_env, cwd=self.home,
                           capture_output=True, text=True, timeout=180)
        self.started |= set(self.pids().values())
        return r

    def test_the_reboot_line_brings_jupyter_and_the_watchdog_back(self):
        self.bootstrap_as_gpubox_add_does()
        self.assertTrue(wait_for(self.jupyter_answers, 60))
        self.assertIn("0 3 * * * /usr/local/bin/backup.sh", read(self.table).splitlines())
        command = self.reboot_line()
        self.assertEqual(shlex.split(command)[:3],
                         ["/bin/bash", os.path.join(self.prefix, "bin", "autostart.sh"), "boot"])
        # A second install (gpubox start, autostop) keeps one line.
        self.assertEqual(self.sh("autostart.sh", "install", "--mode", "byo").returncode, 0)
        self.reboot_line()
        self.sh("autostart.sh", "install", "--mode", "byo", "--idle", "30", "--max-hours", "2",
                "--interval", "1")
        before = self.power_cut()
        status_path = os.path.join(self.prefix, "run", "status.json")
        os.unlink(status_path)
        r = self.boot(command)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(wait_for(self.jupyter_answers, 60), "Jupyter did not come back")
        after = self.pids()
        self.assertEqual(set(after), {"jupyter", "watchdog", "cap"})
        for name in after:
            self.assertNotEqual(after[name], before[name], name)
            self.assertTrue(alive(after[name]), name)
        # The watchdog runs its rounds again, with the settings of the last bootstrap, and
        # reaches Jupyter through its socket with the token.
        self.assertTrue(wait_for(lambda: os.path.exists(status_path)
                                 and json.loads(read(status_path))["signals"]["jupyter"]["state"]
                                 == "idle", 30))
        status = json.loads(read(status_path))
        self.assertEqual((status["mode"], status["idle_minutes"]), ("byo", 30))
        self.assertIsNotNone(status["hard_cap_at"])
        self.assertIn("autostart: boot: the machine restarted", read(
            os.path.join(self.prefix, "log", "bootstrap.log")))

    def test_a_stopped_box_stays_stopped_and_remove_keeps_the_users_lines(self):
        self.bootstrap_as_gpubox_add_does()
        command = self.reboot_line()
        # `gpubox stop` and the idle stop run this: the pid files go.
        r = subprocess.run(["bash", os.path.join(self.prefix, "bin", "bootstrap.sh"), "--stop",
                            "--no-systemd"], env=self.env, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.pids(), {})
        r = self.boot(command)
        self.assertEqual(r.returncode, 0, r.stderr)
        time.sleep(1)
        self.assertEqual(self.pids(), {})
        self.assertFalse(self.jupyter_answers())
        self.assertIn("left stopped", read(os.path.join(self.prefix, "log", "bootstrap.log")))
        r = self.sh("autostart.sh", "remove")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(read(self.table), "0 3 * * * /usr/local/bin/backup.sh\n")
        self.assertFalse(os.path.exists(os.path.join(self.prefix, "etc", "autostart.args")))

    def test_a_crontab_with_only_our_line_is_rewritten_and_emptied(self):
        self.bootstrap_as_gpubox_add_does()
        os.unlink(self.table)
        r = self.sh("autostart.sh", "install", "--mode", "byo")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.reboot_line()
        r = self.sh("autostart.sh", "install", "--mode", "byo", "--idle", "5")  # only ours now
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(read(self.table).splitlines()), 1)
        r = self.sh("autostart.sh", "remove")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(self.table))  # crontab -r

    def test_without_pid_files_install_removes_the_line(self):
        # The systemd path leaves no pid files under ~/.gpubox/run: its units start at boot.
        with open(self.table, "a") as f:
            f.write("@reboot /bin/bash /old/autostart.sh boot %s\n" % TAG)
        r = self.sh("autostart.sh", "install", "--mode", "byo")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(read(self.table), "0 3 * * * /usr/local/bin/backup.sh\n")

    def test_no_crontab_or_an_unreadable_one_is_said_and_left_alone(self):
        os.makedirs(os.path.join(self.prefix, "run"))
        with open(os.path.join(self.prefix, "run", "watchdog.pid"), "w") as f:
            f.write("gone\n")  # a pid file left by a power cut (its content is not read)
        r = self.sh("autostart.sh", "install", "--mode", "byo",
                    env=dict(self.env, GPUBOX_CRONTAB="/nonexistent/crontab"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("no crontab here", r.stderr)
        broken = os.path.join(self.tmp, "cron", "broken")
        write_script(broken, "#!/bin/sh\necho 'crontab: permission denied' >&2; exit 1\n")
        r = self.sh("autostart.sh", "install", "--mode", "byo", env=dict(self.env, GPUBOX_CRONTAB=broken))
        self.assertEqual(r.returncode, 1)
        self.assertIn("permission denied", r.stderr)
        self.assertEqual(read(self.table), "0 3 * * * /usr/local/bin/backup.sh\n")


FAKE_SYSTEMCTL = """#!/bin/sh
echo "$*" >>"$GPUBOX_FAKE_SYSTEMCTL_LOG"
"""
FAKE_SHUTDOWN = """#!/bin/sh
echo "$*" >>"$(dirname "$0")/shutdown-called"
"""


def parse_unit(text):
    """{section: {key: [values]}} of a systemd unit file."""
    out, section = {}, None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = out.setdefault(line[1:-1], {})
        elif "=" in line and section is not None:
            k, v = line.split("=", 1)
            section.setdefault(k, []).append(v)
    return out


@unittest.skipUnless(os.geteuid() == 0, "the systemd path needs root")
@unittest.skipUnless(JUPYTER, "no jupyter-notebook / jupyter-server / jupyter-lab installed")
class SystemdRebootTest(unittest.TestCase):
    """The path of an AWS box: units written by the bootstrap (a fake systemctl records what it
    is asked; GPUBOX_UNIT_DIR keeps the units out of /etc), then started as a boot would."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gpubox-reboot-systemd-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        for d in ("units", "run-systemd", "bin", "prefix", "sshd_config.d"):
            os.mkdir(os.path.join(self.tmp, d))
        write_script(os.path.join(self.tmp, "bin", "systemctl"), FAKE_SYSTEMCTL)
        write_script(os.path.join(self.tmp, "bin", "shutdown"), FAKE_SHUTDOWN)
        self.prefix = os.path.join(self.tmp, "prefix")
        self.units = os.path.join(self.tmp, "units")
        self.calls = os.path.join(self.tmp, "calls")
        self.env = dict(os.environ, HOME=self.tmp, PATH=os.path.join(self.tmp, "bin") + ":" +
                        os.environ["PATH"], GPUBOX_UNIT_DIR=self.units,
                        GPUBOX_SYSTEMD_RUN=os.path.join(self.tmp, "run-systemd"),
                        GPUBOX_FAKE_SYSTEMCTL_LOG=self.calls, GPUBOX_JUPYTER_TOKEN=TOKEN,
                        GPUBOX_SSHD_CONFIG_DIR=os.path.join(self.tmp, "sshd_config.d"),
                        GPUBOX_JUPYTER_START_TIMEOUT="0")
        self.env.pop("GPUBOX_NO_SYSTEMD", None)
        self.procs = []
        self.addCleanup(self.kill_procs)

    def kill_procs(self):
        for p in self.procs:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
            p.wait()

    def enabled_units(self):
        """The units the bootstrap enabled and did not disable after, per the fake systemctl."""
        enabled = []
        for line in read(self.calls).splitlines():
            words = line.split()
            if words[:1] == ["enable"]:
                enabled += [u for u in words[1:] if u not in enabled]
            elif words[:1] == ["disable"]:
                enabled = [u for u in enabled if u not in words[1:]]
        return enabled

    def test_enabled_units_alone_bring_jupyter_and_the_watchdog_back_at_boot(self):
        p = subprocess.run(["bash", os.path.join(ONBOX, "bootstrap.sh"), "--mode", "aws",
                            "--prefix", self.prefix, "--idle", "45", "--max-hours", "4"],
                           env=self.env, capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        enabled = self.enabled_units()
        self.assertEqual(sorted(enabled),
                         ["gpubox-cap.timer", "gpubox-jupyter.service", "gpubox-watchdog.timer"])
        # Boot: nothing runs (the fake systemctl started nothing); systemd starts what the boot
        # targets want: the enabled services, and the services of the enabled timers.
        to_start = {}
        for name in enabled:
            unit = parse_unit(read(os.path.join(self.units, name)))
            self.assertIn(unit["Install"]["WantedBy"][0], ("multi-user.target", "timers.target"),
                          name)
            if name.endswith(".timer"):
                # OnActiveSec counts from the timer's start, which at boot is the boot.
                self.assertIn("OnActiveSec", unit["Timer"], name)
                service = name[:-len(".timer")] + ".service"
                to_start[service] = parse_unit(read(os.path.join(self.units, service)))
            else:
                to_start[name] = unit
        self.assertIn("OnUnitActiveSec", parse_unit(read(os.path.join(
            self.units, "gpubox-watchdog.timer")))["Timer"])  # and every interval after
        self.assertEqual(to_start["gpubox-cap.service"]["Service"]["ExecStart"],
                         ["shutdown -h now"])  # never run here
        self.assertEqual(parse_unit(read(os.path.join(self.units, "gpubox-cap.timer")))
                         ["Timer"]["OnActiveSec"], ["14400"])
        # A unit's environment is systemd's, not the bootstrap's. The watchdog's metadata
        # address is off (no 169.254.169.254 from a test); `shutdown` here is a fake.
        unit_env = {"PATH": os.path.join(self.tmp, "bin") + ":/usr/bin:/bin", "LANG": "C.UTF-8",
                    "GPUBOX_IMDS_URL": "off"}
        # The socket file of the Jupyter of the boot before stays on disk (PREFIX/run is no tmpfs).
        sock = os.path.join(self.prefix, "run", "jupyter", "jupyter.sock")
        stale = socket.socket(socket.AF_UNIX)
        stale.bind(sock)
        stale.close()
        jup = to_start["gpubox-jupyter.service"]["Service"]
        self.assertEqual(jup["User"], ["root"])  # no ubuntu user here: the bootstrap's user
        self.assertEqual(jup["Restart"], ["always"])
        self.procs.append(subprocess.Popen(
            shlex.split(jup["ExecStart"][0]), cwd=jup["WorkingDirectory"][0],
            env=dict(unit_env, HOME=jup["WorkingDirectory"][0]), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, start_new_session=True))
        self.assertTrue(wait_for(lambda: unix_http_get(sock, "/api/status", TOKEN)[0] == 200, 60),
                        "Jupyter did not start from its unit")
        self.assertEqual(unix_http_get(sock, "/api/status", "wrong")[0], 403)
        wd = to_start["gpubox-watchdog.service"]["Service"]
        self.assertEqual(wd["Type"], ["oneshot"])
        r = subprocess.run(shlex.split(wd["ExecStart"][0]), env=unit_env, capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        status = json.loads(read(os.path.join(self.prefix, "run", "status.json")))
        self.assertEqual(status["signals"]["jupyter"]["state"], "idle", status["signals"])
        self.assertEqual((status["mode"], status["idle_minutes"]), ("aws", 45))
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "bin", "shutdown-called")))


if __name__ == "__main__":
    unittest.main()
