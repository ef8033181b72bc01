"""Runs onbox/bootstrap.sh without systemd in a temporary HOME against a real local Jupyter."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from localnet import socket_inodes, tcp_listen_inodes, unix_http_get, wait_for  # noqa: E402

ONBOX = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "onbox"))
JUPYTER = next((shutil.which(j) for j in ("jupyter-lab", "jupyter-notebook", "jupyter-server")
                if shutil.which(j)), None)
TOKEN = "t0k3n-" + os.urandom(8).hex()


def read(path):
    with open(path) as f:
        return f.read()


@unittest.skipUnless(JUPYTER, "no jupyter-notebook / jupyter-server / jupyter-lab installed")
class BootstrapTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gpubox-bootstrap-test-")
        cls.home = os.path.join(cls.tmp, "home")
        os.mkdir(cls.home)
        cls.prefix = os.path.join(cls.home, ".gpubox")
        cls.sock = os.path.join(cls.prefix, "run", "jupyter", "jupyter.sock")
        cls.token_file = os.path.join(cls.tmp, "token")
        with open(cls.token_file, "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(cls.token_file, 0o600)
        cls.env = dict(os.environ, HOME=cls.home, GPUBOX_NO_SYSTEMD="1")
        cls.env.pop("GPUBOX_JUPYTER_TOKEN", None)
        cls.pids = set()
        cls.first = cls.bootstrap()
        cls.pids |= set(cls.pid_files().values())

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["bash", os.path.join(ONBOX, "bootstrap.sh"), "--stop"], env=cls.env,
                       capture_output=True, timeout=60)
        for pid in cls.pids:  # only the processes this test started
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def bootstrap(cls, *extra):
        return subprocess.run(
            ["bash", os.path.join(ONBOX, "bootstrap.sh"), "--mode", "byo",
             "--token-file", cls.token_file, "--interval", "2", "--max-hours", "1",
             "--budget", "3", "--price", "6"] + list(extra),
            env=cls.env, capture_output=True, text=True, timeout=120)

    @classmethod
    def pid_files(cls):
        run = os.path.join(cls.prefix, "run")
        return {n[:-4]: int(read(os.path.join(run, n))) for n in os.listdir(run)
                if n.endswith(".pid")}

    def get(self, path, token=None):
        return unix_http_get(self.sock, path, token)

    def test_1_jupyter_listens_on_a_private_unix_socket_and_no_tcp_port(self):
        # A TCP port on the box's 127.0.0.1 can be taken first by any local process, which then
        # receives the token; a socket in a 0700 directory of the Jupyter user cannot.
        self.assertEqual(self.first.returncode, 0, self.first.stderr)
        self.assertTrue(wait_for(lambda: self.get("/api/status", TOKEN)[0] == 200), "no Jupyter")
        sock_dir = os.path.dirname(self.sock)
        self.assertEqual(os.stat(sock_dir).st_mode & 0o777, 0o700)
        self.assertEqual(os.stat(sock_dir).st_uid, os.getuid())
        self.assertEqual(os.stat(self.sock).st_mode & 0o777, 0o600)
        jpid = self.pid_files()["jupyter"]
        self.assertTrue(socket_inodes(jpid), "Jupyter holds no socket at all")
        self.assertEqual(socket_inodes(jpid) & tcp_listen_inodes(), set(), "Jupyter listens on TCP")
        with open(os.path.join(self.prefix, "etc", "watchdog.json")) as f:
            cfg = json.load(f)
        self.assertEqual((cfg["jupyter_sock"], cfg["jupyter_url"]), (self.sock, ""))

    def test_2_token_is_required(self):
        self.assertTrue(wait_for(lambda: self.get("/api/kernels", TOKEN)[0] == 200))
        self.assertEqual(self.get("/api/kernels")[0], 403)
        self.assertEqual(self.get("/api/kernels", "wrong")[0], 403)
        status, body = self.get("/api/kernels", TOKEN)
        self.assertEqual((status, json.loads(body)), (200, []))

    def test_3_token_stays_private(self):
        etc = os.path.join(self.prefix, "etc")
        for name in ("jupyter_token", "jupyter_config.py"):
            self.assertEqual(os.stat(os.path.join(etc, name)).st_mode & 0o777, 0o600, name)
        jpid = self.pid_files()["jupyter"]
        with open("/proc/%d/cmdline" % jpid, "rb") as f:
            cmdline = f.read().decode()
        self.assertNotIn("--port", cmdline)
        self.assertNotIn(TOKEN, cmdline)
        for log in os.listdir(os.path.join(self.prefix, "log")):
            with open(os.path.join(self.prefix, "log", log)) as f:
                self.assertNotIn(TOKEN, f.read(), log)

    def test_4_watchdog_status_file_and_cap(self):
        status_path = os.path.join(self.prefix, "run", "status.json")
        self.assertTrue(wait_for(lambda: os.path.exists(status_path), 30))
        self.assertTrue(wait_for(lambda: json.loads(read(status_path))["signals"]["jupyter"]["state"]
                                 == "idle", 30))
        status = json.loads(read(status_path))
        self.assertEqual((status["version"], status["mode"], status["action"]),
                         (1, "byo", "stop_services"))
        self.assertIsNotNone(status["hard_cap_at"])
        with open(os.path.join(self.prefix, "etc", "watchdog.json")) as f:
            cfg = json.load(f)
        self.assertEqual(cfg["cap_seconds"], 1800)  # min(1 h, $3 / $6 per h)
        self.assertEqual(cfg["idle_seconds"], 1800)
        self.assertEqual(set(self.pid_files()), {"cap", "jupyter", "watchdog"})

    def test_5_second_run_is_idempotent(self):
        before = self.pid_files()
        again = self.bootstrap()
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(self.pid_files(), before)
        self.assertIn("jupyter already running", again.stderr)
        self.assertEqual(self.get("/api/kernels", TOKEN)[0], 200)

    def test_6_stop_ends_every_service(self):
        pids = self.pid_files()
        p = subprocess.run(["bash", os.path.join(ONBOX, "bootstrap.sh"), "--stop"], env=self.env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        for name, pid in pids.items():
            self.assertTrue(wait_for(lambda: not os.path.exists("/proc/%d" % pid) or
                                     read("/proc/%d/stat" % pid).split()[2] == "Z", 10), name)
        self.assertIsNone(self.get("/api/status", TOKEN)[0])


FAKE_SYSTEMCTL = """#!/bin/sh
echo "$*" >>"$GPUBOX_FAKE_SYSTEMCTL_LOG"
"""


@unittest.skipUnless(os.geteuid() == 0, "the systemd path needs root")
class SystemdUnitsTest(unittest.TestCase):
    """The systemd path against a fake systemctl: unit contents and idempotent restarts."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gpubox-systemd-test-")
        for d in ("units", "run-systemd", "bin", "prefix", "sshd_config.d"):
            os.mkdir(os.path.join(self.tmp, d))
        fake = os.path.join(self.tmp, "bin", "systemctl")
        with open(fake, "w") as f:
            f.write(FAKE_SYSTEMCTL)
        os.chmod(fake, 0o755)
        self.calls = os.path.join(self.tmp, "calls")
        self.env = dict(os.environ, HOME=self.tmp, PATH=os.path.join(self.tmp, "bin") + ":" +
                        os.environ["PATH"], GPUBOX_UNIT_DIR=os.path.join(self.tmp, "units"),
                        GPUBOX_SYSTEMD_RUN=os.path.join(self.tmp, "run-systemd"),
                        GPUBOX_FAKE_SYSTEMCTL_LOG=self.calls, GPUBOX_JUPYTER_TOKEN=TOKEN,
                        GPUBOX_SSHD_CONFIG_DIR=os.path.join(self.tmp, "sshd_config.d"),
                        GPUBOX_JUPYTER_START_TIMEOUT="0")  # the fake systemctl starts nothing
        self.env.pop("GPUBOX_NO_SYSTEMD", None)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def bootstrap(self, *extra):
        p = subprocess.run(["bash", os.path.join(ONBOX, "bootstrap.sh"), "--mode", "aws",
                            "--prefix", os.path.join(self.tmp, "prefix"),
                            "--idle", "45"] + list(extra),
                           env=self.env, capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        calls = read(self.calls).splitlines() if os.path.exists(self.calls) else []
        os.unlink(self.calls) if calls else None
        return calls

    def unit(self, name):
        return read(os.path.join(self.tmp, "units", name))

    def test_units_hard_cap_and_idempotent_rerun(self):
        calls = self.bootstrap("--max-hours", "2")
        self.assertIn("daemon-reload", calls)
        self.assertIn("restart gpubox-cap.timer", calls)
        self.assertIn("restart gpubox-watchdog.timer", calls)
        self.assertIn("OnActiveSec=7200", self.unit("gpubox-cap.timer"))
        self.assertIn("ExecStart=shutdown -h now", self.unit("gpubox-cap.service"))
        self.assertIn("watchdog.py once --config", self.unit("gpubox-watchdog.service"))
        self.assertEqual(read(os.path.join(self.tmp, "sshd_config.d", "50-gpubox.conf")),
                         "ClientAliveInterval 60\nClientAliveCountMax 3\n")
        self.assertIn("reload ssh", calls)
        if JUPYTER:
            self.assertIn("restart gpubox-jupyter.service", calls)
            jup = self.unit("gpubox-jupyter.service")
            self.assertNotIn("--port", jup)  # a Unix socket (jupyter_config.py), never TCP
            conf = read(os.path.join(self.tmp, "prefix", "etc", "jupyter_config.py"))
            self.assertIn(".sock = '%s'" % os.path.join(self.tmp, "prefix", "run", "jupyter",
                                                        "jupyter.sock"), conf)
            # File > Shut Down exits 0: on-failure would leave Jupyter down for good.
            self.assertIn("Restart=always", jup)
            self.assertNotIn(TOKEN, jup)
        with open(os.path.join(self.tmp, "prefix", "etc", "watchdog.json")) as f:
            cfg = json.load(f)
        self.assertEqual((cfg["idle_seconds"], cfg["cap_seconds"], cfg["action"]),
                         (2700, 7200, "shutdown"))
        again = self.bootstrap("--max-hours", "2")
        self.assertEqual([c for c in again if c.startswith(("restart", "daemon-reload"))], [])
        changed = self.bootstrap("--max-hours", "3")
        self.assertIn("restart gpubox-cap.timer", changed)
        self.assertNotIn("restart gpubox-jupyter.service", changed)
        removed = self.bootstrap()
        self.assertNotIn("reload ssh", removed)  # written once, reloaded once
        self.assertIn("disable --now gpubox-cap.timer", removed)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "units", "gpubox-cap.timer")))

    @unittest.skipUnless(JUPYTER, "no jupyter-notebook / jupyter-server / jupyter-lab installed")
    def test_jupyter_waits_for_the_token_gpubox_delivers_over_ssh(self):
        # User-data carries no token: the first run must neither invent one nor start Jupyter.
        del self.env["GPUBOX_JUPYTER_TOKEN"]
        calls = self.bootstrap()
        token_file = os.path.join(self.tmp, "prefix", "etc", "jupyter_token")
        self.assertFalse(os.path.exists(token_file))
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "units", "gpubox-jupyter.service")))
        self.assertNotIn("restart gpubox-jupyter.service", calls)
        self.assertIn("restart gpubox-watchdog.timer", calls)
        # The delivery over ssh: the token on stdin, never in argv or the environment.
        p = subprocess.run(["bash", os.path.join(ONBOX, "bootstrap.sh"), "--mode", "aws",
                            "--prefix", os.path.join(self.tmp, "prefix"),
                            "--idle", "45", "--token-file", "/dev/stdin"],
                           env=self.env, input=TOKEN + "\n", capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(read(token_file), TOKEN + "\n")
        self.assertEqual(os.stat(token_file).st_mode & 0o777, 0o600)
        self.assertIn("restart gpubox-jupyter.service", read(self.calls).splitlines())
        self.assertNotIn(TOKEN, self.unit("gpubox-jupyter.service"))


if __name__ == "__main__":
    unittest.main()
