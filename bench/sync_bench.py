#!/usr/bin/env python3
"""Benchmark: `gpubox push` of a 10,000-file workdir, then a re-sync with nothing changed, over
the managed ssh to a loopback box whose link has an added round-trip delay. Loopback only.

  python3 bench/sync_bench.py [--gpubox build/gpubox] [--files 10000] [--delay-ms 100]

An unprivileged loopback sshd is a bring-your-own box (`gpubox add`, which bootstraps it: Debian's
Jupyter must be installed). In front of it, a TCP relay delays every chunk by half of --delay-ms
in each direction (a round trip costs the delay; data still streams). Each command runs once with
no delay and once with it; the number reported is

    round trips = (wall time with the delay - wall time without) / delay

for `push` (the first, full copy), the no-change re-sync, and `ssh NAME -- true`, which is what
any ssh connection costs (key exchange, authentication, the session). Issue 12's target: the
no-change re-sync takes about one rsync round trip beyond the connection, and sends no file.
"""
import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from sshd import Sshd, stop_box_services  # noqa: E402


class DelayRelay:
    """A loopback TCP relay to `port`: every chunk is sent on `delay`/2 seconds after it arrived
    (scheduled, not slept in line, so a stream keeps its throughput)."""

    def __init__(self, port):
        self.upstream = port
        self.delay = 0.0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            client, _ = self.sock.accept()
            server = socket.create_connection(("127.0.0.1", self.upstream))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self.pipe, args=(a, b), daemon=True).start()

    def pipe(self, src, dst):
        queue, cond = [], threading.Condition()

        def sender():
            while True:
                with cond:
                    while not queue:
                        cond.wait()
                    due, data = queue.pop(0)
                time.sleep(max(0.0, due - time.monotonic()))
                if data is None:
                    dst.shutdown(socket.SHUT_WR)
                    return
                dst.sendall(data)
        threading.Thread(target=sender, daemon=True).start()
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            with cond:
                queue.append((time.monotonic() + self.delay / 2, data or None))
                cond.notify()
            if not data:
                return


def make_tree(root, n):
    rnd = random.Random(7)
    for k in range(n):
        d = os.path.join(root, f"d{k % 100:02d}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"f{k:05d}.txt"), "wb") as f:
            f.write(rnd.randbytes(rnd.randint(100, 4000)))


def timed(gpubox, env, *args):
    start = time.perf_counter()
    r = subprocess.run([gpubox, *args], env=env, capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=1200)
    wall = time.perf_counter() - start
    if r.returncode != 0:
        raise RuntimeError(f"gpubox {' '.join(args)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    return wall, r.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gpubox", default=os.path.join(ROOT, "build", "gpubox"))
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--delay-ms", type=float, default=100.0)
    a = ap.parse_args()
    delay = a.delay_ms / 1000.0
    tmp = tempfile.mkdtemp(prefix="gpubox-sync-bench.")
    box_home = os.path.join(tmp, "box")
    os.makedirs(box_home)
    sshd = Sshd(home=box_home, env={"GPUBOX_NO_SYSTEMD": "1"})
    info = sshd.start()
    relay = DelayRelay(info.port)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.path.join(tmp, "home"),
           "GPUBOX_HOME": os.path.join(tmp, "gpubox"), "GPUBOX_CALLER_IP": "127.0.0.1",
           "LANG": "C.UTF-8"}
    try:
        timed(a.gpubox, env, "add", "lab", f"ssh://{info.user}@127.0.0.1:{relay.port}",
              "--key", info.key_path)
        src = os.path.join(tmp, "work")
        make_tree(src, a.files)
        rows = {}
        for label, d in (("no delay", 0.0), (f"+{a.delay_ms:g} ms", delay)):
            relay.delay = d
            dest = "bench-" + ("0" if d == 0 else "d")
            full, out_full = timed(a.gpubox, env, "push", "lab", src + "/", dest, "--json")
            again, out_again = timed(a.gpubox, env, "push", "lab", src + "/", dest, "--json")
            ssh, _ = timed(a.gpubox, env, "ssh", "lab", "--", "true")
            rows[label] = (full, again, ssh, json.loads(out_full), json.loads(out_again))
        (f0, a0, s0, full0, again0), (fd, ad, sd, _, againd) = rows.values()
        print(f"{a.files} files, {full0['bytes_sent']:,} bytes on the first push")
        print(f"{'':28}{'no delay':>10}{'+' + format(a.delay_ms, 'g') + ' ms':>12}{'round trips':>13}")
        for name, x0, xd in (("push (full copy)", f0, fd), ("push again (no change)", a0, ad),
                             ("ssh lab -- true", s0, sd)):
            print(f"{name:28}{x0:>9.2f}s{xd:>11.2f}s{(xd - x0) / delay:>13.1f}")
        rsync_rtts = ((ad - a0) - (sd - s0)) / delay
        print(f"no-change re-sync: {again0['files_transferred']} files sent "
              f"({againd['files_transferred']} with the delay), {again0['bytes_sent']:,} bytes; "
              f"{rsync_rtts:.1f} round trips beyond the ssh connection (target: about 1)")
        print(f"re-sync / full copy, no delay: {a0 / f0:.2f}")
    finally:
        stop_box_services(box_home)
        sshd.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
