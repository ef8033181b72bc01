#!/usr/bin/env python3
"""Benchmark: `gpubox ls --all-regions` vs the same listing with the AWS CLI. Loopback only.

  python3 bench/ls_bench.py [--gpubox build/gpubox] [--runs 5]

Starts tests/support/gpubox_moto.py on a free loopback port and creates one gpubox-tagged
instance (with boto3) in each of 10 regions. The AWS CLI side is what a person would script: one
`aws ec2 describe-instances --filters Name=tag-key,Values=gpubox:box` per enabled region, one
after the other. gpubox lists every enabled region in parallel from one process.

Also prints gpubox's own CPU time (user+sys, i.e. the time not spent waiting for the server)
next to the median of a single DescribeInstances round trip made with boto3 in a warm process,
to show how close gpubox's own work is to one round trip.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
import harness  # noqa: E402

REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2",
           "eu-central-1", "ap-northeast-1", "ap-southeast-2", "ca-central-1"]


def aws_command():
    script = os.path.join(os.path.dirname(sys.executable), "aws")
    return [sys.executable, script] if os.path.exists(script) else [sys.executable, "-m", "awscli"]


def run(argv, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    r = subprocess.run(argv, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise RuntimeError(f"{argv} failed ({r.returncode}): {r.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, r.stdout


def seed_boxes(moto, env):
    import boto3
    for i, region in enumerate(REGIONS):
        ec2 = boto3.client("ec2", region_name=region, endpoint_url=moto.url,
                           aws_access_key_id=harness.ACCESS_KEY,
                           aws_secret_access_key=harness.SECRET_KEY)
        tags = [{"Key": "gpubox:box", "Value": f"bench-{i}"}, {"Key": "Name", "Value": f"gpubox-bench-{i}"}]
        ec2.run_instances(ImageId="ami-12345678", InstanceType="g4dn.xlarge", MinCount=1,
                          MaxCount=1, TagSpecifications=[{"ResourceType": "instance", "Tags": tags}])


def one_round_trip_ms(moto, samples=30):
    import boto3
    ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=moto.url,
                       aws_access_key_id=harness.ACCESS_KEY, aws_secret_access_key=harness.SECRET_KEY)
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        ec2.describe_instances(Filters=[{"Name": "tag-key", "Values": ["gpubox:box"]}])
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gpubox", default=os.path.join(ROOT, "build", "gpubox"))
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    home = tempfile.mkdtemp(prefix="gpubox-bench.")
    with harness.MotoServer() as moto:
        env = harness.aws_env(moto.url, home, extra={"GPUBOX_CALLER_IP": "203.0.113.7"})
        seed_boxes(moto, env)
        _, _, out = run([args.gpubox, "regions", "--json"], env)
        regions = [r["region"] for r in json.loads(out)]
        run([args.gpubox, "ls", "--all-regions", "--json"], env)  # warm-up: first call per region
        g_wall, g_cpu = [], []
        for _ in range(args.runs):
            wall, cpu, out = run([args.gpubox, "ls", "--all-regions", "--json"], env)
            g_wall.append(wall)
            g_cpu.append(cpu)
        found = len(json.loads(out))
        a_wall = []
        for _ in range(max(1, args.runs // 2)):
            start = time.perf_counter()
            for region in regions:
                run(aws_command() + ["ec2", "describe-instances", "--region", region, "--filters",
                                     "Name=tag-key,Values=gpubox:box", "--output", "json"], env)
            a_wall.append(time.perf_counter() - start)
        rt = one_round_trip_ms(moto)
    gm, am = statistics.median(g_wall) * 1000, statistics.median(a_wall) * 1000
    print(f"regions listed: {len(regions)}; boxes found by gpubox: {found} (seeded {len(REGIONS)})")
    print(f"gpubox ls --all-regions          median {gm:9.1f} ms over {args.runs} runs")
    print(f"aws ec2 describe-instances x{len(regions):<3}   median {am:9.1f} ms over {len(a_wall)} runs")
    print(f"ratio (aws / gpubox): {am / gm:.1f}x (target >= 20x)")
    print(f"gpubox own CPU time (user+sys): median {statistics.median(g_cpu) * 1000:.1f} ms; "
          f"one DescribeInstances round trip (boto3, warm): median {rt:.1f} ms")
    subprocess.run(["rm", "-rf", home])


if __name__ == "__main__":
    main()
