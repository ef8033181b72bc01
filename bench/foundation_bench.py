#!/usr/bin/env python3
"""Benchmark: gpubox vs the AWS CLI against the same loopback moto wrapper.

  python3 bench/foundation_bench.py [--gpubox build/gpubox] [--runs 15] [--check]

Starts tests/support/gpubox_moto.py on a free loopback port, warms it up, then runs each pair
(`gpubox whoami` / `aws sts get-caller-identity`, `gpubox regions` / `aws ec2 describe-regions`,
and both whoamis with a role profile whose assumed role each tool has cached)
alternately --runs times, and prints the median wall time of each, the ratio, and gpubox's
peak RSS (/usr/bin/time's %M; ru_maxrss from wait4, which also counts the forking python,
would overstate it). Issue targets: gpubox at least 20x faster per command and
peak memory under 15 MB; --check exits 1 when a target is missed.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
import harness  # noqa: E402

TIME = "/usr/bin/time"
TARGET_RATIO = 20.0
TARGET_RSS_MB = 15.0
PAIRS = [("whoami", ["whoami"], ["sts", "get-caller-identity"]),
         ("regions", ["regions"], ["ec2", "describe-regions"]),
         # A role profile (role_arn + source_profile): after the warm-up both tools answer from
         # their caches of the assumed role (gpubox: GPUBOX_HOME/credentials-cache; the CLI:
         # ~/.aws/cli/cache), so each run is one GetCallerIdentity.
         ("whoami-role", ["--profile", "ops", "whoami"],
          ["sts", "get-caller-identity", "--profile", "ops"])]


def write_role_profile(home):
    """[profile ops] assumes a role with the [base] keys, for the whoami-role pair."""
    aws_dir = os.path.join(home, ".aws")
    os.makedirs(aws_dir, exist_ok=True)
    with open(os.path.join(aws_dir, "config"), "w") as f:
        f.write("[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/ops\n"
                "source_profile = base\nregion = us-east-1\n")
    with open(os.path.join(aws_dir, "credentials"), "w") as f:
        f.write(f"[base]\naws_access_key_id = {harness.ACCESS_KEY}\n"
                f"aws_secret_access_key = {harness.SECRET_KEY}\n")


def aws_command():
    """The aws CLI entry point of this python (not a pyenv shim, whose bash start-up would skew it)."""
    script = os.path.join(os.path.dirname(sys.executable), "aws")
    if os.path.exists(script):
        return [sys.executable, script]
    return [sys.executable, "-m", "awscli"]


def peak_rss_mb(argv, env):
    """gpubox's own peak RSS in MB, measured by /usr/bin/time (a small C parent)."""
    with tempfile.NamedTemporaryFile("r", prefix="gpubox-bench-rss.") as out:
        subprocess.run([TIME, "-f", "%M", "-o", out.name, *argv], env=env, check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return int(out.read().split()[-1]) / 1024.0


def run_once(argv, env):
    """(wall seconds, peak RSS in MB as wait4 reports it) of one run; fails on a non-zero exit."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} exited {proc.returncode}: {err}")
    return wall, usage.ru_maxrss / 1024.0


def measure(gpubox, runs, env):
    aws = aws_command()
    results = []
    for name, gpubox_args, aws_args in PAIRS:
        g_argv, a_argv = [gpubox, *gpubox_args], [*aws, *aws_args, "--output", "json"]
        for _ in range(2):  # warm the server, the page cache and python's bytecode cache
            run_once(g_argv, env)
            run_once(a_argv, env)
        g_times, a_times, g_rss = [], [], []
        for _ in range(runs):
            wall, rss = run_once(g_argv, env)
            g_times.append(wall)
            g_rss.append(peak_rss_mb(g_argv, env) if os.access(TIME, os.X_OK) else rss)
            a_times.append(run_once(a_argv, env)[0])
        results.append({"name": name, "aws": " ".join(aws_args),
                        "gpubox_ms": statistics.median(g_times) * 1000,
                        "aws_ms": statistics.median(a_times) * 1000, "gpubox_rss_mb": max(g_rss)})
    return results


def report(results, runs):
    print(f"median wall time over {runs} runs each, loopback moto (python {sys.version.split()[0]})")
    print(f"{'command':11} {'gpubox ms':>10} {'aws ms':>10} {'ratio':>8} {'gpubox peak RSS':>16}   aws command")
    ok = True
    for r in results:
        ratio = r["aws_ms"] / r["gpubox_ms"]
        ok = ok and ratio >= TARGET_RATIO and r["gpubox_rss_mb"] < TARGET_RSS_MB
        print(f"{r['name']:11} {r['gpubox_ms']:10.1f} {r['aws_ms']:10.1f} {ratio:7.1f}x "
              f"{r['gpubox_rss_mb']:13.1f} MB   aws {r['aws']}")
    verdict = "met" if ok else "MISSED"
    print(f"targets (>= {TARGET_RATIO:.0f}x faster, < {TARGET_RSS_MB:.0f} MB peak RSS): {verdict}")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gpubox", default=os.environ.get("GPUBOX_BIN", os.path.join(ROOT, "build", "gpubox")))
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args()
    if not os.access(args.gpubox, os.X_OK):
        sys.exit(f"foundation_bench: no gpubox binary at {args.gpubox} (pass --gpubox)")
    with harness.MotoServer() as server, tempfile.TemporaryDirectory(prefix="gpubox-bench.") as home:
        env = harness.aws_env(server.url, home)
        write_role_profile(home)
        results = measure(os.path.abspath(args.gpubox), args.runs, env)
    ok = report(results, args.runs)
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
