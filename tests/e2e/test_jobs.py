"""Jobs and files on a box, end to end (issue 12 §1, §3): an unprivileged loopback sshd is a
bring-your-own box. `gpubox run` syncs a workdir with rsync (ignore files honoured), runs the job
detached from ssh, follows it and exits with its code; a job outlives a killed ssh client and
Ctrl-C; `jobs`, `logs`, `cancel`; `push` and `pull` of a few thousand files, compared byte for
byte after the round trip. Spot interruptions (§5): a job run with --retry-on-interruption and
interrupted comes back, with Jupyter and the watchdog, when the box restarts. Nothing leaves
127.0.0.1; no AWS is involved."""
# ctest: RUN_SERIAL
import filecmp
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from localnet import unix_http_get, wait_for
from sshd import Sshd, client_env, stop_box_services

GPUBOX = os.environ.get("GPUBOX_BIN", "gpubox")
HAS_JUPYTER = any(os.path.exists("/usr/bin/" + j)
                  for j in ("jupyter-lab", "jupyter-notebook", "jupyter-server"))
HAS_RSYNC = shutil.which("rsync") is not None


@unittest.skipUnless(HAS_JUPYTER, "Debian's Jupyter (jupyter-notebook) is not installed: "
                                  "`gpubox add` bootstraps it")
@unittest.skipUnless(HAS_RSYNC, "rsync is not installed (scripts/deps.sh --install)")
class JobsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gpubox-e2e-jobs.")
        cls.home = os.path.join(cls.tmp, "home")     # gpubox's side
        cls.box_home = os.path.join(cls.tmp, "box")  # the box's HOME, set by sshd
        os.makedirs(cls.home)
        os.makedirs(cls.box_home)
        cls.sshd = Sshd(home=cls.box_home,
                        env={"GPUBOX_NO_SYSTEMD": "1", "GPUBOX_WATCH_INTERVAL": "2"})
        cls.info = cls.sshd.start()
        cls.env = client_env(cls.home)
        cls.added = cls.gpubox("add", "lab", f"ssh://{cls.info.user}@127.0.0.1:{cls.info.port}",
                               "--key", cls.info.key_path, timeout=300)

    @classmethod
    def tearDownClass(cls):
        cls.gpubox("rm", "lab", timeout=120)
        stop_box_services(cls.box_home)
        cls.sshd.stop()
        if os.environ.get("GPUBOX_KEEP_TMP") != "1":
            shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def gpubox(cls, *args, timeout=120):
        return subprocess.run([GPUBOX, *args], env=cls.env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def setUp(self):
        self.assertEqual(self.added.returncode, 0, self.added.stderr)

    def jobs(self):
        r = self.gpubox("jobs", "lab", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return {j["id"]: j for j in json.loads(r.stdout)}

    def wait_state(self, job_id, states, timeout=60):
        got = {}

        def reached():
            got.update(self.jobs().get(job_id, {}))
            return got.get("state") in states
        self.assertTrue(wait_for(reached, timeout), f"job {job_id} never reached {states}: {got}")
        return got

    def newest_id(self):
        return max(self.jobs())

    def start_in_own_session(self, *args):
        """gpubox in its own process group, so the test can signal it and its ssh client."""
        return subprocess.Popen([GPUBOX, *args], env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                                start_new_session=True)

    def test_1_run_syncs_the_workdir_and_exits_with_the_jobs_code(self):
        work = os.path.join(self.tmp, "proj")
        os.makedirs(os.path.join(work, "secret"))
        os.makedirs(os.path.join(work, ".git"))
        for name, text in {"train.py": "print('training')\n", "ignored.log": "x\n",
                           ".gitignore": "*.log\n", ".gpuboxignore": "secret/\n",
                           "secret/key.txt": "do not ship\n", ".git/HEAD": "ref\n"}.items():
            with open(os.path.join(work, name), "w") as f:
                f.write(text)
        r = self.gpubox("run", "lab", "--workdir", work, "--env", "GREETING=hello there", "--",
                        "sh", "-c", "ls -A; echo \"$GREETING\"; pwd; exit 3")
        self.assertEqual(r.returncode, 3, r.stderr)
        lines = r.stdout.splitlines()
        self.assertIn("train.py", lines)
        self.assertIn("hello there", lines)
        for absent in ("ignored.log", "secret", ".git"):
            self.assertNotIn(absent, lines)
        remote = os.path.join(self.box_home, "gpubox", "workdirs", "proj")
        self.assertEqual(os.path.realpath(lines[-1]), os.path.realpath(remote))
        self.assertTrue(os.path.exists(os.path.join(remote, "train.py")))
        self.assertFalse(os.path.exists(os.path.join(remote, "secret")))
        self.assertIn("exited with 3", r.stderr)
        job = self.jobs()[self.newest_id()]
        self.assertEqual((job["state"], job["exit_code"]), ("failed", 3))
        # The value of --env is nowhere in what the box keeps about the job.
        job_dir = os.path.join(self.box_home, ".gpubox", "jobs", job["id"])
        with open(os.path.join(job_dir, "job.json")) as f:
            self.assertNotIn("hello there", f.read())

    def test_2_a_job_outlives_its_killed_ssh_client(self):
        p = self.start_in_own_session("run", "lab", "--", "sh", "-c",
                                      "echo started; sleep 3; echo survived")
        self.assertTrue(wait_for(lambda: any(j["state"] == "running"
                                             for j in self.jobs().values()), 30))
        os.killpg(p.pid, signal.SIGKILL)  # gpubox and its ssh client, as a dying laptop would
        p.communicate(timeout=30)
        job_id = self.newest_id()
        self.assertEqual(self.wait_state(job_id, {"succeeded", "failed"})["state"], "succeeded")
        logs = self.gpubox("logs", "lab", job_id)
        self.assertEqual(logs.returncode, 0, logs.stderr)
        self.assertEqual(logs.stdout.splitlines(), ["started", "survived"])

    def test_3_ctrl_c_leaves_the_job_running_and_says_how_to_follow_it(self):
        p = self.start_in_own_session("run", "lab", "--", "sh", "-c", "sleep 3; echo late")
        self.assertTrue(wait_for(lambda: any(j["state"] == "running"
                                             for j in self.jobs().values()), 30))
        os.killpg(p.pid, signal.SIGINT)
        _, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 130, err)
        job_id = self.newest_id()
        self.assertIn(f"job {job_id} keeps running on lab", err)  # stdin is no terminal: kept
        self.assertIn(f"gpubox cancel lab {job_id}", err)
        self.assertEqual(self.wait_state(job_id, {"succeeded", "failed"})["state"], "succeeded")

    def test_4_detached_jobs_are_listed_followed_and_cancelled(self):
        r = self.gpubox("run", "lab", "--detach", "--json", "--", "sleep", "300")
        self.assertEqual(r.returncode, 0, r.stderr)
        job_id = json.loads(r.stdout)["id"]
        self.assertEqual(self.wait_state(job_id, {"running"})["command"], ["sleep", "300"])
        follow = self.start_in_own_session("logs", "lab", job_id, "-f")
        c = self.gpubox("cancel", "lab", job_id)
        self.assertEqual(c.returncode, 0, c.stderr)
        self.assertEqual(c.stdout.strip(), f"job {job_id} on lab: cancelled")
        follow.communicate(timeout=60)
        self.assertEqual(follow.returncode, 130)  # a cancelled job, followed to its end
        self.assertEqual(self.jobs()[job_id]["state"], "cancelled")
        unknown = self.gpubox("logs", "lab", "no-such-job")
        self.assertEqual(unknown.returncode, 1)
        self.assertIn("hint: gpubox jobs lab lists the jobs", unknown.stderr)

    def test_5_push_and_pull_round_trip_thousands_of_files_byte_for_byte(self):
        src = os.path.join(self.tmp, "data")
        rnd = random.Random(12)
        for k in range(3000):
            d = os.path.join(src, f"d{k % 30:02d}")
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, f"f{k:04d}.bin"), "wb") as f:
                f.write(rnd.randbytes(rnd.randint(0, 2048)))
        r = self.gpubox("push", "lab", src + "/", "datasets/data", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["files_transferred"], 3000)
        again = self.gpubox("push", "lab", src + "/", "datasets/data", "--json")
        self.assertEqual(json.loads(again.stdout)["files_transferred"], 0)  # nothing changed
        back = os.path.join(self.tmp, "back")
        r = self.gpubox("pull", "lab", "datasets/data/", back)
        self.assertEqual(r.returncode, 0, r.stderr)

        def same(a, b):
            cmp = filecmp.dircmp(a, b)
            _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
            return (not cmp.left_only and not cmp.right_only and not mismatch and not errors
                    and all(same(os.path.join(a, s), os.path.join(b, s)) for s in cmp.common_dirs))
        self.assertTrue(same(src, back))
        self.assertTrue(same(src, os.path.join(self.box_home, "datasets", "data")))



@unittest.skipUnless(HAS_JUPYTER, "Debian's Jupyter (jupyter-notebook) is not installed: "
                                  "`gpubox add` bootstraps it")
class RetryOnInterruptionTest(unittest.TestCase):
    """A byo box restarted after its job was interrupted: the bootstrap's @reboot line (a fake
    crontab; the test runs the line as cron would) brings Jupyter and the watchdog back, and the
    watchdog's first round runs the job again. The interruption is what the watchdog does on a
    spot notice (`job.py interrupt-all`; the notice itself, from a fake IMDSv2, is
    tests/onbox/test_watchdog.py's): a byo box's watchdog never asks AWS's metadata. Boots are
    told apart by GPUBOX_BOOT_ID_FILE, a test aid: a real restart changes the kernel's boot_id."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gpubox-e2e-retry.")
        cls.home = os.path.join(cls.tmp, "home")
        cls.box_home = os.path.join(cls.tmp, "box")
        os.makedirs(cls.home)
        os.makedirs(cls.box_home)
        cls.boot_file = os.path.join(cls.tmp, "boot_id")
        cls.set_boot("boot-1")
        cls.sshd = Sshd(home=cls.box_home,
                        env={"GPUBOX_NO_SYSTEMD": "1", "GPUBOX_WATCH_INTERVAL": "1",
                             "GPUBOX_BOOT_ID_FILE": cls.boot_file})
        cls.info = cls.sshd.start()
        cls.env = client_env(cls.home)
        cls.added = cls.gpubox("add", "lab", f"ssh://{cls.info.user}@127.0.0.1:{cls.info.port}",
                               "--key", cls.info.key_path, timeout=300)
        cls.prefix = os.path.join(cls.box_home, ".gpubox")

    @classmethod
    def tearDownClass(cls):
        cls.gpubox("rm", "lab", timeout=120)
        stop_box_services(cls.box_home, os.path.join("bin", "bootstrap.sh"))
        cls.sshd.stop()
        if os.environ.get("GPUBOX_KEEP_TMP") != "1":
            shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def set_boot(cls, boot_id):
        with open(cls.boot_file, "w") as f:
            f.write(boot_id + "\n")

    @classmethod
    def gpubox(cls, *args, timeout=120):
        return subprocess.run([GPUBOX, *args], env=cls.env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def jobs(self):
        r = self.gpubox("jobs", "lab", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return {j["id"]: j for j in json.loads(r.stdout)}

    def services(self):
        """gpubox's daemons on the box (pid files), each checked to be ours and alive."""
        out = {}
        for name in ("jupyter", "watchdog"):
            try:
                with open(os.path.join(self.prefix, "run", name + ".pid")) as f:
                    pid = int(f.read())
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if pid > 1 and self.prefix.encode() in f.read():
                        out[name] = pid
            except (OSError, ValueError):
                pass
        return out

    def jupyter_answers(self):
        with open(os.path.join(self.home, "gpubox", "tokens", "lab")) as f:
            token = f.read().strip()
        sock = os.path.join(self.prefix, "run", "jupyter", "jupyter.sock")
        return unix_http_get(sock, "/api/status", token)[0] == 200

    def test_an_interrupted_job_runs_again_when_the_box_restarts(self):
        self.assertEqual(self.added.returncode, 0, self.added.stderr)
        reboot = [line for line in self.sshd.crontab_lines() if line.endswith("# gpubox-autostart")]
        self.assertEqual(len(reboot), 1, self.sshd.crontab_lines())
        self.assertTrue(reboot[0].startswith("@reboot "))
        script = ('echo "attempt with $SECRET in $(basename "$PWD")"; '
                  "trap 'echo checkpointed; exit 0' TERM; while :; do sleep 0.1; done")
        run = subprocess.Popen([GPUBOX, "run", "lab", "--retry-on-interruption",
                                "--env", "SECRET=s3cret value", "--", "sh", "-c", script],
                               env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, stdin=subprocess.DEVNULL, start_new_session=True)
        got = {}

        def running():
            got.update(next(iter(self.jobs().values()), {}))
            return got.get("state") == "running"
        self.assertTrue(wait_for(running, 60), got)
        job_id = got["id"]
        self.assertEqual((got["attempts"], got["max_attempts"]), (1, 3))
        job_dir = os.path.join(self.box_home, ".gpubox", "jobs", job_id)
        self.assertTrue(wait_for(lambda: "attempt with" in open(os.path.join(job_dir, "output.log")).read(), 30))
        # Two minutes before AWS stops a spot box, its watchdog does this.
        r = subprocess.run([sys.executable, os.path.join(self.prefix, "bin", "job.py"),
                            "interrupt-all", "--reason", "spot interruption notice: stop at T"],
                           env={"HOME": self.box_home, "PATH": "/usr/bin:/bin"},
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(json.loads(r.stdout), [job_id], r.stderr)
        out, err = run.communicate(timeout=120)
        self.assertEqual(run.returncode, 130, err)
        self.assertIn("checkpointed", out)
        self.assertIn(f"gpubox: job {job_id} on lab was interrupted; it runs again when lab "
                      f"restarts (attempt 2 of 3): `gpubox logs lab {job_id} -f` follows it", err)
        table = self.gpubox("jobs", "lab")
        self.assertIn("interrupted (runs again at restart)", table.stdout)
        # The --env value is kept for the re-run, in ID/env (0600), never in job.json.
        with open(os.path.join(job_dir, "job.json")) as f:
            self.assertNotIn("s3cret", f.read())
        self.assertEqual(os.stat(os.path.join(job_dir, "env")).st_mode & 0o777, 0o600)

        # The box goes down (everything killed, pid files left) and starts again: a new boot.
        before = self.services()
        self.assertEqual(set(before), {"jupyter", "watchdog"})
        for pid in before.values():
            os.killpg(pid, signal.SIGKILL)
        self.assertTrue(wait_for(lambda: not self.services(), 10))
        self.set_boot("boot-2")
        cron_env = {"HOME": self.box_home, "LOGNAME": self.info.user, "SHELL": "/bin/sh",
                    "PATH": "/usr/bin:/bin", "GPUBOX_BOOT_ID_FILE": self.boot_file}
        r = subprocess.run(["/bin/sh", "-c", reboot[0][len("@reboot "):]], env=cron_env,
                           cwd=self.box_home, capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(wait_for(self.jupyter_answers, 60), "Jupyter did not come back")
        self.assertEqual(set(self.services()), {"jupyter", "watchdog"})
        # The watchdog's first round runs the job again, with its --env value.
        self.assertTrue(wait_for(lambda: self.jobs()[job_id]["state"] == "running", 60),
                        self.jobs()[job_id])
        self.assertEqual(self.jobs()[job_id]["attempts"], 2)
        self.assertIn("running (attempt 2)", self.gpubox("jobs", "lab").stdout)
        self.assertTrue(wait_for(lambda: self.gpubox("logs", "lab", job_id).stdout.count(
            "attempt with s3cret value in") == 2, 30))
        logs = self.gpubox("logs", "lab", job_id).stdout
        first, second = logs.split("---- attempt 2 of 3")
        self.assertIn("checkpointed", first)
        self.assertIn("attempt with s3cret value in " + os.path.basename(self.box_home), second)
        # Cancelled, it is over: the kept value goes.
        c = self.gpubox("cancel", "lab", job_id)
        self.assertEqual(c.returncode, 0, c.stderr)
        self.assertFalse(os.path.exists(os.path.join(job_dir, "env")))
        # `gpubox rm` stops the services and takes the @reboot line away.
        r = self.gpubox("rm", "lab")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([l for l in self.sshd.crontab_lines() if "gpubox-autostart" in l], [],
                         r.stderr)


if __name__ == "__main__":
    unittest.main()
