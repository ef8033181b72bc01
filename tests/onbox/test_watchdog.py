"""Tests for onbox/watchdog.py: pure decide() with fake signals and a fake clock, plus collectors,
the jobs signal (real job.py jobs) and the spot interruption notice (a fake IMDSv2 on 127.0.0.1)."""
import contextlib
import http.server
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from unittest import mock

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "onbox"))
import job  # noqa: E402
import watchdog  # noqa: E402

JOB_PY = os.path.join(os.path.dirname(os.path.abspath(watchdog.__file__)), "job.py")
# No DMI data: the default metadata address (169.254.169.254) is never asked from a test.
SAFE = {"dmi_dir": "/nonexistent/gpubox/dmi/id"}

IDLE = {"state": "idle", "reason": "quiet"}
ACTIVE = {"state": "active", "reason": "busy"}
UNKNOWN = {"state": "unknown", "reason": "broken"}
CFG = {"idle_seconds": 1800, "unknown_grace_seconds": 600, "action": "shutdown"}


def signals(**over):
    """All four sources idle unless overridden."""
    s = {"jupyter": IDLE, "ssh": IDLE, "gpu": IDLE, "jobs": IDLE}
    s.update(over)
    return s


def run_clock(schedule, start, end, step=60, state=None, cfg=CFG):
    """Ticks decide() from start to end; schedule(now) gives signals; returns (first action time, action, state, status)."""
    state = dict(state or {})
    status = None
    for now in range(start, end + 1, step):
        action, state, status = watchdog.decide(schedule(now), state, now, cfg)
        if action:
            return now, action, state, status
    return None, None, state, status


class DecideTest(unittest.TestCase):
    def test_idle_for_the_whole_period_shuts_down_exactly_then(self):
        t, action, _, status = run_clock(lambda now: signals(), 0, 7200)
        self.assertEqual(action, "shutdown")
        self.assertEqual(t, 1800)
        self.assertEqual(status["acting"], "idle for 30 min")

    def test_any_single_activity_signal_prevents_the_action(self):
        for name in ("jupyter", "ssh", "gpu", "jobs"):
            with self.subTest(signal=name):
                t, action, _, status = run_clock(lambda now: signals(**{name: ACTIVE}), 0, 36000)
                self.assertIsNone(action)
                self.assertIn("%s: busy" % name, status["why_active"])
                self.assertFalse(status["idle"])

    def test_activity_resets_the_idle_clock(self):
        sched = lambda now: signals(ssh=ACTIVE) if now == 1200 else signals()
        t, action, _, _ = run_clock(sched, 0, 7200)
        self.assertEqual((t, action), (3000, "shutdown"))

    def test_recent_kernel_activity_moves_the_idle_clock(self):
        kern = lambda now: dict(IDLE, last_activity=min(now, 2000))
        t, action, _, _ = run_clock(lambda now: signals(jupyter=kern(now)), 0, 7200)
        self.assertEqual(t, 3840)  # first 60 s tick at or after 2000 + 1800
        self.assertEqual(action, "shutdown")

    def test_hard_cap_wins_over_activity_and_over_idle_off(self):
        cfg = dict(CFG, idle_seconds=None, cap_seconds=3600)
        t, action, _, status = run_clock(lambda now: signals(gpu=ACTIVE), 0, 7200,
                                         state={"cap_started": 0}, cfg=cfg)
        self.assertEqual((t, action), (3600, "shutdown"))
        self.assertEqual(status["acting"], "hard cap reached")

    def test_idle_off_never_acts_without_cap(self):
        t, action, _, status = run_clock(lambda now: signals(), 0, 100000,
                                         cfg=dict(CFG, idle_seconds=None))
        self.assertIsNone(action)
        self.assertIsNone(status["stops_at"])

    def test_a_source_unknown_past_the_grace_counts_as_idle(self):
        # Fail closed: a broken source never keeps the box (and its bill) running forever.
        t, action, _, status = run_clock(lambda now: signals(gpu=UNKNOWN), 0, 10 * 3600)
        self.assertEqual((t, action), (1800, "shutdown"))
        self.assertEqual(status["unknown"], ["gpu"])
        self.assertEqual(status["why_active"], [])
        self.assertTrue(any("counted as idle" in w for w in status["unknown_as_idle"]))

    def test_jupyter_shut_down_from_its_menu_lets_the_box_stop(self):
        # File > Shut Down exits Jupyter with status 0: from then on its API does not answer.
        sched = lambda now: signals(jupyter=UNKNOWN) if now >= 600 else signals(jupyter=ACTIVE)
        t, action, _, status = run_clock(sched, 0, 10 * 3600)
        self.assertEqual((t, action), (540 + 1800, "shutdown"))  # last active tick at 540
        self.assertEqual(status["acting"], "idle for 30 min")

    def test_unknown_within_the_grace_defers_the_action(self):
        sched = lambda now: signals(jupyter=UNKNOWN) if now >= 1500 else signals()
        t, action, _, _ = run_clock(sched, 0, 10 * 3600)
        self.assertEqual((t, action), (1500 + 660, "shutdown"))  # first tick past the grace

    def test_short_unknown_blip_neither_acts_nor_extends_the_box(self):
        sched = lambda now: signals(jupyter=UNKNOWN) if 1700 <= now <= 1860 else signals()
        t, action, _, _ = run_clock(sched, 0, 7200)
        self.assertEqual((t, action), (1920, "shutdown"))

    def test_a_running_job_keeps_the_box_up_for_hours_but_not_past_the_cap(self):
        running = {"state": "active", "reason": "1 job running: python train.py"}
        t, action, _, status = run_clock(lambda now: signals(jobs=running), 0, 12 * 3600)
        self.assertIsNone(action)
        self.assertEqual(status["why_active"], ["jobs: 1 job running: python train.py"])
        # ...until the training ends: then the usual idle period.
        sched = lambda now: signals(jobs=running) if now < 5000 else signals()
        t, action, _, _ = run_clock(sched, 0, 12 * 3600)
        self.assertEqual((t, action), (4980 + 1800, "shutdown"))
        cfg = dict(CFG, cap_seconds=3600)
        t, action, _, _ = run_clock(lambda now: signals(jobs=running), 0, 7200,
                                    state={"cap_started": 0}, cfg=cfg)
        self.assertEqual((t, action), (3600, "shutdown"))

    def test_byo_mode_stops_services(self):
        cfg = dict(CFG, action="stop_services", mode="byo")
        _, action, _, status = run_clock(lambda now: signals(), 0, 7200, cfg=cfg)
        self.assertEqual(action, "stop_services")
        self.assertEqual(status["mode"], "byo")

    def test_status_reports_idle_since_and_stop_time(self):
        state = {"cap_started": 0}
        cfg = dict(CFG, cap_seconds=7200)
        _, state, _ = watchdog.decide(signals(), state, 100, cfg)
        _, _, status = watchdog.decide(signals(), state, 700, cfg)
        self.assertEqual(status["idle_since"], watchdog.iso(100))
        self.assertEqual(status["idle_for_seconds"], 600)
        self.assertEqual(status["stops_at"], watchdog.iso(1900))
        self.assertEqual(status["hard_cap_at"], watchdog.iso(7200))


class TickTest(unittest.TestCase):
    def test_tick_writes_status_file_and_runs_the_action_command(self):
        with tempfile.TemporaryDirectory() as d:
            marker = os.path.join(d, "shutdown-called")
            cfg = dict(watchdog.DEFAULTS, **SAFE, idle_seconds=60, status_path=os.path.join(d, "status.json"),
                       state_path=os.path.join(d, "state.json"),
                       shutdown_cmd=[sys.executable, "-c", "open(%r, 'w').close()" % marker])
            self.assertIsNone(watchdog.tick(cfg, now=1000, signals=signals()))
            with open(cfg["status_path"]) as f:
                status = json.load(f)
            self.assertEqual(status["version"], 1)
            self.assertEqual(status["idle_since"], watchdog.iso(1000))
            self.assertEqual(status["stops_at"], watchdog.iso(1060))
            self.assertFalse(os.path.exists(marker))
            self.assertEqual(watchdog.tick(cfg, now=1060, signals=signals()), "shutdown")
            self.assertTrue(os.path.exists(marker))
            with open(cfg["status_path"]) as f:
                self.assertEqual(json.load(f)["acting"], "idle for 1 min")

    def test_state_from_an_earlier_boot_is_discarded(self):
        with tempfile.TemporaryDirectory() as d:
            boot = os.path.join(d, "boot_id")
            with open(boot, "w") as f:
                f.write("new-boot\n")
            cfg = dict(watchdog.DEFAULTS, **SAFE, idle_seconds=60, boot_id_path=boot,
                       state_path=os.path.join(d, "state.json"),
                       shutdown_cmd=[sys.executable, "-c", "raise SystemExit(3)"])
            watchdog.write_json(cfg["state_path"], {"boot_id": "old-boot", "last_active": 0})
            self.assertIsNone(watchdog.tick(cfg, now=100000, signals=signals()))
            with open(cfg["state_path"]) as f:
                self.assertEqual(json.load(f), {"boot_id": "new-boot", "last_active": 100000,
                                                "unknown_since": {}})
            self.assertEqual(watchdog.tick(cfg, now=100060, signals=signals()), "shutdown")


PROC_TCP = """  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1
   1: 0100007F:0016 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000     0        0 2 1
   2: 0100007F:A1B2 0100007F:0016 01 00000000:00000000 00:00000000 00000000     0        0 3 1
   3: 0100007F:22B8 0100007F:C000 01 00000000:00000000 00:00000000 00000000     0        0 4 1
"""


class CollectorTest(unittest.TestCase):
    def test_counts_only_established_connections_to_the_ssh_port(self):
        self.assertEqual(watchdog.count_established({22}, [PROC_TCP]), 1)
        self.assertEqual(watchdog.count_established({8888}, [PROC_TCP]), 1)
        self.assertEqual(watchdog.count_established({2222}, [PROC_TCP]), 0)

    def test_gpu_utilisation_threshold_and_missing_or_broken_nvidia_smi(self):
        class P:
            def __init__(self, rc, out):
                self.returncode, self.stdout, self.stderr = rc, out, "boom"
        self.assertEqual(watchdog.collect_gpu(5, lambda *a, **k: P(0, "0\n80\n"))["state"], "active")
        self.assertEqual(watchdog.collect_gpu(5, lambda *a, **k: P(0, "1\n2\n"))["state"], "idle")
        self.assertEqual(watchdog.collect_gpu(5, lambda *a, **k: P(9, ""))["state"], "unknown")

        def missing(*a, **k):
            raise FileNotFoundError("nvidia-smi")
        self.assertEqual(watchdog.collect_gpu(5, missing)["state"], "absent")

    def test_jupyter_api_with_token_busy_kernel_and_unreachable_server(self):
        seen = []
        kernels = [{"id": "k1", "execution_state": "idle", "last_activity": "2024-01-02T03:04:05.5Z"},
                   {"id": "k2", "execution_state": "busy", "last_activity": "2024-01-02T03:00:00Z"}]

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append((self.path, self.headers.get("Authorization")))
                body = json.dumps(kernels).encode()
                self.send_response(200)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass
        srv = http.server.HTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        with tempfile.NamedTemporaryFile("w", delete=False) as tok:
            tok.write("s3cret\n")
        try:
            url = "http://127.0.0.1:%d" % srv.server_port
            sig = watchdog.collect_jupyter(url, tok.name, 0)
            self.assertEqual(sig["state"], "active")
            self.assertEqual(sig["last_activity"], watchdog.parse_iso("2024-01-02T03:04:05Z"))
            self.assertEqual(seen, [("/api/kernels", "token s3cret")])
            kernels[1]["execution_state"] = "idle"
            self.assertEqual(watchdog.collect_jupyter(url, tok.name, 0)["state"], "idle")
        finally:
            srv.shutdown()
            srv.server_close()
        self.assertEqual(watchdog.collect_jupyter(url, tok.name, 0)["state"], "unknown")
        os.unlink(tok.name)

    def test_jupyter_api_over_a_unix_socket(self):
        import socketserver
        seen = []

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append((self.path, self.headers.get("Authorization")))
                body = json.dumps([{"id": "k", "execution_state": "busy"}]).encode()
                self.send_response(200)
                self.end_headers()
                self.wfile.write(body)

            def address_string(self):
                return "unix"

            def log_message(self, *a):
                pass

        class UnixHTTPServer(socketserver.UnixStreamServer):
            pass

        d = tempfile.mkdtemp()
        sock = os.path.join(d, "jupyter.sock")
        srv = UnixHTTPServer(sock, H)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        tok = os.path.join(d, "token")
        with open(tok, "w") as f:
            f.write("s3cret\n")
        try:
            # The TCP URL points at nothing: only the socket can answer.
            sig = watchdog.collect_jupyter("http://127.0.0.1:9", tok, 0, sock=sock)
            self.assertEqual(sig["state"], "active", sig)
            self.assertEqual(seen, [("/api/kernels", "token s3cret")])
        finally:
            srv.shutdown()
            srv.server_close()
        self.assertEqual(watchdog.collect_jupyter("", tok, 0, sock=sock)["state"], "unknown")
        shutil.rmtree(d)


def wait_until(pred, seconds=30):
    end = time.time() + seconds
    while not pred():
        if time.time() > end:
            return False
        time.sleep(0.05)
    return True


class JobsTestCase(unittest.TestCase):
    """A temporary jobs directory with real job.py jobs, killed at the end if still running."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gpubox-watchdog-jobs-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.jobs = os.path.join(self.tmp, "jobs")
        self.addCleanup(self.kill_jobs)

    def kill_jobs(self):
        for d in job.job_dirs(self.jobs):
            pid = job.read_pid(d)
            if pid and job.supervisor_alive(pid, d):
                for kill in (os.killpg, os.kill):  # its group; itself, had it no group of its own
                    try:
                        kill(pid, signal.SIGKILL)
                    except OSError:
                        pass

    def start(self, *argv):
        r = subprocess.run([sys.executable, JOB_PY, "start", "--", *argv], capture_output=True,
                           text=True, timeout=60, env=dict(os.environ, GPUBOX_JOBS_DIR=self.jobs))
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)["id"]

    def state(self, jid):
        return job.job_info(os.path.join(self.jobs, jid))["state"]

    def log(self, jid):
        with open(os.path.join(self.jobs, jid, "output.log")) as f:
            return f.read()


class JobsSignalTest(JobsTestCase):
    def cfg(self):
        return dict(watchdog.DEFAULTS, **SAFE, jobs_dir=self.jobs, token_file="")

    def test_absent_without_a_jobs_dir_active_while_a_job_runs_idle_after(self):
        self.assertEqual(watchdog.collect(self.cfg(), 0)["jobs"]["state"], "absent")
        go = os.path.join(self.tmp, "GO")
        jid = self.start("sh", "-c", "while [ ! -e %s ]; do sleep 0.05; done" % go)
        sig = watchdog.collect(self.cfg(), 0)["jobs"]
        self.assertEqual(sig["state"], "active")
        self.assertTrue(sig["reason"].startswith("1 job running: sh -c while"), sig)
        open(go, "w").close()
        self.assertTrue(wait_until(lambda: self.state(jid) == "succeeded"))
        self.assertEqual(watchdog.collect(self.cfg(), 0)["jobs"],
                         {"state": "idle", "reason": "no job running"})

    def test_a_running_job_keeps_a_real_tick_from_stopping_the_box(self):
        jid = self.start("sleep", "300")
        marker = os.path.join(self.tmp, "shutdown-called")
        cfg = dict(self.cfg(), idle_seconds=60, status_path=os.path.join(self.tmp, "status.json"),
                   state_path=os.path.join(self.tmp, "state.json"), ssh_ports=[1],
                   shutdown_cmd=[sys.executable, "-c", "open(%r, 'w').close()" % marker])
        with mock.patch.object(watchdog, "collect_gpu", lambda t: IDLE):
            for now in (1000, 1060, 5000):
                self.assertIsNone(watchdog.tick(cfg, now=now))
            with open(cfg["status_path"]) as f:
                self.assertEqual(json.load(f)["why_active"], ["jobs: 1 job running: sleep 300"])
            self.assertFalse(os.path.exists(marker))
            job.cancel(os.path.join(self.jobs, jid), grace=5)
            with contextlib.redirect_stderr(io.StringIO()):
                self.assertIsNone(watchdog.tick(cfg, now=5030))  # idle since 5000, the job's end
                self.assertEqual(watchdog.tick(cfg, now=5060), "shutdown")
            self.assertTrue(wait_until(lambda: os.path.exists(marker)))

    def test_reason_names_the_commands(self):
        os.makedirs(self.jobs)
        running = [{"id": "a", "argv": ["python", "train.py"]}, {"id": "b", "argv": ["x" * 80]}]
        with mock.patch.object(job, "running_jobs", lambda d: running):
            sig = job.collect_jobs(self.jobs)
        self.assertEqual(sig, {"state": "active",
                               "reason": "2 jobs running: python train.py, %s..." % ("x" * 57)})

    def test_a_jobs_dir_that_cannot_be_read_is_unknown(self):
        os.makedirs(self.jobs)

        def broken(d):
            raise OSError("permission denied")
        with mock.patch.object(job, "running_jobs", broken):
            sig = job.collect_jobs(self.jobs)
        self.assertEqual(sig["state"], "unknown")
        self.assertIn("permission denied", sig["reason"])

    def test_without_job_py_beside_it_the_watchdog_works_as_before(self):
        os.makedirs(self.jobs)
        with mock.patch.object(watchdog, "job", None):
            self.assertEqual(watchdog.collect(self.cfg(), 0)["jobs"]["state"], "absent")
            cfg = dict(self.cfg(), status_path=os.path.join(self.tmp, "status.json"))
            watchdog.tick(cfg, now=1000, signals=signals())
        with open(cfg["status_path"]) as f:
            self.assertIsNone(json.load(f)["spot_interruption"])


class FakeImds:
    """IMDSv2 on 127.0.0.1: PUT /latest/api/token (needs the TTL header), then GET
    spot/instance-action with that token: 404 until `notice` is set, then 200 with it."""

    def __init__(self):
        self.notice = None
        self.requests = []
        self.token = "tok-" + os.urandom(4).hex()
        imds = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_PUT(self):
                imds.requests.append(("PUT", self.path, self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")))
                if self.path != "/latest/api/token" or not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                    return self.reply(400, b"")
                self.reply(200, imds.token.encode())

            def do_GET(self):
                imds.requests.append(("GET", self.path, self.headers.get("X-aws-ec2-metadata-token")))
                if self.headers.get("X-aws-ec2-metadata-token") != imds.token:
                    return self.reply(401, b"")
                if self.path != "/latest/meta-data/spot/instance-action" or imds.notice is None:
                    return self.reply(404, b"<html>Not Found</html>")
                self.reply(200, json.dumps(imds.notice).encode())

            def reply(self, code, body):
                self.send_response(code)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass
        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d" % self.srv.server_port
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


class SpotInterruptionTest(JobsTestCase):
    def setUp(self):
        super().setUp()
        self.imds = FakeImds()
        self.addCleanup(self.imds.close)
        self.boot = os.path.join(self.tmp, "boot_id")
        with open(self.boot, "w") as f:
            f.write("boot-1\n")
        self.cfg = dict(watchdog.DEFAULTS, **SAFE, mode="aws", imds_url=self.imds.url,
                        jobs_dir=self.jobs, boot_id_path=self.boot,
                        status_path=os.path.join(self.tmp, "status.json"),
                        state_path=os.path.join(self.tmp, "state.json"),
                        shutdown_cmd=[sys.executable, "-c", "raise SystemExit(3)"])

    def tick(self, now):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            watchdog.tick(self.cfg, now=now, signals=signals())
        with open(self.cfg["status_path"]) as f:
            return json.load(f), err.getvalue()

    def test_no_notice_404_leaves_the_jobs_alone(self):
        jid = self.start("sleep", "300")
        status, err = self.tick(1000)
        self.assertIsNone(status["spot_interruption"])
        self.assertEqual(err, "")
        self.assertEqual([r[0] for r in self.imds.requests], ["PUT", "GET"])
        self.assertEqual(self.imds.requests[0], ("PUT", "/latest/api/token", "21600"))
        self.assertEqual(self.imds.requests[1],
                         ("GET", "/latest/meta-data/spot/instance-action", self.imds.token))
        self.assertEqual(self.state(jid), "running")
        self.assertFalse(os.path.exists(os.path.join(self.jobs, jid, "interrupt")))

    def test_a_notice_interrupts_running_jobs_once_and_stays_in_the_status_until_a_new_boot(self):
        jid = self.start("sh", "-c", "trap 'echo got TERM, checkpointing; exit 0' TERM; echo ready; "
                         "while :; do sleep 0.1; done")
        self.assertTrue(wait_until(lambda: "ready" in self.log(jid)))
        self.imds.notice = {"action": "terminate", "time": "2026-12-07T22:10:00Z"}
        status, err = self.tick(1000)
        self.assertEqual(status["spot_interruption"], {"action": "terminate", "time": "2026-12-07T22:10:00Z",
                                                       "seen_at": watchdog.iso(1000)})
        self.assertIn("spot interruption notice: terminate at 2026-12-07T22:10:00Z", err)
        self.assertIn(jid, err)
        self.assertTrue(wait_until(lambda: self.state(jid) == "interrupted"), self.state(jid))
        log = self.log(jid)
        self.assertIn("got TERM, checkpointing", log)
        self.assertIn("spot interruption notice: terminate at 2026-12-07T22:10:00Z", log)
        with open(os.path.join(self.jobs, jid, "exit.json")) as f:
            self.assertEqual(json.load(f)["exit_code"], 0)
        # The next ticks keep the first sighting and log nothing more.
        status, err = self.tick(1060)
        self.assertEqual(status["spot_interruption"]["seen_at"], watchdog.iso(1000))
        self.assertEqual(err, "")
        self.assertEqual(self.log(jid).count("spot interruption notice"), 1)
        # Metadata unreachable: the notice already seen stays.
        self.cfg["imds_url"] = "http://127.0.0.1:9"
        status, _ = self.tick(1120)
        self.assertEqual(status["spot_interruption"]["action"], "terminate")
        # A new boot (a persistent spot box restarted) starts without it.
        with open(self.boot, "w") as f:
            f.write("boot-2\n")
        status, _ = self.tick(5000)
        self.assertIsNone(status["spot_interruption"])

    def test_after_a_restart_the_first_round_reruns_a_job_started_to_retry(self):
        # A persistent spot box: the notice (stop), the box stops, AWS starts it again later.
        r = subprocess.run([sys.executable, JOB_PY, "start", "--max-attempts", "3", "--", "sh", "-c",
                            "trap 'echo saved; exit 0' TERM; echo ready; while :; do sleep 0.1; done"],
                           capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, GPUBOX_JOBS_DIR=self.jobs, GPUBOX_BOOT_ID_FILE=self.boot))
        self.assertEqual(r.returncode, 0, r.stderr)
        jid = json.loads(r.stdout)["id"]
        plain = self.start("sh", "-c", "trap 'exit 0' TERM; echo ready; while :; do sleep 0.1; done")
        for j in (jid, plain):
            self.assertTrue(wait_until(lambda: "ready" in self.log(j)))
        self.imds.notice = {"action": "stop", "time": "2026-12-07T22:10:00Z"}
        self.tick(1000)
        self.assertTrue(wait_until(lambda: self.state(jid) == self.state(plain) == "interrupted"))
        _, err = self.tick(1060)  # the same boot: the box is going down, nothing runs again
        self.assertNotIn("run again", err)
        self.assertEqual(self.state(jid), "interrupted")
        with open(self.boot, "w") as f:
            f.write("boot-2\n")
        self.imds.notice = None  # a restarted instance has no notice
        status, err = self.tick(5000)
        self.assertIsNone(status["spot_interruption"])
        self.assertIn("the box restarted: interrupted jobs run again: %s" % jid, err)
        self.assertEqual(self.state(jid), "running")
        self.assertEqual(self.state(plain), "interrupted")  # started without --max-attempts
        self.assertTrue(wait_until(lambda: self.log(jid).splitlines().count("ready") == 2))
        _, err = self.tick(5060)
        self.assertNotIn("run again", err)
        self.assertEqual(job.job_info(os.path.join(self.jobs, jid))["attempt"], 2)

    def test_a_notice_with_no_job_running_is_still_recorded(self):
        self.imds.notice = {"action": "stop", "time": "2026-12-07T22:12:00Z"}
        status, err = self.tick(1000)
        self.assertEqual(status["spot_interruption"]["action"], "stop")
        self.assertIn("jobs interrupted: none", err)

    def test_not_asked_outside_aws_mode_nor_when_off(self):
        self.imds.notice = {"action": "terminate", "time": "2026-12-07T22:10:00Z"}
        self.cfg["mode"] = "byo"
        self.assertIsNone(self.tick(1000)[0]["spot_interruption"])
        self.cfg.update(mode="aws", imds_url="off")
        self.assertIsNone(self.tick(1060)[0]["spot_interruption"])
        self.assertEqual(self.imds.requests, [])

    def test_broken_metadata_answers_are_no_notice(self):
        for notice in ("not json", ["a list"], {"no": "action"}):
            with self.subTest(notice=notice):
                self.imds.notice = notice
                self.assertIsNone(job.fetch_spot_notice(self.imds.url))
        self.imds.notice = {"action": "hibernate", "time": "t"}
        self.assertEqual(job.fetch_spot_notice(self.imds.url), {"action": "hibernate", "time": "t"})
        self.assertIsNone(job.fetch_spot_notice(self.imds.url + "/nothing-here"))
        self.assertIsNone(job.fetch_spot_notice("http://127.0.0.1:9", timeout=1))
        # A fetch that raises is no notice and no crash either.

        def boom(url, timeout):
            raise RuntimeError("boom")
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            self.assertIsNone(job.check_spot(self.cfg, None, 0, fetch=boom))
        self.assertIn("spot check failed: boom", err.getvalue())

    def test_the_default_address_is_asked_only_on_ec2(self):
        sys_dir = os.path.join(self.tmp, "sys")
        dmi = os.path.join(sys_dir, "devices", "virtual", "dmi", "id")
        os.makedirs(dmi)
        cfg = dict(watchdog.DEFAULTS, mode="aws", dmi_dir=dmi)
        spot_url = lambda cfg, env={}: job.spot_url(cfg, environ=env)  # noqa: E731
        self.assertIsNone(spot_url(cfg))
        with open(os.path.join(dmi, "sys_vendor"), "w") as f:
            f.write("Amazon EC2\n")
        self.assertEqual(spot_url(cfg), "http://169.254.169.254")
        os.unlink(os.path.join(dmi, "sys_vendor"))
        with open(os.path.join(dmi, "board_asset_tag"), "w") as f:
            f.write("i-0123456789abcdef0\n")
        self.assertEqual(spot_url(cfg), "http://169.254.169.254")
        os.unlink(os.path.join(dmi, "board_asset_tag"))
        self.assertIsNone(spot_url(cfg))
        os.makedirs(os.path.join(sys_dir, "hypervisor"))
        with open(os.path.join(sys_dir, "hypervisor", "uuid"), "w") as f:
            f.write("EC2E1916-9099-7CAF-FD21-012345678901\n")  # a Xen instance (t2, m4, ...)
        self.assertEqual(spot_url(cfg), "http://169.254.169.254")
        self.assertEqual(spot_url(dict(cfg, mode="byo")), None)
        self.assertEqual(spot_url(dict(cfg, imds_url="http://127.0.0.1:8/")),
                         "http://127.0.0.1:8")
        self.assertIsNone(spot_url(dict(cfg, imds_url="off")))
        self.assertIsNone(spot_url(dict(cfg, imds_url="")))
        # The environment wins: GPUBOX_IMDS_URL (a test's fake, or off) and the AWS SDKs' switch.
        self.assertEqual(spot_url(cfg, {"GPUBOX_IMDS_URL": "http://127.0.0.1:7"}), "http://127.0.0.1:7")
        self.assertIsNone(spot_url(cfg, {"GPUBOX_IMDS_URL": "off"}))
        self.assertIsNone(spot_url(cfg, {"AWS_EC2_METADATA_DISABLED": "True"}))


if __name__ == "__main__":
    unittest.main()
