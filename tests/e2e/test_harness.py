"""Proves the e2e test harness itself: the moto wrapper (DLAMIs, quotas, pricing,
ClientToken idempotency, faults, request log, recorder + verify_sig, reset),
the harness helpers and the throw-away sshd."""
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import harness  # noqa: E402
import moto_config  # noqa: E402
import sshd  # noqa: E402
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError  # noqa: E402
from botocore.parsers import ResponseParserError  # noqa: E402

PYTORCH_27 = "/aws/service/deeplearning/ami/x86_64/oss-nvidia-driver-gpu-pytorch-2.7-ubuntu-22.04/latest/ami-id"
PRICE_FILTERS = [("instanceType", "g5.xlarge"), ("regionCode", "us-east-1"), ("operatingSystem", "Linux"),
                 ("tenancy", "Shared"), ("preInstalledSw", "NA"), ("capacitystatus", "Used")]


def run_instance(ec2, token, itype="g5.xlarge", **extra):
    return ec2.run_instances(ImageId="ami-12345678", InstanceType=itype, MinCount=1, MaxCount=1,
                             ClientToken=token, **extra)


def instance_ids(ec2):
    return [i["InstanceId"] for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]


class DlamiTest(harness.MotoTestCase):
    def ssm_params(self, region, path):
        ssm, out, token = self.boto3_client("ssm", region), [], None
        while True:
            kw = {"NextToken": token} if token else {}
            page = ssm.get_parameters_by_path(Path=path, Recursive=True, MaxResults=10, **kw)
            out += page["Parameters"]
            token = page.get("NextToken")
            if not token:
                return {p["Name"]: p["Value"] for p in out}

    def test_ssm_parameters_exist_for_both_architectures_and_point_at_regional_images(self):
        x86 = self.ssm_params("us-east-1", "/aws/service/deeplearning/ami/x86_64/")
        arm = self.ssm_params("us-east-1", "/aws/service/deeplearning/ami/arm64/")
        expected_x86 = {moto_config.ssm_path(d) for d in moto_config.DLAMIS if d["architecture"] == "x86_64"}
        self.assertEqual(set(x86), expected_x86)
        self.assertGreaterEqual(len(arm), 2)
        ec2 = self.boto3_client("ec2", "us-east-1")
        images = ec2.describe_images(ImageIds=[x86[PYTORCH_27], *arm.values()])["Images"]
        arch = {i["ImageId"]: i["Architecture"] for i in images}
        self.assertEqual(arch[x86[PYTORCH_27]], "x86_64")
        self.assertTrue(all(arch[a] == "arm64" for a in arm.values()))
        eu = self.boto3_client("ssm", "eu-west-1").get_parameter(Name=PYTORCH_27)["Parameter"]["Value"]
        self.assertNotEqual(eu, x86[PYTORCH_27], "AMI IDs must differ per region")

    def test_describe_images_newest_by_creation_date_is_the_ssm_latest(self):
        ec2 = self.boto3_client("ec2", "eu-west-1")
        images = ec2.describe_images(Owners=["amazon"], Filters=[
            {"Name": "name", "Values": ["Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2.7 (Ubuntu 22.04) *"]},
            {"Name": "state", "Values": ["available"]}])["Images"]
        self.assertEqual(len(images), 2)
        self.assertEqual(len({i["CreationDate"] for i in images}), 2)
        newest = max(images, key=lambda i: i["CreationDate"])
        self.assertTrue(newest["Name"].endswith("20250701"))
        self.assertEqual(newest["OwnerId"], moto_config.DLAMI_OWNER)
        latest = self.boto3_client("ssm", "eu-west-1").get_parameter(Name=PYTORCH_27)["Parameter"]["Value"]
        self.assertEqual(newest["ImageId"], latest)


class QuotaTest(harness.MotoTestCase):
    def test_ec2_quotas_include_spot_codes_and_region_overrides(self):
        sq = self.boto3_client("service-quotas", "us-east-1")
        self.assertEqual(sq.get_service_quota(ServiceCode="ec2", QuotaCode="L-DB2E81BA")["Quota"]["Value"], 8.0)
        west = self.boto3_client("service-quotas", "us-west-2")
        self.assertEqual(west.get_service_quota(ServiceCode="ec2", QuotaCode="L-DB2E81BA")["Quota"]["Value"], 64.0)
        default = sq.get_aws_default_service_quota(ServiceCode="ec2", QuotaCode="L-DB2E81BA")["Quota"]
        self.assertEqual(default["Value"], 0.0)
        quotas = [q for p in sq.get_paginator("list_service_quotas").paginate(
            ServiceCode="ec2", PaginationConfig={"PageSize": 5}) for q in p["Quotas"]]
        names = {q["QuotaCode"]: q["QuotaName"] for q in quotas}
        self.assertEqual(set(names), set(moto_config.EC2_QUOTAS))
        self.assertEqual(names["L-3819A6DF"], "All G and VT Spot Instance Requests")
        self.assertEqual(names["L-C4BD4855"], "All P5 Spot Instance Requests")
        self.assertEqual(names["L-7212CCBC"], "All P4, P3 and P2 Spot Instance Requests")
        with self.assertRaises(ClientError) as cm:
            sq.get_service_quota(ServiceCode="ec2", QuotaCode="L-00000000")
        self.assertEqual(cm.exception.response["Error"]["Code"], "NoSuchResourceException")
        vpc = sq.get_service_quota(ServiceCode="vpc", QuotaCode="L-F678F1CE")["Quota"]
        self.assertEqual(vpc["QuotaName"], "VPCs per Region")

    def test_set_quota_hook_changes_the_applied_value(self):
        self.moto.set_quota("us-east-1", "L-417A185B", 192)
        sq = self.boto3_client("service-quotas", "us-east-1")
        self.assertEqual(sq.get_service_quota(ServiceCode="ec2", QuotaCode="L-417A185B")["Quota"]["Value"], 192.0)

    def test_increase_request_history_and_approval(self):
        sq = self.boto3_client("service-quotas", "us-east-1")
        req = sq.request_service_quota_increase(ServiceCode="ec2", QuotaCode="L-3819A6DF",
                                                DesiredValue=32.0)["RequestedQuota"]
        self.assertEqual((req["Status"], req["DesiredValue"]), ("PENDING", 32.0))
        with self.assertRaises(ClientError) as cm:
            sq.request_service_quota_increase(ServiceCode="ec2", QuotaCode="L-3819A6DF", DesiredValue=48.0)
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceAlreadyExistsException")
        history = sq.list_requested_service_quota_change_history(ServiceCode="ec2")["RequestedQuotas"]
        self.assertEqual([r["Id"] for r in history], [req["Id"]])
        by_quota = sq.list_requested_service_quota_change_history_by_quota(
            ServiceCode="ec2", QuotaCode="L-3819A6DF")["RequestedQuotas"]
        self.assertEqual([r["Id"] for r in by_quota], [req["Id"]])
        other = self.boto3_client("service-quotas", "eu-west-1")
        self.assertEqual(other.list_requested_service_quota_change_history(ServiceCode="ec2")["RequestedQuotas"], [])
        self.moto.set_quota_request_status(req["Id"], "APPROVED")
        self.assertEqual(sq.get_requested_service_quota_change(RequestId=req["Id"])["RequestedQuota"]["Status"],
                         "APPROVED")
        self.assertEqual(sq.get_service_quota(ServiceCode="ec2", QuotaCode="L-3819A6DF")["Quota"]["Value"], 32.0)


class PricingTest(harness.MotoTestCase):
    def filters(self, pairs):
        return [{"Type": "TERM_MATCH", "Field": f, "Value": v} for f, v in pairs]

    def test_get_products_with_standard_filters_returns_one_on_demand_price(self):
        pricing = self.boto3_client("pricing", "us-east-1")
        out = pricing.get_products(ServiceCode="AmazonEC2", Filters=self.filters(PRICE_FILTERS),
                                   FormatVersion="aws_v1", MaxResults=10)
        self.assertEqual(len(out["PriceList"]), 1)
        item = json.loads(out["PriceList"][0])
        self.assertEqual(item["product"]["attributes"]["instanceType"], "g5.xlarge")
        self.assertEqual(item["product"]["attributes"]["gpu"], "1")
        dims = [d for t in item["terms"]["OnDemand"].values() for d in t["priceDimensions"].values()]
        self.assertEqual(float(dims[0]["pricePerUnit"]["USD"]), moto_config.PRICES["us-east-1"]["g5.xlarge"])

    def test_missing_filters_match_several_products_and_unknown_region_none(self):
        pricing = self.boto3_client("pricing", "us-east-1")
        loose = pricing.get_products(ServiceCode="AmazonEC2", Filters=self.filters(PRICE_FILTERS[:2]))
        self.assertGreater(len(loose["PriceList"]), 1)
        none = pricing.get_products(ServiceCode="AmazonEC2",
                                    Filters=self.filters([("instanceType", "g5.xlarge"), ("regionCode", "af-south-1")]))
        self.assertEqual(none["PriceList"], [])
        services = pricing.describe_services(ServiceCode="AmazonEC2")["Services"]
        self.assertIn("instanceType", services[0]["AttributeNames"])

    def test_pricing_signed_for_a_region_without_endpoint_fails(self):
        with self.assertRaises(ClientError):
            self.boto3_client("pricing", "eu-west-1").get_products(ServiceCode="AmazonEC2")


class ClientTokenTest(harness.MotoTestCase):
    def test_same_token_twice_launches_once(self):
        ec2 = self.boto3_client("ec2")
        first = run_instance(ec2, "gpubox-tok-1")["Instances"][0]["InstanceId"]
        second = run_instance(ec2, "gpubox-tok-1")["Instances"][0]["InstanceId"]
        self.assertEqual(first, second)
        self.assertEqual(instance_ids(ec2), [first])

    def test_describe_instances_client_token_filter(self):
        ec2 = self.boto3_client("ec2")
        launched = run_instance(ec2, "gpubox-tok-5")["Instances"][0]["InstanceId"]
        run_instance(ec2, "gpubox-tok-6")

        def by_token(token):
            out = ec2.describe_instances(Filters=[{"Name": "client-token", "Values": [token]}])
            return [i["InstanceId"] for r in out["Reservations"] for i in r["Instances"]]

        self.assertEqual(by_token("gpubox-tok-5"), [launched])
        self.assertEqual(by_token("never-used"), [])

    def test_same_token_other_parameters_is_a_mismatch(self):
        ec2 = self.boto3_client("ec2")
        run_instance(ec2, "gpubox-tok-2")
        with self.assertRaises(ClientError) as cm:
            run_instance(ec2, "gpubox-tok-2", itype="g5.2xlarge")
        self.assertEqual(cm.exception.response["Error"]["Code"], "IdempotentParameterMismatch")

    def test_token_is_per_region(self):
        a = run_instance(self.boto3_client("ec2", "us-east-1"), "gpubox-tok-3")["Instances"][0]["InstanceId"]
        b = run_instance(self.boto3_client("ec2", "us-west-2"), "gpubox-tok-3")["Instances"][0]["InstanceId"]
        self.assertNotEqual(a, b)

    def test_lost_response_then_retry_with_token_gives_one_instance(self):
        self.add_faults([{"action": "RunInstances", "drop": True, "after": True, "remaining": 1}])
        ec2 = self.boto3_client("ec2", retries={"mode": "standard", "max_attempts": 3})
        launched = run_instance(ec2, "gpubox-tok-4")["Instances"][0]["InstanceId"]
        self.assertEqual(instance_ids(ec2), [launched])
        self.assertEqual(len(self.requests(action="RunInstances")), 2)


class SecurityGroupDependencyTest(harness.MotoTestCase):
    """AWS refuses to delete a group an instance still uses; plain moto deletes it anyway."""

    def test_delete_is_refused_until_the_instance_using_the_group_is_terminated(self):
        ec2 = self.boto3_client("ec2")
        sg = ec2.create_security_group(GroupName="gpubox-dep", Description="x")["GroupId"]
        other = ec2.create_security_group(GroupName="gpubox-free", Description="x")["GroupId"]
        iid = ec2.run_instances(ImageId="ami-12345678", InstanceType="g4dn.xlarge", MinCount=1,
                                MaxCount=1, SecurityGroupIds=[sg])["Instances"][0]["InstanceId"]
        for kwargs in ({"GroupId": sg}, {"GroupName": "gpubox-dep"}):
            with self.assertRaises(ClientError) as cm:
                ec2.delete_security_group(**kwargs)
            self.assertEqual(cm.exception.response["Error"]["Code"], "DependencyViolation")
            self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        ec2.delete_security_group(GroupId=other)  # a group no instance uses goes at once
        ec2.stop_instances(InstanceIds=[iid])  # a stopped instance still holds its group
        with self.assertRaises(ClientError):
            ec2.delete_security_group(GroupId=sg)
        ec2.terminate_instances(InstanceIds=[iid])
        ec2.delete_security_group(GroupId=sg)
        left = ec2.describe_security_groups(Filters=[{"Name": "group-id", "Values": [sg, other]}])
        self.assertEqual(left["SecurityGroups"], [])


class FaultTest(harness.MotoTestCase):
    def test_throttle_then_success_with_retries(self):
        self.add_faults([{"action": "DescribeInstances", "code": "RequestLimitExceeded",
                          "message": "Request limit exceeded.", "status": 503, "remaining": 2}])
        ec2 = self.boto3_client("ec2", retries={"mode": "standard", "max_attempts": 5})
        ec2.describe_instances()
        log = self.requests(action="DescribeInstances")
        self.assertEqual([e["fault"] for e in log], ["RequestLimitExceeded", "RequestLimitExceeded", None])
        self.assertEqual([e["status"] for e in log], [503, 503, 200])
        self.assertEqual(self.moto.faults()[0]["remaining"], 0)

    def test_drop_closes_the_connection_without_a_response(self):
        self.add_faults([{"action": "DescribeRegions", "drop": True, "remaining": 1}])
        ec2 = self.boto3_client("ec2", retries={"total_max_attempts": 1})
        with self.assertRaises((ConnectionClosedError, EndpointConnectionError)):
            ec2.describe_regions()
        self.assertGreater(len(ec2.describe_regions()["Regions"]), 10)

    def test_match_delay_and_json_shape(self):
        self.add_faults([
            {"action": "RunInstances", "match": {"InstanceType": "p5.*"}, "code": "VcpuLimitExceeded",
             "message": "You have requested more vCPU capacity than your current vCPU limit of 0 allows"},
            {"action": "DescribeRegions", "delay_ms": 400, "remaining": 1},
            {"action": "GetServiceQuota", "service": "servicequotas", "code": "TooManyRequestsException",
             "remaining": 1}])
        ec2 = self.boto3_client("ec2", retries={"total_max_attempts": 1})
        with self.assertRaises(ClientError) as cm:
            run_instance(ec2, "t-p5", itype="p5.48xlarge")
        self.assertEqual(cm.exception.response["Error"]["Code"], "VcpuLimitExceeded")
        run_instance(ec2, "t-g5", itype="g5.xlarge")
        start = time.monotonic()
        ec2.describe_regions()
        self.assertGreaterEqual(time.monotonic() - start, 0.4)
        sq = self.boto3_client("service-quotas", retries={"total_max_attempts": 1})
        with self.assertRaises(ClientError) as cm:
            sq.get_service_quota(ServiceCode="ec2", QuotaCode="L-DB2E81BA")
        self.assertEqual(cm.exception.response["Error"]["Code"], "TooManyRequestsException")

    def test_html_body_fault(self):
        self.add_faults([{"action": "DescribeRegions", "status": 500, "body": "<!doctype html><h1>oops</h1>"}])
        ec2 = self.boto3_client("ec2", retries={"total_max_attempts": 1})
        with self.assertRaises((ClientError, ResponseParserError)):
            ec2.describe_regions()
        self.assertEqual([e["status"] for e in self.requests(action="DescribeRegions")], [500])


class LogRecorderResetTest(harness.MotoTestCase):
    def test_request_log_has_action_service_region_params(self):
        self.boto3_client("ec2", "eu-west-1").describe_instance_types(InstanceTypes=["g5.xlarge"])
        self.boto3_client("ssm", "us-east-1").get_parameter(Name=PYTORCH_27)
        log = self.requests()
        self.assertEqual([(e["action"], e["service"], e["region"]) for e in log],
                         [("DescribeInstanceTypes", "ec2", "eu-west-1"), ("GetParameter", "ssm", "us-east-1")])
        self.assertEqual(log[0]["params"]["InstanceType.1"], "g5.xlarge")
        self.assertEqual(log[1]["params"]["Name"], PYTORCH_27)
        self.assertEqual(len(self.requests(service="ssm")), 1)

    def test_recorder_and_verify_sig_accept_good_and_reject_bad_signatures(self):
        self.moto.recorder_start()
        self.boto3_client("ec2").describe_instances(Filters=[{"Name": "tag:Name", "Values": ["a b/c:*"]}])
        self.boto3_client("ssm").get_parameter(Name=PYTORCH_27)
        self.boto3_client("service-quotas").get_service_quota(ServiceCode="ec2", QuotaCode="L-DB2E81BA")
        self.boto3_client("pricing").get_products(ServiceCode="AmazonEC2", MaxResults=1)
        self.boto3_client("sts").get_caller_identity()
        self.moto.recorder_stop()
        self.boto3_client("sts").get_caller_identity()  # not recorded
        self.assert_signatures_ok(min_requests=5)
        good, bad, _ = self.moto.verify_signatures(secret="wrong")
        self.assertEqual((good, bad), (0, 5))
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as f:
            entries = self.moto.recording()
            f.write("\n".join(json.dumps(e) for e in entries) + "\n")
            f.flush()
            script = os.path.join(harness.SUPPORT_DIR, "verify_sig.py")
            ok = subprocess.run([sys.executable, script, f.name, "testing"], capture_output=True, text=True)
            self.assertEqual(ok.returncode, 0, ok.stdout)
            entries[0]["body"] = entries[0]["body"][:-4] + "AAAA"   # tamper with the body
            f.seek(0)
            f.truncate()
            f.write("\n".join(json.dumps(e) for e in entries) + "\n")
            f.flush()
            bad = subprocess.run([sys.executable, script, f.name, "testing"], capture_output=True, text=True)
            self.assertEqual(bad.returncode, 1, bad.stdout)
            self.assertIn("BAD", bad.stdout)

    def test_reset_clears_faults_quota_requests_tokens_and_log(self):
        ec2 = self.boto3_client("ec2")
        first = run_instance(ec2, "tok-reset")["Instances"][0]["InstanceId"]
        self.add_faults([{"action": "DescribeVpcs", "code": "X"}])
        self.moto.set_quota("us-east-1", "L-DB2E81BA", 1)
        self.boto3_client("service-quotas").request_service_quota_increase(
            ServiceCode="ec2", QuotaCode="L-417A185B", DesiredValue=8.0)
        self.moto.reset()
        self.assertEqual(self.moto.faults(), [])
        self.assertEqual(self.moto.quota_requests(), [])
        self.assertEqual(self.requests(), [])
        sq = self.boto3_client("service-quotas")
        self.assertEqual(sq.get_service_quota(ServiceCode="ec2", QuotaCode="L-DB2E81BA")["Quota"]["Value"], 8.0)
        second = run_instance(ec2, "tok-reset")["Instances"][0]["InstanceId"]
        self.assertNotEqual(first, second)
        self.assertEqual(instance_ids(ec2), [second])
        ssm = self.boto3_client("ssm").get_parameter(Name=PYTORCH_27)
        self.assertTrue(ssm["Parameter"]["Value"].startswith("ami-"))

    def test_aws_cli_and_env_use_the_loopback_server_and_temp_home(self):
        env = self.env()
        self.assertEqual(env["AWS_ENDPOINT_URL"], self.moto.url)
        self.assertTrue(env["GPUBOX_HOME"].startswith(self.home))
        self.assertEqual(env["AWS_EC2_METADATA_DISABLED"], "true")
        out = self.aws_json("sts", "get-caller-identity")
        self.assertEqual(out["Account"], "123456789012")
        self.assertEqual(self.requests(action="GetCallerIdentity")[0]["service"], "sts")


class ProcessTest(unittest.TestCase):
    def test_sigterm_exits_cleanly_and_port_file_is_written(self):
        server = harness.MotoServer().start()
        proc = server.proc
        self.assertGreater(server.port, 0)
        proc.terminate()
        self.assertEqual(proc.wait(timeout=15), 0)
        server.stop()
        self.assertFalse(os.path.exists(server.tmpdir) and not harness.keep_tmp())

    @unittest.skipUnless(os.environ.get("GPUBOX_BIN"), "GPUBOX_BIN not set")
    def test_gpubox_binary_runs_with_help(self):
        with harness.MotoServer() as server, tempfile.TemporaryDirectory(prefix="gpubox-home.") as home:
            r = subprocess.run([harness.gpubox_bin(), "--help"], env=harness.aws_env(server.url, home),
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("gpubox", (r.stdout + r.stderr).lower())


class SshdTest(unittest.TestCase):
    def test_key_login_with_strict_host_key_checking(self):
        server = sshd.Sshd()
        host, port, user, key, host_key, home = server.start()
        try:
            self.assertEqual(host, "127.0.0.1")
            r = subprocess.run(server.ssh_command("true"), capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr + server.log())
            r = subprocess.run(server.ssh_command("echo", "$USER"), capture_output=True, text=True, timeout=60)
            self.assertEqual(r.stdout.strip(), user)
            # The box's HOME is the sshd's own temp dir, never the real home.
            r = subprocess.run(server.ssh_command("echo", "$HOME"), capture_output=True, text=True, timeout=60)
            self.assertEqual(r.stdout.strip(), home)
            self.assertTrue(home.startswith(server.tmpdir), home)
            other = os.path.join(server.tmpdir, "other_host_key")
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other], check=True)
            with open(other + ".pub") as f, open(server.known_hosts, "w") as kh:  # a wrong host key
                kh.write(f"[127.0.0.1]:{port} " + " ".join(f.read().split()[:2]) + "\n")
            r = subprocess.run(server.ssh_command("true"), capture_output=True, text=True, timeout=60)
            self.assertNotEqual(r.returncode, 0)
            self.assertTrue(host_key.startswith("ssh-ed25519 "))
            self.assertTrue(os.path.exists(key))
        finally:
            server.stop()
        self.assertIsNone(server.proc)


if __name__ == "__main__":
    unittest.main()
