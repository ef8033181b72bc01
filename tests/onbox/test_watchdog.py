"""Tests for onbox/watchdog.py: pure decide() with fake signals and a fake clock, plus collectors."""
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "onbox"))
import watchdog  # noqa: E402

IDLE = {"state": "idle", "reason": "quiet"}
ACTIVE = {"state": "active", "reason": "busy"}
UNKNOWN = {"state": "unknown", "reason": "broken"}
CFG = {"idle_seconds": 1800, "unknown_grace_seconds": 600, "action": "shutdown"}


def signals(**over):
    """All three sources idle unless overridden."""
    s = {"jupyter": IDLE, "ssh": IDLE, "gpu": IDLE}
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
        for name in ("jupyter", "ssh", "gpu"):
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
            cfg = dict(watchdog.DEFAULTS, idle_seconds=60, status_path=os.path.join(d, "status.json"),
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
            cfg = dict(watchdog.DEFAULTS, idle_seconds=60, boot_id_path=boot,
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


if __name__ == "__main__":
    unittest.main()
