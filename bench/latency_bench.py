#!/usr/bin/env python3
"""Benchmark: dependent AWS round trips of `up --wait running`, `down`, `ls --all-regions` and
`quota`, measured behind a proxy that delays every request. Loopback only.

  python3 bench/latency_bench.py [--gpubox build/gpubox] [--delay-ms 250] [--runs 1]

Starts tests/support/gpubox_moto.py on a free loopback port and, in front of it, a loopback HTTP
proxy that holds every request for a fixed delay before forwarding it (real AWS is 50-200 ms a
call, more to far regions). Each command runs once with no delay and once with the delay, in a
fresh HOME each time (so `up` runs cold: no quota-code or region cache), then again warm in the
same HOME; moto's region backends are warmed up first. The number reported (median of --runs) is

    round trips = (wall time with the delay - wall time without) / delay

that is, how many requests the command waited for one after the other: parallel requests count
once. Targets (issue 9 section 11): up <= 8, down <= 6, ls --all-regions <= 3. Also prints how
many requests each command sent in all.
"""
import argparse
import http.client
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
import harness  # noqa: E402

TARGETS = {"up --wait running": 8, "down": 6, "ls --all-regions": 3}


class DelayProxy:
    """A loopback HTTP proxy: every request waits `delay` seconds, then goes to `upstream`."""

    def __init__(self, upstream_port):
        self.delay = 0.0
        self.count = 0
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                self.forward()

            def do_GET(self):
                self.forward()

            def do_PUT(self):
                self.forward()

            def forward(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                with proxy.lock:
                    proxy.count += 1
                time.sleep(proxy.delay)
                conn = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=120)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                conn.close()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("content-length", "connection", "transfer-encoding",
                                         "date", "server"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def run(gpubox, args, env):
    start = time.perf_counter()
    r = subprocess.run([gpubox, *args], env=env, capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=600)
    wall = time.perf_counter() - start
    if r.returncode != 0:
        raise RuntimeError(f"gpubox {' '.join(args)} failed ({r.returncode}):\n{r.stderr[-3000:]}")
    return wall


def session(gpubox, proxy, delay, home, name="lab"):
    """Wall time and request count of each command, cold then warm, at `delay` seconds."""
    proxy.delay = delay
    env = harness.aws_env(f"http://127.0.0.1:{proxy.port}", home,
                          extra={"GPUBOX_CALLER_IP": "203.0.113.5"})
    os.makedirs(os.path.join(home, ".ssh"), mode=0o700, exist_ok=True)
    key = os.path.join(home, ".ssh", "id_ed25519")
    if not os.path.exists(key):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
    steps = [("up --wait running", ["up", name, "--type", "g4dn.xlarge", "--wait", "running",
                                    "--yes"]),
             ("down", ["down", name, "--yes"]),
             ("ls --all-regions", ["ls", "--all-regions"]),
             ("quota", ["quota", "--type", "g4dn.xlarge"])]
    out = {}
    for warmth in ("cold", "warm"):
        for name, args in steps:
            before = proxy.count
            wall = run(gpubox, args, env)
            out[(name, warmth)] = (wall, proxy.count - before)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gpubox", default=os.path.join(ROOT, "build", "gpubox"))
    ap.add_argument("--delay-ms", type=float, default=250.0)
    ap.add_argument("--runs", type=int, default=3, help="median of this many runs")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args()
    delay = args.delay_ms / 1000.0
    tmp = tempfile.mkdtemp(prefix="gpubox-latency-bench.")
    trips, walls, walls0, counts = {}, {}, {}, {}
    try:
        with harness.MotoServer() as moto, DelayProxy(moto.port) as proxy:
            # moto builds each region's backend on first use (seconds each): warm them all up
            # first, so that no measured run pays for it.
            session(args.gpubox, proxy, 0.0, os.path.join(tmp, "warmup"), "warmup")
            for run_no in range(args.runs):
                base = session(args.gpubox, proxy, 0.0, os.path.join(tmp, f"base{run_no}"),
                               f"base{run_no}")
                slow = session(args.gpubox, proxy, delay, os.path.join(tmp, f"slow{run_no}"),
                               f"slow{run_no}")
                for key, (wall, count) in slow.items():
                    trips.setdefault(key, []).append((wall - base[key][0]) / delay)
                    walls.setdefault(key, []).append(wall)
                    walls0.setdefault(key, []).append(base[key][0])
                    counts[key] = count
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows = []
    for (name, warmth) in trips:
        key = (name, warmth)
        rows.append({"command": name, "run": warmth, "requests": counts[key],
                     "wall_s": round(statistics.median(walls[key]), 3),
                     "wall_no_delay_s": round(statistics.median(walls0[key]), 3),
                     "round_trips": round(statistics.median(trips[key]), 2),
                     "target": TARGETS.get(name)})
    if args.json:
        print(json.dumps({"delay_ms": args.delay_ms, "results": rows}, indent=1))
        return 0
    print(f"delay per request: {args.delay_ms:.0f} ms (loopback proxy in front of gpubox_moto), "
          f"median of {args.runs} runs")
    print(f"{'command':<20} {'run':<5} {'requests':>8} {'wall s':>8} {'no-delay s':>10} "
          f"{'round trips':>11} {'target':>7}")
    for r in rows:
        target = f"<= {r['target']}" if r["target"] else "-"
        print(f"{r['command']:<20} {r['run']:<5} {r['requests']:>8} {r['wall_s']:>8.2f} "
              f"{r['wall_no_delay_s']:>10.2f} {r['round_trips']:>11.2f} {target:>7}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
