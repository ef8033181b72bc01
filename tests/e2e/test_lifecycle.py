"""The lifecycle of existing boxes: ls (discovery by tag, store repair, --all-regions), ssh
through the loopback sshd, stop/start, down (with DependencyViolation retries) and gc.

Boxes are created here directly with boto3, exactly as gpubox tags them, so these tests do not
depend on `gpubox up`. Every effect is cross-checked with boto3."""
import json
import os
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import harness  # noqa: E402
import sshd  # noqa: E402

CALLER = "203.0.113.7"
# Who moto says the test credentials are (GetCallerIdentity): the owner of the boxes made here.
OWNER = "arn:aws:sts::123456789012:user/moto"


def tags(name, extra=None):
    t = [{"Key": "gpubox:box", "Value": name}, {"Key": "gpubox:owner", "Value": OWNER},
         {"Key": "gpubox:created", "Value": "2026-01-02T03:04:05Z"}, {"Key": "Name", "Value": f"gpubox-{name}"}]
    return t + (extra or [])


def spec(resource, name):
    return [{"ResourceType": resource, "Tags": tags(name)}]


class LifecycleTest(harness.MotoTestCase):
    def env(self, extra=None, region=None):
        base = {"GPUBOX_CALLER_IP": CALLER}
        base.update(extra or {})
        return super().env(base, region)

    def ec2(self, region=None):
        return self.boto3_client("ec2", region or self.region)

    def make_box(self, name, region=None, itype="g4dn.xlarge"):
        """What `gpubox up` leaves behind: SG with a /32 rule, key pair, tagged instance + disk."""
        ec2 = self.ec2(region)
        sg = ec2.create_security_group(GroupName=f"gpubox-{name}", Description="gpubox box",
                                       TagSpecifications=spec("security-group", name))["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
            "IpRanges": [{"CidrIp": f"{CALLER}/32", "Description": "gpubox ssh: your address"}]}])
        ec2.create_key_pair(KeyName=f"gpubox-{name}", TagSpecifications=spec("key-pair", name))
        inst = ec2.run_instances(
            ImageId="ami-12345678", InstanceType=itype, MinCount=1, MaxCount=1,
            KeyName=f"gpubox-{name}", SecurityGroupIds=[sg],
            BlockDeviceMappings=[{"DeviceName": "/dev/sda1", "Ebs": {
                "VolumeSize": 100, "VolumeType": "gp3", "DeleteOnTermination": True}}],
            TagSpecifications=spec("instance", name) + spec("volume", name))["Instances"][0]
        return {"id": inst["InstanceId"], "sg": sg, "key": f"gpubox-{name}"}

    def instance(self, iid, region=None):
        return self.ec2(region).describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]

    def ls_json(self, *args, env=None):
        r = self.gpubox("ls", "--json", *args, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        return {b["name"]: b for b in json.loads(r.stdout)}

    def set_store(self, name, **fields):
        """Fill in what `up` records locally (user, key, allowed CIDR) for a box ls adopted."""
        db = sqlite3.connect(os.path.join(self.home, ".gpubox", "state.db"))
        with db:
            for k, v in fields.items():
                db.execute(f"UPDATE boxes SET {k} = ? WHERE name = ?", (v, name))
        db.close()

    def tagged(self, region=None, name=None):
        """Everything still tagged gpubox:box (=name) in a region, seen by boto3."""
        ec2 = self.ec2(region)
        f = [{"Name": "tag:gpubox:box", "Values": [name]}] if name else [{"Name": "tag-key", "Values": ["gpubox:box"]}]
        live = [i["InstanceId"] for r in ec2.describe_instances(Filters=f)["Reservations"]
                for i in r["Instances"] if i["State"]["Name"] != "terminated"]
        return {"instances": live,
                "groups": [g["GroupId"] for g in ec2.describe_security_groups(Filters=f)["SecurityGroups"]],
                "keys": [k["KeyName"] for k in ec2.describe_key_pairs(Filters=f)["KeyPairs"]],
                "volumes": [v["VolumeId"] for v in ec2.describe_volumes(Filters=f)["Volumes"]]}

    # ---- ls ------------------------------------------------------------------
    def test_ls_adopts_boxes_found_in_the_cloud(self):
        box = self.make_box("alpha")
        boxes = self.ls_json()
        self.assertEqual(set(boxes), {"alpha"})
        a = boxes["alpha"]
        self.assertEqual(a["state"], "running")
        self.assertEqual(a["instance_id"], box["id"])
        self.assertEqual(a["region"], "us-east-1")
        self.assertEqual(a["zone"], self.instance(box["id"])["Placement"]["AvailabilityZone"])
        self.assertEqual(a["public_ip"], self.instance(box["id"])["PublicIpAddress"])
        self.assertEqual(a["gpu"], "1x T4 16GiB")
        self.assertGreater(a["price_per_hour_usd"], 0)
        self.assertTrue(a["adopted"])
        # The table (piped: tab-separated) shows the same box, and the store now knows it.
        r = self.gpubox("ls")
        self.assertEqual(r.returncode, 0, r.stderr)
        cells = r.stdout.strip().split("\t")
        self.assertEqual(cells[:4], ["alpha", "running", "g4dn.xlarge", "1x T4 16GiB"])
        self.assertEqual(cells[5], a["public_ip"])
        self.assertFalse(self.ls_json()["alpha"]["adopted"])

    def test_ls_status_reads_the_watchdog_over_ssh_only_through_the_local_sshd(self):
        self.make_box("alpha")
        self.make_box("beta")
        self.ls_json()
        self.ec2().stop_instances(InstanceIds=[self.ls_json()["beta"]["instance_id"]])
        # Without a local sshd the invented address is refused, never connected to.
        r = self.gpubox("ls", "--status", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        boxes = {b["name"]: b for b in json.loads(r.stdout)}
        self.assertIn("invented", boxes["alpha"]["activity"])
        self.assertEqual(boxes["beta"]["activity"], "-")
        with sshd.Sshd() as info:
            self.set_store("alpha", ssh_user=info.user, key_path=info.key_path)
            env = {"GPUBOX_SSH_CONNECT": f"127.0.0.1:{info.port}"}
            r = self.gpubox("ls", "--status", "--json", env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            alpha = {b["name"]: b for b in json.loads(r.stdout)}["alpha"]
            # It reached the box: either the watchdog's view or "not bootstrapped" from the box.
            self.assertNotIn("invented", alpha["activity"])
            self.assertRegex(alpha["activity"],
                             r"bootstrap has not run|idle|active|stopping|no status yet")
            r = self.gpubox("ls", "--status", env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            row = [line for line in r.stdout.splitlines() if line.startswith("alpha\t")][0]
            self.assertEqual(row.split("\t")[-1], alpha["activity"])

    def test_ls_all_regions_finds_a_box_in_a_region_the_store_never_saw(self):
        box = self.make_box("far", region="eu-west-1")
        self.assertNotIn("far", self.ls_json())
        found = self.ls_json("--all-regions")
        self.assertIn("far", found)
        self.assertEqual(found["far"]["region"], "eu-west-1")
        self.assertEqual(found["far"]["instance_id"], box["id"])
        # Repaired: the store remembers the region, so a plain ls looks there too.
        self.assertIn("far", self.ls_json())

    def test_ls_marks_a_box_terminated_behind_its_back_as_gone(self):
        box = self.make_box("alpha")
        self.ls_json()
        self.ec2().terminate_instances(InstanceIds=[box["id"]])
        self.assertEqual(self.ls_json()["alpha"]["state"], "gone")

    # ---- stop / start ----------------------------------------------------------
    def test_stop_then_start_resumes_the_same_instance_with_a_new_address(self):
        box = self.make_box("alpha")
        self.ls_json()
        self.set_store("alpha", allow_from=f"{CALLER}/32")
        r = self.gpubox("stop", "alpha")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("100 GiB disk is still billed", r.stdout)
        self.assertEqual(self.instance(box["id"])["State"]["Name"], "stopped")
        self.assertEqual(self.ls_json()["alpha"]["state"], "stopped")
        # Started from a new address: the /32 rule follows the caller.
        r = self.gpubox("start", "alpha", env={"GPUBOX_CALLER_IP": "198.51.100.23"})
        self.assertEqual(r.returncode, 0, r.stderr)
        inst = self.instance(box["id"])
        self.assertEqual(inst["State"]["Name"], "running")
        self.assertIn(inst["PublicIpAddress"], r.stdout)
        with open(os.path.join(self.home, ".gpubox", "ssh_config")) as f:
            self.assertNotIn(inst["PublicIpAddress"], f.read())  # invented by the stand-in
        group = self.ec2().describe_security_groups(GroupIds=[box["sg"]])["SecurityGroups"][0]
        cidrs = [rng["CidrIp"] for p in group["IpPermissions"] for rng in p["IpRanges"]]
        self.assertEqual(cidrs, ["198.51.100.23/32"])
        self.assertEqual(len(self.requests(action="RunInstances")), 1)  # only ours, never a replacement
        ledger = sqlite3.connect(os.path.join(self.home, ".gpubox", "state.db")).execute(
            "SELECT state FROM ledger WHERE name = 'alpha' ORDER BY id").fetchall()
        self.assertEqual([s for (s,) in ledger], ["running", "stopped", "running"])

    def test_start_without_capacity_says_it_never_relaunches_elsewhere(self):
        self.make_box("alpha")
        self.ls_json()
        self.assertEqual(self.gpubox("stop", "alpha").returncode, 0)
        self.add_faults([{"action": "StartInstances", "code": "InsufficientInstanceCapacity",
                          "status": 500, "remaining": 5}])
        r = self.gpubox("start", "alpha")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("never launches a replacement", r.stderr)
        self.assertIn("hint:", r.stderr)
        self.assertEqual(len(self.requests(action="RunInstances")), 1)

    # ---- ssh -------------------------------------------------------------------
    def test_ssh_runs_the_command_on_the_box_and_passes_the_exit_code(self):
        self.make_box("alpha")
        self.ls_json()
        with sshd.Sshd() as info:
            # The box's console prints the key its sshd really has (the stand-in's default keys
            # are invented, and the first ssh pins what the console shows).
            self.set_behaviours(console_host_keys=[info.host_public_key])
            self.set_store("alpha", ssh_user=info.user, key_path=info.key_path)
            env = {"GPUBOX_SSH_CONNECT": f"127.0.0.1:{info.port}"}
            r = self.gpubox("ssh", "alpha", "--", "uname", "-a", env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(os.uname().sysname, r.stdout)
            r = self.gpubox("ssh", "alpha", "--", "sh", "-c", "exit 7", env=env)
            self.assertEqual(r.returncode, 7, r.stderr)
            r = self.gpubox("ssh", "alpha", "--", "echo 'a b' && exit 3", env=env)
            self.assertEqual((r.returncode, r.stdout.strip()), (3, "a b"), r.stderr)

    def test_ssh_refuses_an_invented_address_without_a_local_sshd(self):
        self.make_box("alpha")
        self.ls_json()
        r = self.gpubox("ssh", "alpha", "--", "true")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("GPUBOX_SSH_CONNECT", r.stderr)

    # ---- down --------------------------------------------------------------------
    def test_down_removes_everything_tagged_and_is_safe_to_repeat(self):
        box = self.make_box("alpha")
        extra = self.ec2().create_volume(AvailabilityZone="us-east-1a", Size=8,
                                         TagSpecifications=spec("volume", "alpha"))["VolumeId"]
        self.ls_json()
        r = self.gpubox("down", "alpha")  # no TTY, no --yes: refused
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--yes", r.stderr)
        self.assertEqual(self.instance(box["id"])["State"]["Name"], "running")
        r = self.gpubox("down", "alpha", "--yes")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.instance(box["id"])["State"]["Name"], "terminated")
        self.assertEqual(self.tagged(name="alpha"), {"instances": [], "groups": [], "keys": [], "volumes": []})
        self.assertIn(extra, r.stdout)
        self.assertEqual(self.ls_json(), {})
        # Gone from the store and from every region: a second down is an error, not "gone".
        r = self.gpubox("down", "alpha", "--yes")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("no box named alpha", r.stderr)

    def test_down_retries_the_security_group_while_aws_reports_dependency_violation(self):
        box = self.make_box("alpha")
        self.ls_json()
        self.add_faults([{"action": "DeleteSecurityGroup", "code": "DependencyViolation",
                          "status": 400, "remaining": 2}])
        r = self.gpubox("down", "alpha", "--yes")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.requests(action="DeleteSecurityGroup")), 3)
        groups = self.ec2().describe_security_groups(Filters=[{"Name": "group-id", "Values": [box["sg"]]}])
        self.assertEqual(groups["SecurityGroups"], [])

    def test_down_waits_for_termination_before_the_group_goes_as_aws_requires(self):
        # The stand-in refuses DeleteSecurityGroup while an instance in the group is not
        # terminated (tests/support/gpubox_moto.py), so deleting it first would fail here.
        box = self.make_box("alpha")
        self.ls_json()
        r = self.gpubox("down", "alpha", "--yes")
        self.assertEqual(r.returncode, 0, r.stderr)
        log = [(q["action"], q["status"]) for q in self.requests()
               if q["action"] in ("TerminateInstances", "DeleteSecurityGroup")]
        self.assertEqual(log, [("TerminateInstances", 200), ("DeleteSecurityGroup", 200)])
        self.assertEqual(self.instance(box["id"])["State"]["Name"], "terminated")
        self.assertEqual(self.tagged(name="alpha")["groups"], [])

    # ---- gc ----------------------------------------------------------------------
    def test_gc_lists_then_removes_only_what_no_box_owns(self):
        kept = self.make_box("kept")
        self.ls_json()
        ghost_sg = self.ec2().create_security_group(
            GroupName="gpubox-ghost", Description="x", TagSpecifications=spec("security-group", "ghost"))["GroupId"]
        self.ec2("eu-west-1").create_key_pair(KeyName="gpubox-ghost", TagSpecifications=spec("key-pair", "ghost"))
        ghost_vol = self.ec2("us-west-2").create_volume(
            AvailabilityZone="us-west-2a", Size=8, TagSpecifications=spec("volume", "ghost"))["VolumeId"]
        lost = self.ec2("ap-south-1").run_instances(
            ImageId="ami-12345678", InstanceType="g4dn.xlarge", MinCount=1, MaxCount=1,
            TagSpecifications=spec("instance", "lost"))["Instances"][0]["InstanceId"]
        r = self.gpubox("gc")  # no TTY, no --yes: list, then refuse like `down`
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("pass --yes", r.stderr)
        for item in (ghost_sg, "gpubox-ghost", ghost_vol, lost):
            self.assertIn(item, r.stdout)
        self.assertNotIn(kept["sg"], r.stdout)
        self.assertEqual(self.tagged("us-east-1", "ghost")["groups"], [ghost_sg])
        r = self.gpubox("gc", "--yes")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.tagged("us-east-1", "ghost")["groups"], [])
        self.assertEqual(self.tagged("eu-west-1", "ghost")["keys"], [])
        self.assertEqual(self.tagged("us-west-2", "ghost")["volumes"], [])
        self.assertEqual(self.instance(lost, "ap-south-1")["State"]["Name"], "terminated")
        still = self.tagged("us-east-1", "kept")
        self.assertEqual((still["instances"], still["groups"], still["keys"]),
                         ([kept["id"]], [kept["sg"]], [kept["key"]]))
        r = self.gpubox("gc", "--json")
        self.assertEqual(json.loads(r.stdout)["leftovers"], [])


if __name__ == "__main__":
    unittest.main()
