#!/usr/bin/env python3
"""ctest wrapper for gpubox_live_tests: start the moto wrapper on a loopback port, read the
expected answers with boto3, record while the gtest binary calls SSM, Service Quotas and Pricing,
then re-verify every recorded signature with botocore (verify_sig.py).

usage: run_live.py PATH/TO/gpubox_live_tests [gtest args]
"""
import collections
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import harness  # noqa: E402

SSM_PATH = "/aws/service/deeplearning/ami/x86_64/"
PRICE_FILTERS = [("instanceType", "g5.xlarge"), ("regionCode", "us-east-1"), ("operatingSystem", "Linux")]
SERVICES = ("ssm", "servicequotas", "pricing")


def boto3_client(server, service, region="us-east-1"):
    import boto3
    return boto3.client(service, region_name=region, endpoint_url=server.url,
                        aws_access_key_id=harness.ACCESS_KEY, aws_secret_access_key=harness.SECRET_KEY)


def expectations(server):
    """What boto3 reads from the same server: the gtest compares gpubox's answers with these."""
    ssm = boto3_client(server, "ssm")
    params = [p for page in ssm.get_paginator("get_parameters_by_path").paginate(Path=SSM_PATH, Recursive=True)
              for p in page["Parameters"]]
    sq = boto3_client(server, "service-quotas")
    quotas = [q for page in sq.get_paginator("list_service_quotas").paginate(ServiceCode="ec2")
              for q in page["Quotas"]]
    west = boto3_client(server, "service-quotas", "us-west-2")
    pricing = boto3_client(server, "pricing")
    filters = [{"Type": "TERM_MATCH", "Field": f, "Value": v} for f, v in PRICE_FILTERS]
    products = [p for page in pricing.get_paginator("get_products").paginate(ServiceCode="AmazonEC2", Filters=filters)
                for p in page["PriceList"]]
    return {
        "ssm_path": SSM_PATH, "ssm_names": sorted(p["Name"] for p in params),
        "ssm_first": {"name": params[0]["Name"], "value": params[0]["Value"]},
        "quota_count": len(quotas),
        "gpu_quota": next(q["Value"] for q in quotas if q["QuotaCode"] == "L-DB2E81BA"),
        "gpu_quota_west": west.get_service_quota(ServiceCode="ec2", QuotaCode="L-DB2E81BA")["Quota"]["Value"],
        "pricing_count": len(products),
    }


def recorded_services(server):
    counts = collections.Counter()
    for entry in server.recording():
        auth = {k.lower(): v for k, v in entry.get("headers", {}).items()}.get("authorization", "")
        if "Credential=" in auth:
            counts[auth.split("Credential=")[1].split(",")[0].split("/")[3]] += 1
    return counts


def main(argv):
    binary, extra = argv[1], argv[2:]
    with harness.MotoServer() as server:
        expect = expectations(server)
        server.recorder_start()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GPUBOX_"))}
        env.update({"GPUBOX_TEST_ENDPOINT": server.url, "GPUBOX_TEST_EXPECT": json.dumps(expect)})
        rc = subprocess.run([binary, *extra], env=env, stdin=subprocess.DEVNULL).returncode
        server.recorder_stop()
        good, bad, report = server.verify_signatures()
        counts = recorded_services(server)
    print(report, end="")
    print(f"run_live: gtest exit {rc}; signatures {good} OK, {bad} BAD; per service {dict(counts)}")
    missing = [s for s in SERVICES if counts[s] == 0]
    if missing:
        print(f"run_live: FAIL: no signed request recorded for {missing}")
        return 1
    if bad or good == 0:
        print("run_live: FAIL: signatures did not verify with botocore")
        return 1
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
