"""The hard cap and the idle stop on a bring-your-own machine, end to end and time-compressed: `gpubox add` over ssh
to a loopback sshd whose environment shortens the minute the bootstrap counts in
(GPUBOX_MINUTE_SECONDS), the watchdog's period (GPUBOX_WATCH_INTERVAL) and its grace for unknown
signals (GPUBOX_UNKNOWN_GRACE). On a byo machine the cap's action is stop-services: Jupyter, the
watchdog and the cap itself really stop, and the machine keeps running. Nothing leaves 127.0.0.1;
no AWS is involved."""
# ctest: RUN_SERIAL
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from localnet import unix_http_get, wait_for
from sshd import Sshd, client_env

GPUBOX = os.environ.get("GPUBOX_BIN", "gpubox")
HAS_JUPYTER = any(os.path.exists("/usr/bin/" + j)
                  for j in ("jupyter-lab", "jupyter-notebook", "jupyter-server"))
DAEMONS = ("jupyter", "watchdog", "cap")


def alive(pid):
    """True while `pid` runs (a zombie nobody reaped yet counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@unittest.skipUnless(HAS_JUPYTER, "Debian's Jupyter (jupyter-notebook) is not installed")
class ByoLimitsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gpubox-e2e-cap.")
        if os.environ.get("GPUBOX_KEEP_TMP") != "1":
            self.addCleanup(shutil.rmtree, self.tmp, True)
        self.home = os.path.join(self.tmp, "home")
        os.makedirs(self.home)
        # One "minute" is 2 s on this box: --max-hours 0.05 is a 6 s cap.
        self.sshd = Sshd(env={"GPUBOX_NO_SYSTEMD": "1", "GPUBOX_MINUTE_SECONDS": "2",
                              "GPUBOX_WATCH_INTERVAL": "1", "GPUBOX_UNKNOWN_GRACE": "4"})
        self.info = self.sshd.start()
        self.addCleanup(self.sshd.stop)
        self.prefix = os.path.join(self.info.home, ".gpubox")
        self.addCleanup(self.stop_leftovers)
        self.env = client_env(self.home)

    def stop_leftovers(self):
        """Whatever the test left running (its pid files name exactly our processes)."""
        script = os.path.join(self.prefix, "bin", "bootstrap.sh")
        if os.path.exists(script):
            subprocess.run(["bash", script, "--stop", "--no-systemd", "--prefix", self.prefix],
                           env=dict(os.environ, HOME=self.info.home), capture_output=True)

    def gpubox(self, *args, timeout=300):
        return subprocess.run([GPUBOX, *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def jupyter_answers(self):
        sock = os.path.join(self.prefix, "run", "jupyter", "jupyter.sock")
        return unix_http_get(sock, "/api/status")[0] is not None

    def pids(self):
        out = {}
        for name in DAEMONS:
            try:
                with open(os.path.join(self.prefix, "run", f"{name}.pid")) as f:
                    out[name] = int(f.read())
            except OSError:
                pass
        return out

    def test_the_cap_stops_jupyter_the_watchdog_and_itself(self):
        r = self.gpubox("add", "lab", f"ssh://{self.info.user}@127.0.0.1:{self.info.port}",
                        "--key", self.info.key_path, "--max-hours", "0.05")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.prefix, "etc", "watchdog.json")) as f:
            cfg = json.load(f)
        self.assertEqual((cfg["action"], cfg["cap_seconds"], cfg["idle_seconds"]),
                         ("stop_services", 6, None))
        self.assertEqual((cfg["interval_seconds"], cfg["unknown_grace_seconds"]), (1, 4))
        started = self.pids()
        self.assertEqual(set(started), set(DAEMONS), started)
        self.assertTrue(all(alive(p) for p in started.values()), started)
        # The cap fires 6 s after the bootstrap: every daemon goes, Jupyter's socket closes.
        # Every daemon goes, and the stop finishes its bookkeeping (the pid files).
        gone = lambda: not any(alive(p) for p in started.values()) and not self.pids()  # noqa: E731
        self.assertTrue(wait_for(gone, 90), ({n: alive(p) for n, p in started.items()}, self.pids()))
        self.assertFalse(self.jupyter_answers())
        with open(os.path.join(self.prefix, "log", "bootstrap.log")) as f:
            log = f.read()
        self.assertIn("stopped jupyter", log)
        self.assertIn("stopped watchdog", log)
        # Two enforcers race for the cap: the cap timer (which then stops itself last, "this
        # process") and the watchdog's own cap check (a round every second here). Either way the
        # cap is stopped only after Jupyter, never killed before it could stop Jupyter.
        self.assertRegex(log, r"stopped cap \((this process|pid \d+)\)")
        self.assertLess(log.index("stopped jupyter"), log.index("stopped cap"), log)
        # Services only: the machine (here, the sshd) still answers, and gpubox still knows it.
        r = self.gpubox("ssh", "lab", "--", "echo", "still-here", timeout=60)
        self.assertEqual((r.returncode, r.stdout.strip()), (0, "still-here"), r.stderr)

    def test_the_idle_stop_stops_the_services(self):
        # gpubox add gives a byo machine no idle timer unless asked (and then its action is a
        # shutdown, never tried here); the bootstrap's own byo default is stop-services. Re-run
        # the installed bootstrap on the box with an idle period of 3 "minutes" (6 s here).
        r = self.gpubox("add", "lab", f"ssh://{self.info.user}@127.0.0.1:{self.info.port}",
                        "--key", self.info.key_path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(wait_for(self.jupyter_answers, 60), "Jupyter never listened")
        # One word: the box's shell expands $HOME (sshd starts in the passwd home, not $HOME).
        r = self.gpubox("ssh", "lab", "--",
                        'bash "$HOME/.gpubox/bin/bootstrap.sh" --mode byo --idle 3',
                        timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.prefix, "etc", "watchdog.json")) as f:
            cfg = json.load(f)
        self.assertEqual((cfg["action"], cfg["idle_seconds"], cfg["cap_seconds"]),
                         ("stop_services", 6, None))
        started = self.pids()
        self.assertEqual(set(started), {"jupyter", "watchdog"}, started)
        # Every daemon goes, and the stop finishes its bookkeeping (the pid files).
        gone = lambda: not any(alive(p) for p in started.values()) and not self.pids()  # noqa: E731
        self.assertTrue(wait_for(gone, 90), ({n: alive(p) for n, p in started.items()}, self.pids()))
        self.assertFalse(self.jupyter_answers())
        with open(os.path.join(self.prefix, "run", "status.json")) as f:
            status = json.load(f)
        self.assertEqual(status["action"], "stop_services")
        self.assertEqual(status["signals"]["jupyter"]["state"], "idle", status["signals"])
        with open(os.path.join(self.prefix, "log", "bootstrap.log")) as f:
            log = f.read()
        self.assertIn("stopped jupyter", log)
        self.assertIn("stopped watchdog", log)


if __name__ == "__main__":
    unittest.main()
