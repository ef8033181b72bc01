"""Tests for onbox/job.py with real processes in a temporary GPUBOX_JOBS_DIR.

Jobs that must stay running for a while wait for a GO file the test creates, so nothing depends
on how fast this (busy) machine is; every wait polls with a deadline.
"""
import json
import os
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

ONBOX = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "onbox"))
JOB_PY = os.path.join(ONBOX, "job.py")
SYSTEM_PY = "/usr/bin/python3"  # what runs the watchdog on a box; any user may run it
sys.path.insert(0, ONBOX)
import job  # noqa: E402


def read(path):
    with open(path) as f:
        return f.read()


def wait_until(pred, seconds=30, step=0.05):
    """Polls pred until it returns something true (returned) or seconds pass (None)."""
    end = time.time() + seconds
    while True:
        v = pred()
        if v or time.time() > end:
            return v or None
        time.sleep(step)


class JobTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gpubox-job-test-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.jobs = os.path.join(self.tmp, "jobs")
        self.go = os.path.join(self.tmp, "GO")
        self.env = dict(os.environ, GPUBOX_JOBS_DIR=self.jobs)
        self.env.pop("GPUBOX_JOB_STOP_COMMAND", None)
        self.addCleanup(self.kill_leftovers)

    def kill_leftovers(self):
        """SIGKILLs the process groups of the supervisors this test started, if still alive."""
        for d in job.job_dirs(self.jobs):
            pid = job.read_pid(d)
            if pid and job.supervisor_alive(pid, d):
                for kill in (os.killpg, os.kill):  # its group; itself, had it no group of its own
                    try:
                        kill(pid, signal.SIGKILL)
                    except OSError:
                        pass

    def run_job(self, *args, env=None, timeout=60):
        return subprocess.run([sys.executable, JOB_PY, *args], env=env or self.env,
                              capture_output=True, text=True, timeout=timeout)

    def start(self, *args, env=None):
        r = self.run_job("start", *args, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 1, r.stdout)
        jid = json.loads(lines[0])["id"]
        self.assertTrue(os.path.exists(os.path.join(self.jobs, jid, "pid")))
        return jid

    def wait_go(self):
        """A shell snippet that waits for the GO file."""
        return "while [ ! -e '%s' ]; do sleep 0.05; done" % self.go

    def list_json(self):
        r = self.run_job("list", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def info(self, jid):
        return next(j for j in self.list_json() if j["id"] == jid)

    def wait_state(self, jid, seconds=30):
        """Waits until the job has ended; returns its list entry."""
        ok = wait_until(lambda: os.path.exists(os.path.join(self.jobs, jid, "exit.json")), seconds)
        self.assertTrue(ok, "job %s did not end" % jid)
        return self.info(jid)

    def log(self, jid):
        with open(os.path.join(self.jobs, jid, "output.log")) as f:
            return f.read()

    def wait_log(self, jid, text, seconds=30):
        self.assertTrue(wait_until(lambda: text in self.log(jid), seconds),
                        "%r never appeared in the log of %s: %r" % (text, jid, self.log(jid)))


class StartAndListTest(JobTestCase):
    def test_start_runs_the_job_and_list_shows_running_then_succeeded(self):
        jid = self.start("--", "sh", "-c", self.wait_go() + "; echo all done")
        self.assertRegex(jid, r"^\d{8}-\d{6}-[0-9a-f]{4}$")
        running = self.info(jid)
        self.assertEqual(running["state"], "running")
        self.assertIsNone(running["exit_code"])
        self.assertIsNone(running["finished_at"])
        self.assertIsInstance(running["duration_seconds"], int)
        self.assertRegex(running["started_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(running["argv"], ["sh", "-c", self.wait_go() + "; echo all done"])
        self.assertEqual([j["id"] for j in job.running_jobs(self.jobs)], [jid])
        # The supervisor is the job's process-group leader and leads its own session.
        pid = job.read_pid(os.path.join(self.jobs, jid))
        self.assertEqual(os.getpgid(pid), pid)
        self.assertEqual(os.getsid(pid), pid)
        table = self.run_job("list").stdout
        self.assertIn("ID", table.splitlines()[0])
        self.assertRegex(table, r"%s\s+running\s+-" % jid)

        open(self.go, "w").close()
        done = self.wait_state(jid)
        self.assertEqual((done["state"], done["exit_code"]), ("succeeded", 0))
        self.assertRegex(done["finished_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertIn("all done", self.log(jid))
        self.assertEqual(job.running_jobs(self.jobs), [])
        with open(os.path.join(self.jobs, jid, "exit.json")) as f:
            self.assertEqual(set(json.load(f)), {"state", "exit_code", "finished_at"})

    def test_a_non_zero_exit_is_failed_with_its_code(self):
        jid = self.start("--", "sh", "-c", "echo oops >&2; exit 3")
        done = self.wait_state(jid)
        self.assertEqual((done["state"], done["exit_code"]), ("failed", 3))
        self.assertIn("oops", self.log(jid))  # stderr lands in the same log

    def test_a_missing_program_fails_with_127_and_says_why(self):
        jid = self.start("--", "no-such-program-gpubox", "arg")
        done = self.wait_state(jid)
        self.assertEqual((done["state"], done["exit_code"]), ("failed", 127))
        self.assertIn("no-such-program-gpubox", self.log(jid))
        self.assertIn("No such file or directory", self.log(jid))

    def test_a_job_killed_by_a_signal_fails_with_128_plus_the_signal(self):
        jid = self.start("--", "sh", "-c", "kill -USR1 $$")
        done = self.wait_state(jid)
        self.assertEqual((done["state"], done["exit_code"]), ("failed", 128 + signal.SIGUSR1))
        self.assertIn("killed by SIGUSR1", self.log(jid))

    def test_list_is_newest_first_and_an_empty_dir_lists_nothing(self):
        self.assertEqual(self.list_json(), [])
        first = self.start("--id", "first", "--", "true")
        self.wait_state(first)
        time.sleep(1.1)  # started_at has whole seconds
        second = self.start("--id", "second", "--", "true")
        self.assertEqual([j["id"] for j in self.list_json()], [second, first])

    def test_env_pairs_reach_the_job_but_only_their_names_are_stored_and_cwd_is_honoured(self):
        work = os.path.join(self.tmp, "work dir")
        os.mkdir(work)
        secret = "hunter2-" + os.urandom(6).hex()
        jid = self.start("--cwd", work, "--env", "SECRET_TOKEN=" + secret, "--env", "OTHER=a=b",
                         "--", "sh", "-c", 'echo "[$SECRET_TOKEN|$OTHER|$HOME]"; pwd; ' + self.wait_go())
        self.wait_log(jid, work)
        self.assertIn("[%s|a=b|%s]" % (secret, os.environ.get("HOME", "")), self.log(jid))
        d = os.path.join(self.jobs, jid)
        with open(os.path.join(d, "job.json")) as f:
            raw = f.read()
        spec = json.loads(raw)
        self.assertEqual(spec["env_keys"], ["SECRET_TOKEN", "OTHER"])
        self.assertEqual(spec["cwd"], work)
        self.assertEqual(spec["then"], "none")
        self.assertNotIn(secret, raw)
        # Nor on the supervisor's command line, which every local user can read.
        with open("/proc/%d/cmdline" % job.read_pid(d), "rb") as f:
            self.assertNotIn(secret.encode(), f.read())
        for name in os.listdir(d):
            if name != "output.log":
                with open(os.path.join(d, name), "rb") as f:
                    self.assertNotIn(secret.encode(), f.read(), name)
        self.assertEqual(os.stat(self.jobs).st_mode & 0o777, 0o700)
        open(self.go, "w").close()
        self.assertEqual(self.wait_state(jid)["state"], "succeeded")


class DetachTest(JobTestCase):
    def test_the_job_outlives_its_starters_session_killed_with_sighup_and_sigkill(self):
        # The starter stands in for the ssh session: a session leader whose group gets SIGHUP
        # (what sshd sends when the client goes away), then SIGKILL.
        starter = subprocess.Popen(
            ["bash", "-c", '"$0" "$1" start -- sh -c "$2; echo survived"; echo started; exec sleep 300',
             sys.executable, JOB_PY, self.wait_go()],
            env=self.env, stdout=subprocess.PIPE, text=True, start_new_session=True)
        try:
            jid = json.loads(starter.stdout.readline())["id"]
            self.assertEqual(starter.stdout.readline().strip(), "started")
            pid = job.read_pid(os.path.join(self.jobs, jid))
            self.assertNotEqual(os.getsid(pid), starter.pid)
            os.killpg(starter.pid, signal.SIGHUP)
            os.killpg(starter.pid, signal.SIGKILL)
        finally:
            starter.kill()
            starter.wait()
            starter.stdout.close()
        self.assertEqual(self.info(jid)["state"], "running")
        open(self.go, "w").close()
        done = self.wait_state(jid)
        self.assertEqual((done["state"], done["exit_code"]), ("succeeded", 0))
        self.assertIn("survived", self.log(jid))

    def test_start_returns_and_releases_its_stdout_while_the_job_runs(self):
        # ssh waits for EOF on the channel: the supervisor must not keep the starter's stdout
        # or stderr open, or `gpubox run --detach` would hang until the job ends.
        p = subprocess.Popen([sys.executable, JOB_PY, "start", "--", "sh", "-c", self.wait_go()],
                             env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = p.communicate(timeout=30)  # EOF on both pipes: nobody else holds them
        self.assertEqual(p.returncode, 0, err)
        jid = json.loads(out)["id"]
        self.assertEqual(self.info(jid)["state"], "running")
        open(self.go, "w").close()
        self.assertEqual(self.wait_state(jid)["state"], "succeeded")


SSH_OK = os.access("/usr/sbin/sshd", os.X_OK) and shutil.which("ssh") and shutil.which("ssh-keygen")


@unittest.skipUnless(SSH_OK, "needs openssh-server and openssh-client (a loopback sshd)")
class OverSshTest(JobTestCase):
    """Through a real ssh session to a loopback sshd, as gpubox drives it."""

    def setUp(self):
        super().setUp()
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
        from sshd import Sshd
        self.sshd = Sshd(env={"GPUBOX_JOBS_DIR": self.jobs})
        self.sshd.start()
        self.addCleanup(self.sshd.stop)

    def remote(self, *args):
        return shlex.join([sys.executable, JOB_PY, *args])

    def test_start_over_ssh_returns_at_once_and_the_job_outlives_a_killed_ssh_client(self):
        script = "echo started; %s; echo finished" % self.wait_go()
        # `gpubox run` without --detach: start, then follow, in one session with a terminal.
        cmd = self.remote("start", "--", "sh", "-c", script) + " && exec " + self.remote("logs", "--follow")
        client = subprocess.Popen(self.sshd.ssh_command(cmd, extra=("-tt",)), stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            seen = b""
            end = time.time() + 60
            while b"started" not in seen and time.time() < end:
                ready, _, _ = select.select([client.stdout], [], [], 1)
                if ready:
                    chunk = os.read(client.stdout.fileno(), 4096)
                    if not chunk:
                        break
                    seen += chunk
            self.assertIn(b"started", seen)
            self.assertIn(b'{"id": "', seen)
            client.kill()  # the laptop goes away: sshd hangs up the session
        finally:
            client.kill()
            client.wait()
            client.stdin.close()
            client.stdout.close()
        (jid,) = [j["id"] for j in self.list_json()]
        self.assertEqual(self.info(jid)["state"], "running")
        time.sleep(0.5)  # give a SIGHUP, had it reached the job, time to act
        self.assertEqual(self.info(jid)["state"], "running")
        open(self.go, "w").close()
        done = self.wait_state(jid)
        self.assertEqual((done["state"], done["exit_code"]), ("succeeded", 0))
        self.assertIn("finished", self.log(jid))
        # --detach: start returns (the channel closes) while the job still runs; logs later.
        os.unlink(self.go)
        r = subprocess.run(self.sshd.ssh_command(self.remote("start", "--id", "detached", "--", "sh", "-c",
                                                             "echo hello; " + self.wait_go() + "; exit 3")),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"id": "detached"})
        self.assertEqual(self.info("detached")["state"], "running")
        open(self.go, "w").close()
        r = subprocess.run(self.sshd.ssh_command(self.remote("logs", "detached", "--follow")),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual((r.returncode, r.stdout), (3, "hello\n"))


class LogsTest(JobTestCase):
    def test_follow_streams_lines_as_they_appear_and_exits_with_the_jobs_code(self):
        jid = self.start("--", "sh", "-c",
                         "for i in 1 2 3; do echo line$i; sleep 0.3; done; %s; echo last; exit 4"
                         % self.wait_go())
        f = subprocess.Popen([sys.executable, JOB_PY, "logs", jid, "--follow"], env=self.env,
                             stdout=subprocess.PIPE, text=True)
        try:
            for i in (1, 2, 3):
                self.assertEqual(f.stdout.readline(), "line%d\n" % i)
                # Each line arrived while the job was still running (it waits for GO).
                self.assertFalse(os.path.exists(os.path.join(self.jobs, jid, "exit.json")))
            open(self.go, "w").close()
            self.assertEqual(f.stdout.read(), "last\n")
            self.assertEqual(f.wait(timeout=30), 4)
        finally:
            f.kill()
            f.wait()
            f.stdout.close()

    def test_logs_without_follow_prints_the_log_and_picks_the_newest_job_by_default(self):
        old = self.start("--id", "old", "--", "echo", "from old")
        self.wait_state(old)
        time.sleep(1.1)
        new = self.start("--id", "new", "--", "sh", "-c", "echo from new; exit 9")
        self.wait_state(new)
        r = self.run_job("logs")
        self.assertEqual((r.returncode, r.stdout), (0, "from new\n"))
        r = self.run_job("logs", old)
        self.assertEqual((r.returncode, r.stdout), (0, "from old\n"))
        self.assertEqual(self.run_job("logs", new, "--follow").returncode, 9)
        self.assertEqual(self.run_job("logs", old, "-f").returncode, 0)

    def test_no_job_and_unknown_job(self):
        r = self.run_job("logs")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no jobs", r.stderr)
        self.start("--id", "exists", "--", "true")
        r = self.run_job("logs", "nope")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no job nope", r.stderr)
        self.assertEqual(self.run_job("cancel", "nope").returncode, 1)

    def test_a_job_whose_supervisor_is_gone_is_lost(self):
        # As after a reboot: no exit.json, and the pid now belongs to some other process.
        d = job.create_job(self.jobs, "gone", ["python", "train.py"], self.tmp, [], "none",
                           now=time.time() - 3600)
        with open(os.path.join(d, "pid"), "w") as f:
            f.write("%d\n" % os.getpid())  # alive, but not a supervisor
        with open(os.path.join(d, "output.log"), "w") as f:
            f.write("epoch 1\n")
        info = self.info("gone")
        self.assertEqual(info["state"], "lost")
        self.assertIsNone(info["exit_code"])
        self.assertEqual(job.running_jobs(self.jobs), [])
        r = self.run_job("logs", "gone", "--follow")
        self.assertEqual((r.returncode, r.stdout), (255, "epoch 1\n"))


class CancelTest(JobTestCase):
    def test_a_job_that_ignores_term_is_killed_after_the_grace(self):
        # sh ignores TERM and so do its children (an ignored signal stays ignored across exec).
        jid = self.start("--", "sh", "-c", "trap '' TERM; sleep 300 & echo ready; wait; sleep 300")
        self.wait_log(jid, "ready")
        pid = job.read_pid(os.path.join(self.jobs, jid))
        self.assertGreaterEqual(len(job.group_members(pid)), 3)  # supervisor, sh, sleep
        r = self.run_job("cancel", jid, "--grace", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"id": jid, "state": "cancelled"})
        done = self.info(jid)
        self.assertEqual((done["state"], done["exit_code"]), ("cancelled", 128 + signal.SIGKILL))
        self.assertTrue(wait_until(lambda: job.group_members(pid) == [], 10), "processes left")
        self.assertTrue(os.path.exists(os.path.join(self.jobs, jid, "cancel")))
        self.assertEqual(self.run_job("logs", jid, "--follow").returncode, 130)

    def test_a_plain_job_gets_term_and_ends_well_before_the_grace(self):
        jid = self.start("--", "sh", "-c", "trap 'echo got TERM; exit 7' TERM; echo ready; "
                         "while :; do sleep 0.1; done")
        self.wait_log(jid, "ready")
        r = self.run_job("cancel", jid, "--grace", "300", timeout=120)
        self.assertEqual(json.loads(r.stdout)["state"], "cancelled")
        self.assertIn("got TERM", self.log(jid))
        self.assertEqual(self.info(jid)["exit_code"], 7)  # its own exit: it was never KILLed
        jid2 = self.start("--", "sleep", "300")
        r = self.run_job("cancel", jid2)
        self.assertEqual(json.loads(r.stdout), {"id": jid2, "state": "cancelled"})
        self.assertEqual(self.info(jid2)["exit_code"], 128 + signal.SIGTERM)

    def test_cancelling_an_ended_job_changes_nothing(self):
        jid = self.start("--", "sh", "-c", "exit 5")
        self.wait_state(jid)
        with open(os.path.join(self.jobs, jid, "exit.json")) as f:
            before = f.read()
        r = self.run_job("cancel", jid)
        self.assertEqual(r.returncode, 0)
        self.assertIn("already ended", r.stderr)
        self.assertEqual(json.loads(r.stdout), {"id": jid, "state": "failed"})
        with open(os.path.join(self.jobs, jid, "exit.json")) as f:
            self.assertEqual(f.read(), before)
        self.assertFalse(os.path.exists(os.path.join(self.jobs, jid, "cancel")))


class InterruptTest(JobTestCase):
    def test_interrupt_all_terms_every_running_job_and_marks_it_interrupted(self):
        ended = self.start("--id", "ended", "--", "true")
        self.wait_state(ended)
        script = "trap 'echo checkpoint saved; exit 0' TERM; echo ready; while :; do sleep 0.1; done"
        a = self.start("--id", "a", "--", "sh", "-c", script)
        b = self.start("--id", "b", "--", "sh", "-c", script)
        # One that ignores TERM: interrupt-all never escalates to SIGKILL.
        stubborn = self.start("--id", "stubborn", "--", "sh", "-c", "trap '' TERM; echo ready; sleep 300")
        for jid in (a, b, stubborn):
            self.wait_log(jid, "ready")
        reason = "spot interruption notice: terminate at 2026-12-07T22:10:00Z"
        r = self.run_job("interrupt-all", "--reason", reason)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(json.loads(r.stdout)), ["a", "b", "stubborn"])
        for jid in (a, b):
            done = self.wait_state(jid)
            self.assertEqual((done["state"], done["exit_code"]), ("interrupted", 0))
            self.assertIn("checkpoint saved", self.log(jid))
            self.assertIn(reason, self.log(jid))
            self.assertEqual(self.run_job("logs", jid, "-f").returncode, 130)
        self.assertEqual(self.info(ended)["state"], "succeeded")
        time.sleep(0.5)
        self.assertEqual(self.info(stubborn)["state"], "running")
        # Already marked: a second notice neither signals nor logs it again.
        r = self.run_job("interrupt-all", "--reason", reason)
        self.assertEqual(json.loads(r.stdout), [])
        self.assertEqual(self.log(stubborn).count(reason), 1)
        self.run_job("cancel", stubborn, "--grace", "0")
        self.assertEqual(self.info(stubborn)["state"], "cancelled")


class ThenStopTest(JobTestCase):
    def test_then_stop_runs_the_stop_command_after_success_and_after_failure(self):
        marker = os.path.join(self.tmp, "stopped")
        script = os.path.join(self.tmp, "stop.sh")
        with open(script, "w") as f:
            f.write('#!/bin/sh\necho "stop $1" >>"%s"\n' % marker)
        env = dict(self.env, GPUBOX_JOB_STOP_COMMAND="sh '%s' 'now please'" % script)
        ok = self.start("--then", "stop", "--", "true", env=env)
        self.assertTrue(wait_until(lambda: os.path.exists(marker)), "stop command not run")
        self.assertEqual(self.info(ok)["state"], "succeeded")
        bad = self.start("--then", "stop", "--", "sh", "-c", "exit 2", env=env)
        self.assertTrue(wait_until(lambda: read(marker).count("\n") == 2))
        self.assertEqual(self.info(bad)["state"], "failed")
        with open(marker) as f:
            self.assertEqual(f.read(), "stop now please\nstop now please\n")
        self.assertIn("--then stop: running sh", self.log(bad))
        with open(os.path.join(self.jobs, bad, "job.json")) as f:
            self.assertEqual(json.load(f)["then"], "stop")
        # --then none (the default) runs nothing.
        none = self.start("--", "true", env=env)
        self.wait_state(none)
        time.sleep(0.3)
        with open(marker) as f:
            self.assertEqual(f.read().count("\n"), 2)
        self.assertNotIn("--then stop", self.log(none))

    def test_a_failing_stop_command_is_logged(self):
        env = dict(self.env, GPUBOX_JOB_STOP_COMMAND="no-such-stop-command-gpubox")
        jid = self.start("--then", "stop", "--", "true", env=env)
        self.wait_log(jid, "no-such-stop-command-gpubox failed")


class RerunTest(JobTestCase):
    """--max-attempts N: an interrupted job runs again at a later boot (rerun-interrupted, what
    the watchdog's rounds do), once per boot, N attempts in all. Boots are told apart by the id
    in GPUBOX_BOOT_ID_FILE (the kernel's boot_id on a box)."""

    TRAP = "trap 'echo checkpoint; exit 0' TERM; echo ready; while :; do sleep 0.1; done"

    def setUp(self):
        super().setUp()
        self.boot_file = os.path.join(self.tmp, "boot_id")
        self.env["GPUBOX_BOOT_ID_FILE"] = self.boot_file
        self.boot("boot-1")

    def boot(self, boot_id):
        with open(self.boot_file, "w") as f:
            f.write(boot_id + "\n")

    def rerun(self, env=None):
        r = self.run_job("rerun-interrupted", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def interrupt(self, jid, ready_count=1):
        self.assertTrue(wait_until(lambda: self.lines(jid, "ready") >= ready_count), self.log(jid))
        r = self.run_job("interrupt-all", "--reason", "spot interruption notice: stop at T")
        self.assertEqual(json.loads(r.stdout), [jid])
        return self.wait_state(jid)

    def lines(self, jid, line):
        """How many lines of the job's log are exactly `line` (the job's own, not gpubox's)."""
        return self.log(jid).splitlines().count(line)

    def spec(self, jid):
        with open(os.path.join(self.jobs, jid, "job.json")) as f:
            return json.load(f)

    def test_an_interrupted_job_runs_again_once_per_later_boot_up_to_its_attempts(self):
        work = os.path.join(self.tmp, "work")
        os.mkdir(work)
        env = dict(self.env, FROM_SESSION="passed through")
        jid = self.start("--max-attempts", "3", "--cwd", work, "--env", "SECRET=s3cr3t value",
                         "--env", "FROM_SESSION", "--", "sh", "-c",
                         'echo "in $(pwd): $SECRET, $FROM_SESSION, home $HOME"; ' + self.TRAP,
                         env=env)
        spec = self.spec(jid)
        self.assertEqual((spec["attempt"], spec["max_attempts"], spec["boot_id"]), (1, 3, "boot-1"))
        self.assertEqual(spec["env_keys"], ["SECRET", "FROM_SESSION"])
        self.assertNotIn("s3cr3t", json.dumps(spec))  # values only in ID/env, 0600
        env_file = os.path.join(self.jobs, jid, "env")
        self.assertEqual(os.stat(env_file).st_mode & 0o777, 0o600)
        self.assertEqual(json.loads(read(env_file)),
                         {"SECRET": "s3cr3t value", "FROM_SESSION": "passed through"})
        done = self.interrupt(jid)
        self.assertEqual((done["state"], done["rerun_pending"], done["attempt"]), ("interrupted", True, 1))
        self.assertIn("runs again when the box next starts (attempt 2 of 3)", self.log(jid))
        # The same boot (the box is about to stop): nothing runs again.
        self.assertEqual(self.rerun(), [])
        self.boot("boot-2")
        # The watchdog's environment is not the job's: a clean one must do.
        clean = {"PATH": "/usr/bin:/bin", "GPUBOX_JOBS_DIR": self.jobs,
                 "GPUBOX_BOOT_ID_FILE": self.boot_file}
        self.assertEqual(self.rerun(env=clean), [jid])
        self.assertEqual(self.rerun(env=clean), [])  # once per boot
        info = self.info(jid)
        self.assertEqual((info["state"], info["attempt"], info["max_attempts"]), ("running", 2, 3))
        self.assertTrue(wait_until(lambda: self.log(jid).count("s3cr3t value") == 2), self.log(jid))
        log = self.log(jid)
        self.assertIn("[gpubox job] ---- attempt 2 of 3", log)
        first, second = log.split("---- attempt 2 of 3")
        self.assertIn("checkpoint", first)
        self.assertIn("in %s: s3cr3t value, passed through, home %s" % (work, os.environ["HOME"]),
                      second)
        spec = self.spec(jid)
        self.assertEqual(spec["boot_id"], "boot-2")
        self.assertEqual([(a["attempt"], a["state"], a["reason"]) for a in spec["attempts"]],
                         [(1, "interrupted", "spot interruption notice: stop at T")])
        # Attempt 2 interrupted: not again in boot-2; attempt 3 in boot-3, the last.
        self.interrupt(jid, ready_count=2)
        self.assertEqual(self.rerun(), [])
        self.boot("boot-3")
        self.assertEqual(self.rerun(), [jid])
        done = self.interrupt(jid, ready_count=3)
        self.assertEqual((done["state"], done["attempt"], done["rerun_pending"]), ("interrupted", 3, False))
        self.assertFalse(os.path.exists(env_file))  # no re-run will need the values
        self.boot("boot-4")
        self.assertEqual(self.rerun(), [])
        self.assertEqual(self.lines(jid, "ready"), 3)
        self.assertEqual([a["attempt"] for a in self.spec(jid)["attempts"]], [1, 2])
        listing = self.run_job("list").stdout
        self.assertIn("interrupted (attempt 3)", listing)
        # `logs` gives every attempt's output.
        out = self.run_job("logs", jid).stdout
        self.assertEqual(out.count("s3cr3t value"), 3)
        self.assertIn("---- attempt 3 of 3", out)

    def test_ended_cancelled_and_single_attempt_jobs_never_run_again(self):
        ok = self.start("--max-attempts", "3", "--env", "K=v", "--", "true")
        self.assertEqual(self.wait_state(ok)["state"], "succeeded")
        self.assertFalse(os.path.exists(os.path.join(self.jobs, ok, "env")))
        once = self.start("--", "sh", "-c", self.TRAP)
        self.assertFalse(self.interrupt(once)["rerun_pending"])
        waiting = self.start("--max-attempts", "2", "--env", "K=v", "--", "sh", "-c", self.TRAP)
        self.interrupt(waiting)
        self.assertTrue(self.info(waiting)["rerun_pending"])
        self.assertIn("(runs again at restart)", self.run_job("list").stdout)
        # `cancel` on a job waiting for its re-run: it stays down.
        r = self.run_job("cancel", waiting)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"id": waiting, "state": "cancelled"})
        self.assertFalse(os.path.exists(os.path.join(self.jobs, waiting, "env")))
        self.boot("boot-2")
        self.assertEqual(self.rerun(), [])
        self.assertEqual(self.info(waiting)["state"], "cancelled")
        self.assertEqual(self.info(once)["state"], "interrupted")

    def test_a_box_that_went_down_before_the_job_ended_still_reruns_it(self):
        # The job ignores TERM and the box powers off: no exit.json, no supervisor.
        jid = self.start("--max-attempts", "2", "--", "sh", "-c", "trap '' TERM; echo ready; sleep 300")
        self.wait_log(jid, "ready")
        self.run_job("interrupt-all", "--reason", "spot interruption notice: terminate at T")
        pid = job.read_pid(os.path.join(self.jobs, jid))
        os.killpg(pid, signal.SIGKILL)
        self.assertTrue(wait_until(lambda: self.info(jid)["state"] != "running"))
        info = self.info(jid)
        self.assertEqual((info["state"], info["rerun_pending"]), ("interrupted", True))
        self.assertIsNotNone(info["finished_at"])
        self.assertFalse(os.path.exists(os.path.join(self.jobs, jid, "exit.json")))
        self.boot("boot-2")
        self.assertEqual(self.rerun(), [jid])
        self.assertTrue(wait_until(lambda: self.lines(jid, "ready") == 2))
        self.assertEqual(self.info(jid)["state"], "running")

    def test_then_stop_runs_only_after_the_last_attempt_with_the_first_ones_command(self):
        marker = os.path.join(self.tmp, "stopped")
        env = dict(self.env, GPUBOX_JOB_STOP_COMMAND="touch '%s'" % marker)
        go = "while [ ! -e '%s' ]; do sleep 0.05; done" % self.go
        jid = self.start("--max-attempts", "2", "--then", "stop", "--", "sh", "-c",
                         "trap 'exit 0' TERM; echo ready; " + go + " & wait $!", env=env)
        self.interrupt(jid)
        time.sleep(0.3)
        self.assertFalse(os.path.exists(marker))  # not over: the box stops anyway
        self.boot("boot-2")
        self.assertEqual(self.rerun(env={"PATH": "/usr/bin:/bin", "GPUBOX_JOBS_DIR": self.jobs,
                                         "GPUBOX_BOOT_ID_FILE": self.boot_file}), [jid])
        self.assertTrue(wait_until(lambda: self.lines(jid, "ready") == 2))
        open(self.go, "w").close()
        self.assertEqual(self.wait_state(jid)["state"], "succeeded")
        self.assertTrue(wait_until(lambda: os.path.exists(marker)), self.log(jid))

    def test_following_a_job_that_waits_for_its_rerun_follows_the_rerun(self):
        script = ("echo ready; trap 'exit 0' TERM; while [ ! -e '%s' ]; do sleep 0.05; done; "
                  "echo done" % self.go)
        jid = self.start("--max-attempts", "2", "--", "sh", "-c", script)
        self.interrupt(jid)
        # In the boot it was interrupted in, the box is going down: `logs -f` ends (130).
        self.assertEqual(self.run_job("logs", jid, "-f").returncode, 130)
        self.boot("boot-2")
        follow = subprocess.Popen([sys.executable, JOB_PY, "logs", jid, "-f"], env=self.env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: follow.poll() is None and follow.kill())
        time.sleep(1)
        self.assertIsNone(follow.poll(), "logs -f ended before the re-run")
        self.assertEqual(self.rerun(), [jid])
        self.assertTrue(wait_until(lambda: self.lines(jid, "ready") == 2))
        open(self.go, "w").close()
        out, err = follow.communicate(timeout=60)
        self.assertEqual(follow.returncode, 0, err)
        self.assertEqual([l for l in out.splitlines() if l in ("ready", "done")],
                         ["ready", "ready", "done"])  # both attempts, in one follow
        self.assertIn("runs again once the watchdog's first round", err)

    def test_an_unknown_boot_never_reruns(self):
        jid = self.start("--max-attempts", "2", "--", "sh", "-c", self.TRAP)
        self.interrupt(jid)
        os.unlink(self.boot_file)
        self.assertEqual(self.rerun(), [])

    @unittest.skipUnless(os.geteuid() == 0 and os.access(SYSTEM_PY, os.X_OK),
                         "dropping root for the jobs' owner needs root and /usr/bin/python3")
    def test_as_root_a_rerun_runs_as_the_owner_of_the_jobs(self):
        import pwd
        nobody = pwd.getpwnam("nobody")
        os.chmod(self.tmp, 0o755)
        os.chmod(self.boot_file, 0o644)
        os.makedirs(self.jobs, 0o700)
        os.chown(self.jobs, nobody.pw_uid, nobody.pw_gid)
        work = os.path.join(self.tmp, "work")
        os.mkdir(work)
        os.chown(work, nobody.pw_uid, nobody.pw_gid)
        as_nobody = dict(self.env, HOME=work)
        r = subprocess.run([SYSTEM_PY, JOB_PY, "start", "--max-attempts", "2", "--cwd", work,
                            "--env", "K=v", "--", "sh", "-c", "echo uid=$(id -u); " + self.TRAP],
                           env=as_nobody, capture_output=True, text=True, timeout=60,
                           user=nobody.pw_uid, group=nobody.pw_gid, extra_groups=[])
        self.assertEqual(r.returncode, 0, r.stderr)
        jid = json.loads(r.stdout)["id"]
        self.interrupt(jid)  # as root, as the watchdog does it
        self.boot("boot-2")
        r = subprocess.run([SYSTEM_PY, JOB_PY, "rerun-interrupted"], env=self.env,
                           capture_output=True, text=True, timeout=60)  # as root
        self.assertEqual(json.loads(r.stdout), [jid], r.stderr)
        self.assertTrue(wait_until(lambda: self.lines(jid, "uid=%d" % nobody.pw_uid) + self.lines(jid, "uid=0") == 2))
        self.assertEqual(self.lines(jid, "uid=%d" % nobody.pw_uid), 2, self.log(jid))
        d = os.path.join(self.jobs, jid)
        for name in os.listdir(d):
            self.assertEqual(os.stat(os.path.join(d, name)).st_uid, nobody.pw_uid, name)
        self.assertEqual(os.stat(os.path.join(self.jobs, ".rerun.lock")).st_uid, nobody.pw_uid)


class UsageTest(JobTestCase):
    def test_bad_arguments_exit_2_and_create_nothing(self):
        for args in (["start", "--id", "../x", "--", "true"], ["start", "--id", "a b", "--", "true"],
                     ["start", "--id", "..", "--", "true"], ["start", "--id", "x" * 65, "--", "true"],
                     ["start", "--id", "", "--", "true"],
                     ["start"], ["start", "--"], ["start", "--id", "x"],
                     ["start", "--env", "1X=2", "--", "true"], ["start", "--env", "NOVALUE", "--", "true"],
                     ["start", "--cwd", os.path.join(self.tmp, "missing"), "--", "true"],
                     ["start", "--then", "down", "--", "true"], ["start", "--bogus", "--", "true"],
                     ["start", "--max-attempts", "0", "--", "true"],
                     ["start", "--max-attempts", "11", "--", "true"],
                     ["start", "--max-attempts", "x", "--", "true"], ["rerun-interrupted", "x"],
                     ["list", "--bogus"], ["cancel"], ["cancel", "x", "--grace", "soon"],
                     ["logs", "a", "b"], ["interrupt-all", "--bogus"], ["frobnicate"], []):
            with self.subTest(args=args):
                r = self.run_job(*args)
                self.assertEqual(r.returncode, 2, (r.stdout, r.stderr))
                self.assertEqual(r.stdout, "")
                self.assertNotEqual(r.stderr, "")
        self.assertEqual(job.job_dirs(self.jobs), [])

    def test_a_given_id_is_used_once(self):
        jid = self.start("--id", "train.v1_a-2", "--", "true")
        self.assertEqual(jid, "train.v1_a-2")
        r = self.run_job("start", "--id", jid, "--", "true")
        self.assertEqual(r.returncode, 1)
        self.assertIn("exists", r.stderr)

    def test_command_without_double_dash(self):
        jid = self.start("sh", "-c", "exit 6")
        self.assertEqual(self.wait_state(jid)["exit_code"], 6)


if __name__ == "__main__":
    unittest.main()
