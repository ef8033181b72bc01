"""`gpubox autostop` changes a box's idle stop and hard cap live on the box, through the
bootstrap's own configuration: an unprivileged loopback sshd is the box (no AWS involved), and
the watchdog config the bootstrap wrote there is read back directly from its files."""
# ctest: RUN_SERIAL
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from sshd import Sshd, stop_box_services

GPUBOX = os.environ.get("GPUBOX_BIN", "gpubox")


class AutostopTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gpubox-e2e-autostop.")
        cls.home = os.path.join(cls.tmp, "home")
        cls.box_home = os.path.join(cls.tmp, "box")
        os.makedirs(cls.home)
        os.makedirs(cls.box_home)
        cls.sshd = Sshd(home=cls.box_home, env={"GPUBOX_NO_SYSTEMD": "1"})
        cls.info = cls.sshd.start()
        cls.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": cls.home,
                   "GPUBOX_HOME": os.path.join(cls.home, "gpubox"), "LANG": "C.UTF-8",
                   "GPUBOX_CALLER_IP": "127.0.0.1", "XDG_CONFIG_HOME": os.path.join(cls.home, "xdg"),
                   # No AWS here: any AWS call goes to a closed loopback port and fails at once.
                   "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
                   "AWS_SECRET_ACCESS_KEY": "x", "AWS_EC2_METADATA_DISABLED": "true",
                   "AWS_MAX_ATTEMPTS": "1"}
        cls.added = cls.gpubox("add", "rig", f"ssh://{cls.info.user}@127.0.0.1:{cls.info.port}",
                               "--key", cls.info.key_path, "--max-hours", "3", timeout=300)

    @classmethod
    def tearDownClass(cls):
        cls.gpubox("rm", "rig", timeout=120)
        stop_box_services(cls.box_home)
        cls.sshd.stop()
        if os.environ.get("GPUBOX_KEEP_TMP") != "1":
            shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def gpubox(cls, *args, timeout=120):
        return subprocess.run([GPUBOX, *args], env=cls.env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def watchdog_config(self):
        with open(os.path.join(self.box_home, ".gpubox", "etc", "watchdog.json")) as f:
            return json.load(f)

    def cap_daemon_running(self):
        return self.daemon_running("cap")

    def daemon_running(self, name):
        pid_file = os.path.join(self.box_home, ".gpubox", "run", f"{name}.pid")
        if not os.path.exists(pid_file):
            return False
        with open(pid_file) as f:
            return os.path.exists(f"/proc/{f.read().strip()}")

    def ls_autostop(self):
        # No region and no reachable AWS: ls still lists the machines gpubox knows.
        r = self.gpubox("ls", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("could not list the AWS regions", r.stderr)
        return {b["name"]: b["autostop"] for b in json.loads(r.stdout)}["rig"]

    def test_1_add_takes_durations_and_shows_the_settings(self):
        self.assertEqual(self.added.returncode, 0, self.added.stderr)
        self.assertIsNone(self.watchdog_config()["idle_seconds"])
        self.assertEqual(self.watchdog_config()["cap_seconds"], 3 * 3600)
        r = self.gpubox("autostop", "rig")
        self.assertEqual((r.returncode, r.stdout), (0, "rig: auto-stop max 3h\n"), r.stderr)
        self.assertEqual(self.ls_autostop(), {"idle_minutes": None, "max_hours": 3})

    def test_2_change_both_live_on_the_box(self):
        r = self.gpubox("autostop", "rig", "--idle", "45m", "--max-hours", "8", "--json", timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["text"], "idle 45m, max 8h")
        cfg = self.watchdog_config()
        self.assertEqual((cfg["idle_seconds"], cfg["cap_seconds"]), (45 * 60, 8 * 3600))
        self.assertTrue(self.cap_daemon_running())
        self.assertEqual(self.ls_autostop(), {"idle_minutes": 45, "max_hours": 8})

    def test_3_turn_both_off(self):
        r = self.gpubox("autostop", "rig", "--idle", "off", "--max-hours", "off", timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "rig: auto-stop off\n")
        cfg = self.watchdog_config()
        self.assertEqual((cfg["idle_seconds"], cfg["cap_seconds"]), (None, None))
        self.assertFalse(self.cap_daemon_running())

    def test_4_zero_is_refused_and_nothing_changes(self):
        before = self.watchdog_config()
        r = self.gpubox("autostop", "rig", "--idle", "0")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--idle off", r.stderr)
        self.assertEqual(self.watchdog_config(), before)

    def test_5_unknown_box(self):
        r = self.gpubox("autostop", "rgi", "--idle", "1h")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("no box named rgi", r.stderr)

    def test_6_start_on_a_byo_machine_restarts_its_services(self):
        self.assertTrue(self.daemon_running("watchdog"))
        r = self.gpubox("stop", "rig", "--json", timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["services_stopped"], True)
        self.assertFalse(self.daemon_running("watchdog"))
        r = self.gpubox("start", "rig", timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("gpubox's services are running", r.stdout)
        self.assertTrue(self.daemon_running("watchdog"))


if __name__ == "__main__":
    unittest.main()
