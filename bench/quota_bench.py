#!/usr/bin/env python3
"""Benchmark: `gpubox quota --gpu T4 --regions all` vs the same answer assembled with the AWS CLI,
and `gpubox offers --gpu T4` end to end. Loopback only.

  python3 bench/quota_bench.py [--gpubox build/gpubox] [--runs 5] [--regions all|R1,R2]

Starts tests/support/gpubox_moto.py on a free loopback port. The AWS CLI side is what a shell
script would do for the same table: for every region, one `service-quotas get-service-quota` per
quota code (on-demand G and VT, G and VT spot) and one `ec2 describe-instances` for running and
pending instances, run one after the other. gpubox resolves codes by name (cached after the first
run, which is excluded as warm-up) and queries the regions in parallel. Prints the median wall
time of each, their ratio, and the median of `gpubox offers --gpu T4` (no AWS calls).
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

CODES = ["L-DB2E81BA", "L-3819A6DF"]  # G and VT on-demand, G and VT spot


def aws_command():
    script = os.path.join(os.path.dirname(sys.executable), "aws")
    if os.path.exists(script):
        return [sys.executable, script]
    return [sys.executable, "-m", "awscli"]


def timed(argv, env):
    start = time.perf_counter()
    r = subprocess.run(argv, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if r.returncode != 0:
        raise RuntimeError(f"{argv} failed ({r.returncode}): {r.stderr[-2000:]}")
    return elapsed, r.stdout


def region_list(gpubox, env, spec):
    if spec != "all":
        return spec.split(",")
    _, out = timed([gpubox, "regions", "--json"], env)
    import json
    return [r["region"] for r in json.loads(out)]


def aws_cli_quota(env, regions):
    start = time.perf_counter()
    for region in regions:
        for code in CODES:
            timed(aws_command() + ["service-quotas", "get-service-quota", "--service-code", "ec2",
                                   "--quota-code", code, "--region", region, "--output", "json"],
                  env)
        timed(aws_command() + ["ec2", "describe-instances", "--region", region, "--filters",
                               "Name=instance-state-name,Values=running,pending",
                               "--output", "json"], env)
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gpubox", default=os.path.join(ROOT, "build", "gpubox"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cli-runs", type=int, default=1, help="AWS CLI repetitions (slow)")
    ap.add_argument("--regions", default="all")
    args = ap.parse_args()
    gpubox = os.path.abspath(args.gpubox)
    with harness.MotoServer() as server, tempfile.TemporaryDirectory() as home:
        env = harness.aws_env(server.url, home)
        env["GPUBOX_CALLER_IP"] = "127.0.0.1"
        regions = region_list(gpubox, env, args.regions)
        quota_argv = [gpubox, "quota", "--gpu", "T4", "--regions", ",".join(regions), "--json"]
        timed(quota_argv, env)  # warm-up: fills the quota-code cache
        g = statistics.median(timed(quota_argv, env)[0] for _ in range(args.runs))
        a = statistics.median(aws_cli_quota(env, regions) for _ in range(args.cli_runs))
        offers = statistics.median(timed([gpubox, "offers", "--gpu", "T4"], env)[0]
                                   for _ in range(max(args.runs, 11)))
    print(f"regions: {len(regions)} ({3 * len(regions)} AWS calls per answer)")
    print(f"gpubox quota --gpu T4:        {g * 1000:9.1f} ms (median of {args.runs})")
    print(f"aws cli, same answer:         {a * 1000:9.1f} ms (median of {args.cli_runs})")
    print(f"ratio (aws cli / gpubox):     {a / g:9.1f}x")
    print(f"gpubox offers --gpu T4:       {offers * 1000:9.1f} ms (median)")


if __name__ == "__main__":
    main()
