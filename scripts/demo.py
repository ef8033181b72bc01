"""gpubox's main job, end to end, on a local AWS stand-in: no AWS account, no real instance.

Starts the moto wrapper (tests/support/gpubox_moto.py) on 127.0.0.1 and a throw-away sshd on
127.0.0.1 that plays the GPU box (moto's instance addresses are invented and never connected
to: GPUBOX_SSH_CONNECT routes ssh to the local sshd), then runs
up -> ls -> ssh NAME -- uname -a -> stop -> start -> down, showing what a person would see, and
removes everything it started. Run it through scripts/demo.sh.
"""
import os
import shlex
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))

from harness import MotoServer, aws_env  # noqa: E402
from sshd import Sshd  # noqa: E402

BOLD, DIM, RESET = ("\033[1m", "\033[2m", "\033[0m") if sys.stdout.isatty() else ("", "", "")


def run(gpubox, env, *args, check=True):
    print(f"\n{BOLD}$ gpubox {' '.join(shlex.quote(a) for a in args)}{RESET}", flush=True)
    r = subprocess.run([gpubox, *args], env=env, stdin=subprocess.DEVNULL)
    if check and r.returncode != 0:
        raise SystemExit(f"demo: 'gpubox {' '.join(args)}' failed with exit code {r.returncode}")
    return r.returncode


def main():
    gpubox = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "gpubox")
    start = time.monotonic()
    home = tempfile.mkdtemp(prefix="gpubox-demo.")
    print(f"{DIM}demo: a local AWS stand-in (moto) and a local sshd as the box; "
          f"HOME={home}{RESET}")
    with MotoServer() as moto, Sshd() as box:
        env = aws_env(moto.url, home, region="us-east-1", extra={
            "GPUBOX_CALLER_IP": "203.0.113.7",          # documentation address: no lookup
            "GPUBOX_SSH_CONNECT": f"{box.host}:{box.port}",
            "GPUBOX_SSH_USER": box.user,
        })
        os.makedirs(os.path.join(home, ".ssh"), mode=0o700, exist_ok=True)
        # The "box" console prints the sshd's real host key, which `up` pins and ssh then checks.
        moto.set_behaviours(console_host_keys=[box.host_public_key])
        pub = box.key_path + ".pub"
        run(gpubox, env, "whoami")
        run(gpubox, env, "up", "demo", "--gpu", "T4", "--region", "us-east-1",
            "--key", pub, "--idle", "30m", "--wait", "ssh", "--yes")
        # The box's login key is the sshd's user key, which `up --key` imported.
        run(gpubox, env, "ls")
        run(gpubox, env, "ssh", "demo", "--", "uname", "-a")
        run(gpubox, env, "stop", "demo")
        run(gpubox, env, "ls")
        run(gpubox, env, "start", "demo")
        run(gpubox, env, "down", "demo", "--yes")
        run(gpubox, env, "ls")
    subprocess.run(["rm", "-rf", home])
    print(f"\n{DIM}demo: done in {time.monotonic() - start:.1f}s; nothing left running{RESET}")


if __name__ == "__main__":
    main()
