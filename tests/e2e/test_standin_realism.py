"""The stand-in's AWS behaviours that moto hides (moto_realism.py), checked with boto3 alone:
if these drift, the gpubox tests that rely on them prove nothing."""
import base64
import hashlib
import os
import sys
import unittest
import urllib.request

import botocore.exceptions

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import MotoTestCase  # noqa: E402

AMI = "ami-12c6146b"


class GpuboxAgent:
    """A boto3 client that presents gpubox's User-Agent (the stand-in lags only what gpubox makes)."""

    @staticmethod
    def client(test):
        ec2 = test.boto3_client("ec2", user_agent="gpubox/0.0-test")
        return ec2


class StandinRealismTest(MotoTestCase):
    def setUp(self):
        super().setUp()
        self.ec2 = self.boto3_client("ec2")

    def code(self, call, *a, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            call(*a, **kw)
        return cm.exception.response["Error"]["Code"]

    # ---- eventual consistency --------------------------------------------------------
    def test_a_group_gpubox_just_made_answers_not_found_once_then_exists(self):
        self.moto.set_behaviours(consistency_notfound=1)
        ec2 = GpuboxAgent.client(self)
        sg = ec2.create_security_group(GroupName="g", Description="d")["GroupId"]
        perm = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "1.2.3.4/32"}]}]
        self.assertEqual(self.code(ec2.authorize_security_group_ingress, GroupId=sg, IpPermissions=perm),
                         "InvalidGroup.NotFound")
        ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=perm)
        self.assertEqual(len(self.ec2.describe_security_groups(GroupIds=[sg])["SecurityGroups"]), 1)

    def test_an_instance_gpubox_just_launched_is_not_found_by_id_at_first(self):
        self.moto.set_behaviours(consistency_notfound=1)
        ec2 = GpuboxAgent.client(self)
        iid = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
        self.assertEqual(self.code(ec2.describe_instances, InstanceIds=[iid]), "InvalidInstanceID.NotFound")
        self.assertEqual(len(ec2.describe_instances(InstanceIds=[iid])["Reservations"]), 1)

    def test_resources_made_by_other_clients_and_lag_zero_do_not_lag(self):
        self.moto.set_behaviours(consistency_notfound=1)
        sg = self.ec2.create_security_group(GroupName="g", Description="d")["GroupId"]
        self.ec2.describe_security_groups(GroupIds=[sg])
        self.moto.set_behaviours(consistency_notfound=0)
        ec2 = GpuboxAgent.client(self)
        iid = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
        self.assertEqual(len(ec2.describe_instances(InstanceIds=[iid])["Reservations"]), 1)

    # ---- persistent spot requests -------------------------------------------------------
    def spot(self, kind="persistent"):
        r = self.ec2.run_instances(
            ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="g4dn.xlarge",
            InstanceMarketOptions={"MarketType": "spot", "SpotOptions": {
                "SpotInstanceType": kind, "InstanceInterruptionBehavior": "stop" if kind == "persistent"
                else "terminate"}},
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "gpubox:box", "Value": "s"}]},
                               {"ResourceType": "spot-instances-request",
                                "Tags": [{"Key": "gpubox:box", "Value": "s"}]}])
        return r["Instances"][0]

    def live(self):
        return [i for r in self.ec2.describe_instances()["Reservations"] for i in r["Instances"]
                if i["State"]["Name"] not in ("terminated", "shutting-down")]

    def test_a_spot_instance_carries_its_tagged_request(self):
        inst = self.spot()
        self.assertTrue(inst["SpotInstanceRequestId"].startswith("sir-"))
        (desc,) = self.live()
        self.assertEqual(desc["SpotInstanceRequestId"], inst["SpotInstanceRequestId"])
        self.assertEqual(desc["InstanceLifecycle"], "spot")
        (req,) = self.ec2.describe_spot_instance_requests(
            Filters=[{"Name": "tag:gpubox:box", "Values": ["s"]}])["SpotInstanceRequests"]
        self.assertEqual((req["State"], req["Type"], req["InstanceId"]),
                         ("active", "persistent", inst["InstanceId"]))

    def test_terminating_a_persistent_spot_instance_launches_a_replacement(self):
        inst = self.spot()
        self.ec2.terminate_instances(InstanceIds=[inst["InstanceId"]])
        (new,) = self.live()
        self.assertNotEqual(new["InstanceId"], inst["InstanceId"])
        self.assertEqual(new["SpotInstanceRequestId"], inst["SpotInstanceRequestId"])
        (req,) = self.ec2.describe_spot_instance_requests()["SpotInstanceRequests"]
        self.assertEqual((req["State"], req["InstanceId"]), ("active", new["InstanceId"]))

    def test_cancel_first_then_terminate_leaves_nothing_and_cancel_keeps_the_instance(self):
        inst = self.spot()
        sir = inst["SpotInstanceRequestId"]
        out = self.ec2.cancel_spot_instance_requests(SpotInstanceRequestIds=[sir])
        self.assertEqual(out["CancelledSpotInstanceRequests"][0]["State"], "cancelled")
        self.assertEqual(len(self.live()), 1)  # cancelling does not terminate
        (req,) = self.ec2.describe_spot_instance_requests(SpotInstanceRequestIds=[sir])["SpotInstanceRequests"]
        self.assertEqual(req["Status"]["Code"], "request-canceled-and-instance-running")
        self.ec2.terminate_instances(InstanceIds=[inst["InstanceId"]])
        self.assertEqual(self.live(), [])

    def test_a_one_time_request_closes_and_relaunch_can_be_switched_off(self):
        inst = self.spot("one-time")
        self.ec2.terminate_instances(InstanceIds=[inst["InstanceId"]])
        self.assertEqual(self.live(), [])
        self.assertEqual(self.ec2.describe_spot_instance_requests()["SpotInstanceRequests"][0]["State"],
                         "closed")
        self.moto.set_behaviours(spot_relaunch=False)
        inst = self.spot()
        self.ec2.terminate_instances(InstanceIds=[inst["InstanceId"]])
        self.assertEqual(self.live(), [])

    # ---- console output ----------------------------------------------------------------
    def test_console_prints_the_ubuntu_key_block_after_the_configured_calls(self):
        self.moto.set_behaviours(console_after_calls=2)
        iid = self.ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
        key = "ssh-ed25519 " + base64.b64encode(
            b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + bytes(range(32))).decode()
        self.moto.set_console_keys(iid, [key])
        first = self.ec2.get_console_output(InstanceId=iid, Latest=True)
        self.assertNotIn("Output", first)
        second = self.ec2.get_console_output(InstanceId=iid, Latest=True)["Output"]
        self.assertNotIn("SSH HOST KEY", second)
        third = self.ec2.get_console_output(InstanceId=iid, Latest=True)["Output"]
        lines = third.splitlines()
        begin = lines.index("-----BEGIN SSH HOST KEY KEYS-----")
        self.assertTrue(lines[begin + 1].startswith(key + " root@ip-"))
        self.assertEqual(lines[begin + 2], "-----END SSH HOST KEY KEYS-----")
        digest = base64.b64encode(hashlib.sha256(base64.b64decode(key.split()[1])).digest()).decode()
        self.assertIn(f"ec2: 256 SHA256:{digest.rstrip('=')} ", third)
        self.assertIn("ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----", third)

    def test_console_without_keys(self):
        self.moto.set_behaviours(console_keys=False, console_after_calls=0)
        iid = self.ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
        for _ in range(3):
            self.assertNotIn("SSH HOST KEY KEYS", self.ec2.get_console_output(InstanceId=iid)["Output"])

    # ---- accounts without a default VPC ---------------------------------------------------
    def test_no_default_vpc(self):
        self.moto.set_behaviours(default_vpc=False)
        self.assertEqual(self.ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"], [])
        self.assertEqual(self.code(self.ec2.create_security_group, GroupName="g", Description="d"),
                         "VPCIdNotSpecified")
        self.assertEqual(self.code(self.ec2.run_instances, ImageId=AMI, MinCount=1, MaxCount=1),
                         "VPCIdNotSpecified")
        vpc = self.ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        sn = self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24", AvailabilityZone="us-east-1b")["Subnet"]
        self.assertFalse(sn["MapPublicIpOnLaunch"])
        self.assertFalse(sn["DefaultForAz"])
        self.ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=sn["SubnetId"])

    def test_a_zone_without_a_default_subnet(self):
        self.moto.set_behaviours(no_default_subnet_zones=["us-east-1a"])
        self.assertEqual(self.code(self.ec2.run_instances, ImageId=AMI, MinCount=1, MaxCount=1,
                                   Placement={"AvailabilityZone": "us-east-1a"}), "MissingInput")
        self.ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, Placement={"AvailabilityZone": "us-east-1b"})

    # ---- placement groups -------------------------------------------------------------------
    def test_placement_groups_with_tags(self):
        self.ec2.create_placement_group(GroupName="pg1", Strategy="cluster", TagSpecifications=[
            {"ResourceType": "placement-group", "Tags": [{"Key": "gpubox:box", "Value": "c"}]}])
        self.ec2.create_placement_group(GroupName="pg2", Strategy="spread")
        (g,) = self.ec2.describe_placement_groups(
            Filters=[{"Name": "tag:gpubox:box", "Values": ["c"]}])["PlacementGroups"]
        self.assertEqual((g["GroupName"], g["Strategy"], g["Tags"]),
                         ("pg1", "cluster", [{"Key": "gpubox:box", "Value": "c"}]))
        self.assertEqual(self.code(self.ec2.create_placement_group, GroupName="pg1", Strategy="cluster"),
                         "InvalidPlacementGroup.Duplicate")
        self.ec2.delete_placement_group(GroupName="pg1")
        self.assertEqual([x["GroupName"] for x in self.ec2.describe_placement_groups()["PlacementGroups"]], ["pg2"])

    def test_reset_restores_the_defaults(self):
        self.moto.set_behaviours(default_vpc=False, consistency_notfound=5)
        self.moto.reset()
        from moto_realism import DEFAULTS
        self.assertTrue(self.moto.realism()["settings"]["default_vpc"])
        self.assertEqual(self.moto.realism()["settings"]["consistency_notfound"],
                         DEFAULTS["consistency_notfound"])
        with self.assertRaises(urllib.request.HTTPError):
            self.moto.set_behaviours(no_such_behaviour=1)


if __name__ == "__main__":
    unittest.main()
