"""What a real AWS account answers that moto hides (issue 9, sections 5-9), against the stand-in's
realism (tests/support/moto_account.py, moto_services.Quotas): quotas without an applied value,
Service Quotas denied, too many open increase requests, Trn quota names; images with their root
device, root snapshot size and login user, the ARM64 fallback name and a deregistered AMI behind
a parameter; the SSH keys EC2 imports; regions the account has not enabled; the public IPv4
charge. Every outcome is cross-checked with boto3."""
import base64
import json
import os
import shutil
import subprocess
import tempfile
import threading
import unittest

import harness
from sshd import Sshd

CALLER = "203.0.113.9"
G_ON_DEMAND = "L-DB2E81BA"
G_SPOT = "L-3819A6DF"
SSM = "/aws/service/deeplearning/ami/x86_64/"
AL2023 = SSM + "oss-nvidia-driver-gpu-pytorch-2.7-amazon-linux-2023/latest/ami-id"
PYTORCH_28 = SSM + "oss-nvidia-driver-gpu-pytorch-2.8-ubuntu-24.04/latest/ami-id"
PYTORCH_29 = SSM + "oss-nvidia-driver-gpu-pytorch-2.9-ubuntu-24.04/latest/ami-id"


class RealAccountCase(harness.MotoTestCase):
    def setUp(self):
        super().setUp()
        self.ssh_dir = os.path.join(self.home, ".ssh")
        os.makedirs(self.ssh_dir, mode=0o700)

    def up(self, *args, env=None, region=None):
        e = {"GPUBOX_CALLER_IP": CALLER}
        e.update(env or {})
        return self.gpubox("up", *args, env=e, region=region)

    def ec2(self, region=None):
        return self.boto3_client("ec2", region=region or self.region)

    def live_instances(self, region=None):
        return [i for r in self.ec2(region).describe_instances()["Reservations"] for i in r["Instances"]
                if i["State"]["Name"] != "terminated"]

    def gpubox_owned(self, region=None):
        ec2 = self.ec2(region)
        groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["gpubox-*"]}])
        keys = [k for k in ec2.describe_key_pairs()["KeyPairs"] if k["KeyName"].startswith("gpubox-")]
        return self.live_instances(region), groups["SecurityGroups"], keys

    def assert_nothing_created(self, region=None):
        self.assertEqual(self.gpubox_owned(region), ([], [], []))

    def ssm_value(self, name, region=None):
        ssm = self.boto3_client("ssm", region=region)
        return ssm.get_parameter(Name=name)["Parameter"]["Value"]


# ---- §5 Service Quotas as they really answer -------------------------------------------------
class ServiceQuotasTest(RealAccountCase):
    def test_region_without_applied_quotas_falls_back_to_the_aws_default(self):
        self.moto.set_quota_default("ca-central-1", G_ON_DEMAND, 16)
        sq = self.boto3_client("service-quotas", region="ca-central-1")
        with self.assertRaises(sq.exceptions.NoSuchResourceException):
            sq.get_service_quota(ServiceCode="ec2", QuotaCode=G_ON_DEMAND)
        with self.assertRaises(sq.exceptions.NoSuchResourceException):
            sq.list_service_quotas(ServiceCode="ec2")
        self.assertEqual(sq.get_aws_default_service_quota(ServiceCode="ec2", QuotaCode=G_ON_DEMAND)
                         ["Quota"]["Value"], 16)
        r = self.gpubox("quota", "--type", "g4dn.xlarge", "--regions", "ca-central-1,eu-west-2",
                        "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = {x["region"]: x for x in json.loads(r.stdout)["regions"]}
        ca = rows["ca-central-1"]
        self.assertIsNone(ca["error"])
        self.assertEqual((ca["on_demand"]["quota_code"], ca["on_demand"]["quota_vcpus"]), (G_ON_DEMAND, 16))
        self.assertEqual(ca["on_demand"]["source"], "default")
        # eu-west-2 has applied values except for the G quotas: those come from the defaults.
        self.assertEqual(rows["eu-west-2"]["on_demand"]["source"], "default")
        self.assertIsNone(rows["eu-west-2"]["error"])

    def test_up_launches_within_the_default_quota_of_a_region_without_applied_values(self):
        self.moto.set_quota_default("ca-central-1", G_ON_DEMAND, 8)
        r = self.up("lab", "--type", "g4dn.xlarge", "--wait", "running", "--yes", "--json",
                    region="ca-central-1")
        self.assertEqual(r.returncode, 0, r.stderr)
        (inst,) = self.live_instances("ca-central-1")
        self.assertEqual(inst["InstanceId"], json.loads(r.stdout)["instance_id"])

    def test_default_quota_of_zero_is_refused_before_creating_anything(self):
        r = self.up("lab", "--type", "g4dn.xlarge", "--yes", region="ca-central-1")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("gpubox quota request --type g4dn.xlarge --region ca-central-1", r.stderr)
        self.assertIn("AWS default", r.stderr)
        self.assertEqual(self.requests(action="RunInstances"), [])
        self.assert_nothing_created("ca-central-1")

    def test_access_denied_to_service_quotas_warns_and_launches(self):
        self.moto.set_quota_behaviour(access_denied=True)
        sq = self.boto3_client("service-quotas")
        with self.assertRaises(sq.exceptions.AccessDeniedException):
            sq.list_service_quotas(ServiceCode="ec2")
        r = self.up("lab", "--type", "g4dn.xlarge", "--wait", "running", "--yes", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("warning", r.stderr)
        self.assertIn("servicequotas:GetServiceQuota", r.stderr)
        (inst,) = self.live_instances()
        self.assertEqual(inst["InstanceId"], json.loads(r.stdout)["instance_id"])

    def test_access_denied_leaves_the_final_word_to_ec2s_vcpu_limit(self):
        self.moto.set_quota_behaviour(access_denied=True)
        self.add_faults([{"action": "RunInstances", "code": "VcpuLimitExceeded", "status": 400,
                          "message": "You have requested more vCPU capacity than your current "
                                     "vCPU limit of 0 allows"}])
        r = self.up("lab", "--type", "g4dn.xlarge", "--wait", "running", "--yes")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("servicequotas:GetServiceQuota", r.stderr)
        self.assertIn("VcpuLimitExceeded", r.stderr)
        self.assertIn("gpubox quota request --type g4dn.xlarge --region us-east-1", r.stderr)
        self.assertEqual(len(self.requests(action="RunInstances")), 1)
        self.assert_nothing_created()

    def test_trn_quota_names(self):
        r = self.gpubox("quota", "--type", "trn1.2xlarge", "--regions", "us-east-1", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        (row,) = json.loads(r.stdout)["regions"]
        self.assertIsNone(row["error"])
        self.assertEqual((row["on_demand"]["quota_code"], row["on_demand"]["quota_name"]),
                         ("L-2C3B7624", "Running On-Demand Trn instances"))
        self.assertEqual((row["spot"]["quota_code"], row["spot"]["quota_name"]),
                         ("L-6B0D517C", "All Trn Spot Instance Requests"))
        sq = self.boto3_client("service-quotas")
        self.assertEqual(sq.get_service_quota(ServiceCode="ec2", QuotaCode="L-2C3B7624")
                         ["Quota"]["QuotaName"], "Running On-Demand Trn instances")

    def test_too_many_open_requests_get_their_own_message(self):
        self.moto.set_quota_behaviour(max_open_requests=1)
        sq = self.boto3_client("service-quotas")
        sq.request_service_quota_increase(ServiceCode="ec2", QuotaCode="L-417A185B", DesiredValue=96)
        r = self.gpubox("quota", "request", "--type", "g4dn.xlarge", "--region", "us-east-1",
                        "--count", "3")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("too many open quota increase requests", r.stderr)
        self.assertIn("gpubox quota requests", r.stderr)
        history = sq.list_requested_service_quota_change_history(ServiceCode="ec2")["RequestedQuotas"]
        self.assertEqual([h["QuotaCode"] for h in history], ["L-417A185B"])


# ---- §6 Images and disks ---------------------------------------------------------------------
class ImagesTest(RealAccountCase):
    def setUp(self):
        super().setUp()
        self.user_keygen("ed25519", "id_ed25519")

    def test_amazon_linux_image_gets_its_root_device_and_ec2_user(self):
        ami = self.ssm_value(AL2023)
        (image,) = self.ec2().describe_images(ImageIds=[ami])["Images"]
        self.assertEqual(image["RootDeviceName"], "/dev/xvda")
        r = self.up("lab", "--type", "g4dn.xlarge", "--image", ami, "--wait", "running", "--yes",
                    "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["ssh_user"], "ec2-user")
        run = self.requests(action="RunInstances")[-1]["params"]
        self.assertEqual(run["BlockDeviceMapping.1.DeviceName"], "/dev/xvda")
        (inst,) = self.live_instances()
        self.assertEqual(inst["ImageId"], ami)

    def test_ubuntu_dlami_logs_in_as_ubuntu_on_sda1(self):
        r = self.up("lab", "--type", "g4dn.xlarge", "--wait", "running", "--yes", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["ssh_user"], "ubuntu")
        (image,) = self.ec2().describe_images(ImageIds=[doc["ami_id"]])["Images"]
        self.assertIn("Ubuntu", image["Name"])
        run = self.requests(action="RunInstances")[-1]["params"]
        self.assertEqual(run["BlockDeviceMapping.1.DeviceName"], image["RootDeviceName"])

    def test_disk_smaller_than_the_root_snapshot_is_refused_before_launching(self):
        ami = self.ssm_value(AL2023)
        (image,) = self.ec2().describe_images(ImageIds=[ami])["Images"]
        minimum = image["BlockDeviceMappings"][0]["Ebs"]["VolumeSize"]
        self.assertEqual(minimum, 80)
        r = self.up("lab", "--type", "g4dn.xlarge", "--image", ami, "--disk", "40", "--yes")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--disk 40", r.stderr)
        self.assertIn(f"at least {minimum} GB", r.stderr)
        self.assertEqual(self.requests(action="RunInstances"), [])
        self.assert_nothing_created()
        # The root snapshot's size itself is accepted.
        r = self.up("lab", "--type", "g4dn.xlarge", "--image", ami, "--disk", str(minimum),
                    "--dry-run", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_arm64_fallback_finds_the_arm64_pytorch_dlami_by_name(self):
        # Without the SSM parameters (denied here), DescribeImages by name is the way.
        self.add_faults([{"action": "GetParametersByPath", "code": "AccessDeniedException",
                          "status": 400}])
        r = self.up("lab", "--type", "g5g.xlarge", "--dry-run", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        plan = json.loads(r.stdout)
        self.assertEqual(plan["arch"], "arm64")
        self.assertEqual(plan["image"]["source"], "describe-images")
        self.assertTrue(plan["image"]["name"].startswith(
            "Deep Learning ARM64 AMI OSS Nvidia Driver GPU PyTorch"), plan["image"])
        (image,) = self.ec2().describe_images(ImageIds=[plan["image"]["id"]])["Images"]
        self.assertEqual(image["Architecture"], "arm64")

    def test_a_deregistered_ami_behind_a_parameter_does_not_fail_the_lookup(self):
        gone = self.ssm_value(PYTORCH_29)
        with self.assertRaises(Exception) as ctx:
            self.ec2().describe_images(ImageIds=[gone])
        self.assertIn("InvalidAMIID.NotFound", str(ctx.exception))
        r = self.up("lab", "--type", "g4dn.xlarge", "--dry-run", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        plan = json.loads(r.stdout)
        self.assertEqual(plan["image"]["id"], self.ssm_value(PYTORCH_28))
        self.assertEqual(plan["image"]["source"], "ssm:" + PYTORCH_28)


# ---- §7 Keys EC2 accepts ---------------------------------------------------------------------
class KeysTest(RealAccountCase):
    def imported_key(self):
        (imp,) = self.requests(action="ImportKeyPair")
        return base64.b64decode(imp["params"]["PublicKeyMaterial"]).decode().split()

    def test_ed25519_is_preferred_over_rsa(self):
        self.user_keygen("rsa", "id_rsa", 2048)
        ed = self.user_keygen("ed25519", "id_ed25519")
        r = self.up("lab", "--type", "g4dn.xlarge", "--dry-run", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["key_pair"]["source"],
                         "import " + os.path.join(self.ssh_dir, "id_ed25519.pub"))
        r = self.up("lab", "--type", "g4dn.xlarge", "--wait", "running", "--yes")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.imported_key()[:2], ["ssh-ed25519", ed])
        (inst,) = self.live_instances()
        self.assertRegex(inst["KeyName"], r"^gpubox-lab-[0-9a-f]{8}$")  # unguessable (issue 10)
        self.assertEqual([k["KeyName"] for k in self.ec2().describe_key_pairs()["KeyPairs"]
                          if k["KeyName"].startswith("gpubox-")], [inst["KeyName"]])

    def test_rsa_is_used_and_an_ecdsa_key_is_passed_over(self):
        self.user_keygen("ecdsa", "id_ecdsa")
        rsa = self.user_keygen("rsa", "id_rsa", 2048)
        r = self.up("lab", "--type", "g4dn.xlarge", "--wait", "running", "--yes")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.imported_key()[:2], ["ssh-rsa", rsa])

    def test_ecdsa_key_is_refused_before_any_aws_call(self):
        self.user_keygen("ecdsa", "id_ecdsa")
        r = self.up("lab", "--type", "g4dn.xlarge", "--key", os.path.join(self.ssh_dir, "id_ecdsa.pub"),
                    "--yes")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ECDSA", r.stderr)
        self.assertIn("ssh-keygen -t ed25519", r.stderr)
        self.assertEqual(self.requests(), [])

    def test_security_key_is_refused_before_any_aws_call(self):
        path = os.path.join(self.ssh_dir, "id_ed25519_sk.pub")
        with open(path, "w") as f:
            f.write("sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIE"
                    "xEZXhhbXBsZWtleWV4YW1wbGVrZXlleGFtcGxla2V5AAAABHNzaDo= me@host\n")
        r = self.up("lab", "--type", "g4dn.xlarge", "--key", path, "--yes")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("security key", r.stderr)
        self.assertEqual(self.requests(), [])


# ---- §8 --wait ready when Jupyter did not start ----------------------------------------------
class WaitReadyTest(RealAccountCase):
    def test_wait_ready_reports_the_bootstrap_failure_with_its_log(self):
        # The "box" is the loopback sshd with its own HOME; its bootstrap (a timer stands in)
        # writes the result it writes on a box where Jupyter did not start, and its log.
        box_home = tempfile.mkdtemp(prefix="gpubox-box-home.")
        self.addCleanup(shutil.rmtree, box_home, True)
        run_dir = os.path.join(box_home, ".gpubox", "run")
        log_dir = os.path.join(box_home, ".gpubox", "log")

        def bootstrap_failed():
            os.makedirs(run_dir)
            os.makedirs(log_dir)
            with open(os.path.join(log_dir, "bootstrap.log"), "w") as f:
                f.write("2026-12-07T10:00:00Z start: mode=aws\n"
                        "2026-12-07T10:00:05Z no Jupyter found: installing into /opt/gpubox/venv\n"
                        "2026-12-07T10:01:05Z error: pip install notebook failed (exit 1)\n")
            with open(os.path.join(run_dir, "bootstrap.json"), "w") as f:
                json.dump({"ok": False, "jupyter": None,
                           "error": "pip install notebook failed (exit 1)"}, f)

        timer = threading.Timer(2.0, bootstrap_failed)
        with Sshd(home=box_home) as info:
            self.moto.set_behaviours(console_host_keys=[info.host_public_key])  # the box's console
            timer.start()
            self.addCleanup(timer.cancel)
            r = self.up("lab", "--type", "g4dn.xlarge", "--key", info.key_path + ".pub",
                        "--wait", "ready", "--yes",
                        env={"GPUBOX_SSH_CONNECT": f"{info.host}:{info.port}",
                             "GPUBOX_SSH_USER": info.user})
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertIn("Jupyter did not start", r.stderr)
        self.assertIn("pip install notebook failed (exit 1)", r.stderr)
        self.assertIn("no Jupyter found: installing into /opt/gpubox/venv", r.stderr)  # the log tail
        self.assertNotIn("lab is ready", r.stderr)
        self.assertEqual(len(self.live_instances()), 1)  # the box stays: the user may look at it
        self.assertIn("gpubox down lab", r.stderr)


# ---- §9 Smaller real-world gaps --------------------------------------------------------------
class RegionsAndCostTest(RealAccountCase):
    def test_a_disabled_opt_in_region_says_so(self):
        regions = {r["RegionName"]: r["OptInStatus"] for r in
                   self.ec2().describe_regions(AllRegions=True)["Regions"]}
        self.assertEqual(regions["ap-east-1"], "not-opted-in")
        r = self.gpubox("up", "lab", "--type", "g4dn.xlarge", "--dry-run",
                        env={"GPUBOX_CALLER_IP": CALLER}, region="ap-east-1")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("region ap-east-1 is not enabled for this account", r.stderr)
        self.assertIn("AWS Regions", r.stderr)
        r = self.gpubox("ls", region="ap-east-1")
        self.assertIn("region ap-east-1 is not enabled for this account", r.stderr)

    def test_opt_in_required_says_so_too(self):
        self.moto.set_disabled_regions({"me-south-1": "OptInRequired"})
        ec2 = self.ec2("me-south-1")
        with self.assertRaises(Exception) as ctx:
            ec2.describe_instances()
        self.assertIn("OptInRequired", str(ctx.exception))
        r = self.gpubox("up", "lab", "--type", "g4dn.xlarge", "--dry-run",
                        env={"GPUBOX_CALLER_IP": CALLER}, region="me-south-1")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("region me-south-1 is not enabled for this account", r.stderr)

    def test_ls_all_regions_skips_regions_not_enabled(self):
        r = self.gpubox("ls", "--all-regions", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        asked = {q["region"] for q in self.requests(action="DescribeInstances")}
        self.assertNotIn("ap-east-1", asked)

    def test_hourly_price_and_cost_include_the_public_ipv4_charge(self):
        r = self.up("lab", "--type", "g4dn.xlarge", "--dry-run", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        plan = json.loads(r.stdout)
        self.assertAlmostEqual(plan["public_ipv4_usd_per_hour"], 0.005)
        self.assertAlmostEqual(plan["price_per_hour_usd"], plan["instance_usd_per_hour"] + 0.005)
        ec2 = self.ec2()
        ec2.run_instances(ImageId="ami-12c6146b", InstanceType="g4dn.xlarge", MinCount=1, MaxCount=1,
                          TagSpecifications=[{"ResourceType": "instance", "Tags": [
                              {"Key": "gpubox:box", "Value": "ghost"},
                              {"Key": "gpubox:owner", "Value": "arn:aws:sts::123456789012:user/moto"}]}])
        listing = {b["name"]: b for b in json.loads(self.gpubox("ls", "--json").stdout)}
        self.assertAlmostEqual(listing["ghost"]["price_per_hour_usd"],
                               plan["instance_usd_per_hour"] + 0.005, places=6)


if __name__ == "__main__":
    unittest.main()
