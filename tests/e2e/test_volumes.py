"""Data that outlives a box (issue 12 §4): `gpubox up NAME --volume data:GiB` on the moto stand-in,
checked with boto3: the volume is created once (gp3, encrypted, owner tags), attached and mounted;
`down` keeps it, a later `up --volume data` reattaches it in its zone; `gc` never deletes it;
`volumes` lists it and `volumes rm` deletes it. The box is a loopback sshd (the stand-in's console
prints its host key); the volume's "device" is a file image, the fstab and mount point are temp
paths and mount is a recorder (tests/onbox/test_volume.py tests the script itself), so nothing
here mounts, formats or edits anything of this machine. Nothing leaves 127.0.0.1."""
#ctest : RUN_SERIAL
import json
import os
import shutil
import stat
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import MotoTestCase  # noqa: E402
from sshd import Sshd, routed_box_env  # noqa: E402

CALLER = "203.0.113.7"


def write_exec(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)


@unittest.skipUnless(shutil.which("debugfs") or os.path.exists("/usr/sbin/debugfs"),
                     "needs e2fsprogs (mkfs.ext4, debugfs)")
class VolumesTest(MotoTestCase):
    def setUp(self):
        super().setUp()
        box_home = os.path.join(self.home, "box")  # the box's HOME: never the real one
        os.makedirs(box_home)
        self.image = os.path.join(self.home, "volume.img")  # what /dev/sdf is on the box
        with open(self.image, "wb") as f:
            f.truncate(32 * 1024 * 1024)
        self.fstab = os.path.join(self.home, "fstab")
        self.mount_point = os.path.join(box_home, "data")
        self.mkfs_log = os.path.join(self.home, "mkfs.calls")
        self.mount_log = os.path.join(self.home, "mount.calls")
        mkfs = os.path.join(self.home, "mkfs-recorder")
        write_exec(mkfs, f'#!/bin/sh\necho "$*" >>"{self.mkfs_log}"\nexec /usr/sbin/mkfs.ext4 "$@"\n')
        mount = os.path.join(self.home, "mount-recorder")
        write_exec(mount, f'#!/bin/sh\necho "$*" >>"{self.mount_log}"\n')
        sshd = Sshd(home=box_home, env={"GPUBOX_NO_SYSTEMD": "1",
                                        "GPUBOX_VOLUME_DEVICE": self.image,
                                        "GPUBOX_VOLUME_FSTAB": self.fstab,
                                        "GPUBOX_VOLUME_MOUNT_POINT": self.mount_point,
                                        "GPUBOX_VOLUME_MOUNT_COMMAND": mount,
                                        "GPUBOX_VOLUME_MKFS": mkfs,
                                        "GPUBOX_VOLUME_WAIT_SECONDS": "5"})
        self.info = sshd.start()
        self.addCleanup(sshd.stop)
        self.set_behaviours(console_host_keys=[self.info.host_public_key])
        self.box_env = routed_box_env(self.info, CALLER)
        self.ec2 = self.boto3_client("ec2")

    # ---- helpers ------------------------------------------------------------------
    def up(self, name, *extra):
        return self.gpubox("up", name, "--type", "g4dn.xlarge", "--key", self.info.key_path + ".pub",
                           "--wait", "ssh", "--yes", "--no-ssh-config", *extra, env=self.box_env,
                           timeout=300)

    def volumes(self, name="data"):
        return self.ec2.describe_volumes(
            Filters=[{"Name": "tag:gpubox:volume", "Values": [name]}])["Volumes"]

    def instance(self, name):
        found = [i for r in self.ec2.describe_instances(
            Filters=[{"Name": "tag:gpubox:box", "Values": [name]}])["Reservations"]
                 for i in r["Instances"] if i["State"]["Name"] != "terminated"]
        self.assertEqual(len(found), 1, found)
        return found[0]

    def lines(self, path):
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return f.read().splitlines()

    def write_on_volume(self, name, text):
        src = os.path.join(self.home, name)
        with open(src, "w") as f:
            f.write(text)
        subprocess.run(["debugfs", "-w", "-R", f"write {src} {name}", self.image], check=True,
                       capture_output=True)

    def read_on_volume(self, name):
        return subprocess.run(["debugfs", "-R", f"cat /{name}", self.image], check=True,
                              capture_output=True, text=True).stdout

    # ---- tests ------------------------------------------------------------------------
    def test_created_once_kept_by_down_reattached_in_its_zone_never_deleted_by_gc(self):
        # The volume's zone is not the first one: a later `up` lands there only if it must.
        r = self.up("lab", "--zone", "us-east-1c", "--volume", "data:20")
        self.assertEqual(r.returncode, 0, r.stderr)
        (vol,) = self.volumes()
        lab = self.instance("lab")
        self.assertEqual((vol["Size"], vol["VolumeType"], vol["Encrypted"]), (20, "gp3", True))
        self.assertEqual(vol["AvailabilityZone"], "us-east-1c")
        tags = {t["Key"]: t["Value"] for t in vol["Tags"]}
        self.assertEqual(tags["gpubox:volume"], "data")
        self.assertTrue(tags["gpubox:owner"].startswith("arn:aws:"))
        self.assertEqual(tags["Name"], "gpubox-volume-data")
        self.assertNotIn("gpubox:box", tags)  # so nothing that cleans up a box's leftovers sees it
        self.assertEqual([(a["InstanceId"], a["Device"]) for a in vol["Attachments"]],
                         [(lab["InstanceId"], "/dev/sdf")])
        self.assertEqual(len(self.requests(action="CreateVolume")), 1)
        # Mounted on the box: formatted (it was blank), one fstab line by UUID with nofail.
        self.assertEqual(len(self.lines(self.mkfs_log)), 1)
        self.assertEqual(self.lines(self.mount_log), [f"{self.image} {self.mount_point}"])
        (line,) = self.lines(self.fstab)
        self.assertRegex(line, rf"^UUID=[0-9a-f-]+ {self.mount_point} ext4 defaults,nofail,x-gpubox 0 2$")
        self.assertIn("volume data mounted at", r.stderr)
        self.assertIn(f"volume    data {vol['VolumeId']} 20 GiB in us-east-1c", r.stdout)
        self.write_on_volume("checkpoint.pt", "epoch 3\n")

        d = self.gpubox("down", "lab", "--yes", env=self.box_env)
        self.assertEqual(d.returncode, 0, d.stderr)
        self.assertIn(f"kept volume data ({vol['VolumeId']}, 20 GiB in us-east-1c, $1.60/month)",
                      d.stdout)
        (kept,) = self.volumes()
        self.assertEqual((kept["VolumeId"], kept["State"], kept["Attachments"]),
                         (vol["VolumeId"], "available", []))

        g = self.gpubox("gc", "--yes", "--json", env=self.box_env)
        self.assertEqual(g.returncode, 0, g.stderr)
        self.assertNotIn(vol["VolumeId"], g.stdout)
        self.assertEqual([v["VolumeId"] for v in self.volumes()], [vol["VolumeId"]])

        r = self.up("lab2", "--volume", "data", "--dry-run", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        plan = json.loads(r.stdout)
        self.assertEqual(plan["zones"], ["us-east-1c"])
        self.assertEqual(plan["volume"], {"name": "data", "exists": True,
                                          "volume_id": vol["VolumeId"], "size_gib": 20,
                                          "zone": "us-east-1c", "usd_per_month": 1.6,
                                          "mount_point": "/data"})
        r = self.up("lab2", "--volume", "data", "--dry-run")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"  volume    data ({vol['VolumeId']}, 20 GiB in us-east-1c: the box launches "
                      "there), $1.60/month, at /data; kept by `down`\n", r.stdout)
        self.assertIn("(zones in order: us-east-1c)", r.stdout)
        r = self.up("lab2", "--volume", "data")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("lives in us-east-1c: the box launches there", r.stderr)
        lab2 = self.instance("lab2")
        self.assertEqual(lab2["Placement"]["AvailabilityZone"], "us-east-1c")
        (again,) = self.volumes()
        self.assertEqual(again["VolumeId"], vol["VolumeId"])
        self.assertEqual([a["InstanceId"] for a in again["Attachments"]], [lab2["InstanceId"]])
        self.assertEqual(len(self.requests(action="CreateVolume")), 1)  # created once
        self.assertEqual(len(self.lines(self.mkfs_log)), 1)  # never formatted again
        self.assertEqual(self.read_on_volume("checkpoint.pt"), "epoch 3\n")
        self.assertEqual(len(self.lines(self.fstab)), 1)

        g = self.gpubox("gc", "--yes", env=self.box_env)
        self.assertEqual(g.returncode, 0, g.stderr)
        self.assertEqual([v["VolumeId"] for v in self.volumes()], [vol["VolumeId"]])

    def test_failover_stays_in_the_volumes_zone(self):
        r = self.up("lab", "--zone", "us-east-1b", "--volume", "data:20")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.gpubox("down", "lab", "--yes", env=self.box_env).returncode, 0)
        before = len(self.requests(action="RunInstances"))
        self.add_faults([{"action": "RunInstances", "code": "InsufficientInstanceCapacity",
                          "status": 500, "remaining": 20}])
        r = self.up("lab2", "--volume", "data")
        self.assertNotEqual(r.returncode, 0)
        launches = self.requests(action="RunInstances")[before:]
        self.assertGreater(len(launches), 0)
        subnets = {s["SubnetId"]: s["AvailabilityZone"]
                   for s in self.ec2.describe_subnets()["Subnets"]}
        zones = {p.get("Placement.AvailabilityZone") or
                 subnets.get(p.get("SubnetId") or p.get("NetworkInterface.1.SubnetId"))
                 for p in (x["params"] for x in launches)}
        self.assertEqual(zones, {"us-east-1b"})  # never another zone, nor another region
        self.assertEqual({x["region"] for x in launches}, {"us-east-1"})
        (vol,) = self.volumes()
        self.assertEqual(vol["State"], "available")

    def test_down_with_delete_volumes_deletes_it(self):
        r = self.up("lab", "--volume", "data:10")
        self.assertEqual(r.returncode, 0, r.stderr)
        (vol,) = self.volumes()
        d = self.gpubox("down", "lab", "--yes", "--delete-volumes", "--json", env=self.box_env)
        self.assertEqual(d.returncode, 0, d.stderr)
        (rep,) = json.loads(d.stdout)
        self.assertEqual(rep["named_volumes_deleted"],
                         [{"name": "data", "volume_id": vol["VolumeId"], "size_gib": 10,
                           "zone": vol["AvailabilityZone"]}])
        self.assertEqual(self.volumes(), [])

    def test_volumes_lists_and_rm_deletes_only_a_detached_volume(self):
        r = self.up("lab", "--volume", "data:20")
        self.assertEqual(r.returncode, 0, r.stderr)
        (vol,) = self.volumes()
        lab = self.instance("lab")
        ls = self.gpubox("volumes", "--json", env=self.box_env)
        self.assertEqual(ls.returncode, 0, ls.stderr)
        doc = json.loads(ls.stdout)
        (row,) = doc["volumes"]
        self.assertEqual({k: row[k] for k in ("name", "volume_id", "region", "zone", "size_gib",
                                              "type", "encrypted", "instance_id", "box",
                                              "usd_per_month")},
                         {"name": "data", "volume_id": vol["VolumeId"], "region": "us-east-1",
                          "zone": vol["AvailabilityZone"], "size_gib": 20, "type": "gp3",
                          "encrypted": True, "instance_id": lab["InstanceId"], "box": "lab",
                          "usd_per_month": 1.6})
        self.assertEqual(doc["total_usd_per_month"], 1.6)
        table = self.gpubox("volumes", env=self.box_env)  # piped: no header
        self.assertEqual(table.stdout.splitlines()[0].split("\t"),
                         ["data", "20 GiB", vol["AvailabilityZone"], "lab", "in-use", "1.60",
                          vol["VolumeId"]])

        rm = self.gpubox("volumes", "rm", "data", "--yes", env=self.box_env)
        self.assertNotEqual(rm.returncode, 0)
        self.assertIn("is attached to " + lab["InstanceId"], rm.stderr)
        self.assertIn("gpubox down BOX", rm.stderr)
        self.assertEqual(len(self.volumes()), 1)
        self.assertEqual(self.requests(action="DeleteVolume"), [])

        self.assertEqual(self.gpubox("down", "lab", "--yes", env=self.box_env).returncode, 0)
        rm = self.gpubox("volumes", "rm", "data", env=self.box_env)  # no terminal: never asks
        self.assertNotEqual(rm.returncode, 0)
        self.assertIn("--yes", rm.stderr)
        self.assertEqual(len(self.volumes()), 1)
        rm = self.gpubox("volumes", "rm", "data", "--yes", env=self.box_env)
        self.assertEqual(rm.returncode, 0, rm.stderr)
        self.assertEqual(rm.stdout, f"deleted volume data ({vol['VolumeId']}, 20 GiB in "
                                    f"{vol['AvailabilityZone']})\n")
        self.assertEqual(self.volumes(), [])

    def test_ls_and_cost_include_the_volumes_monthly_cost(self):
        r = self.up("lab", "--volume", "data:50")
        self.assertEqual(r.returncode, 0, r.stderr)
        (vol,) = self.volumes()
        ls = self.gpubox("ls", "--json", env=self.box_env)
        self.assertEqual(ls.returncode, 0, ls.stderr)
        (row,) = json.loads(ls.stdout)
        self.assertEqual(row["volume"], {"name": "data", "volume_id": vol["VolumeId"],
                                         "size_gib": 50, "usd_per_month": 4.0})
        table = self.gpubox("ls", env=self.box_env).stdout.splitlines()  # piped: no header
        self.assertEqual(table[0].split("\t")[-1], "data 50 GiB $4.00/mo")
        cost = self.gpubox("cost", "--json", env=self.box_env)
        self.assertEqual(cost.returncode, 0, cost.stderr)
        doc = json.loads(cost.stdout)
        self.assertEqual(doc["volumes"], [{"name": "data", "volume_id": vol["VolumeId"],
                                           "region": "us-east-1", "size_gib": 50, "box": "lab",
                                           "usd_per_month": 4.0}])
        self.assertEqual(doc["volumes_usd_per_month"], 4.0)
        text = self.gpubox("cost", env=self.box_env).stdout
        self.assertIn(f"\ndata\t50 GiB\t{vol['AvailabilityZone']}\tlab\t4.00\n"
                      "total\t\t\t\t4.00\n", text)
        self.assertEqual(self.gpubox("down", "lab", "--yes", env=self.box_env).returncode, 0)
        ls = self.gpubox("ls", env=self.box_env)
        self.assertEqual(ls.returncode, 0, ls.stderr)
        self.assertIn(f"volume data (50 GiB in {vol['AvailabilityZone']}, no box) costs "
                      "$4.00/month (`gpubox volumes`)", ls.stderr)

    def test_a_volume_in_use_is_refused_before_a_second_box_launches(self):
        r = self.up("lab", "--volume", "data:20")
        self.assertEqual(r.returncode, 0, r.stderr)
        launches = len(self.requests(action="RunInstances"))
        r = self.up("lab2", "--volume", "data")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("volume data is attached to box lab", r.stderr)
        self.assertIn("gpubox down lab", r.stderr)
        self.assertEqual(len(self.requests(action="RunInstances")), launches)

    def test_a_zone_other_than_the_volumes_is_refused_and_a_missing_size_too(self):
        r = self.up("lab", "--volume", "data")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no volume named data", r.stderr)
        self.assertIn("--volume data:200", r.stderr)
        me = self.boto3_client("sts").get_caller_identity()["Arn"]
        self.ec2.create_volume(AvailabilityZone="us-east-1b", Size=5, VolumeType="gp3",
                               TagSpecifications=[{"ResourceType": "volume", "Tags": [
                                   {"Key": "gpubox:volume", "Value": "data"},
                                   {"Key": "gpubox:owner", "Value": me}]}])
        r = self.up("lab", "--volume", "data", "--zone", "us-east-1a")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("volume data lives in us-east-1b, but --zone asks for us-east-1a", r.stderr)
        self.assertEqual(self.requests(action="RunInstances"), [])

    def test_the_stand_in_refuses_attachments_aws_refuses(self):
        run = self.ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1,
                                     Placement={"AvailabilityZone": "us-east-1a"})
        iid = run["Instances"][0]["InstanceId"]
        other = self.ec2.create_volume(AvailabilityZone="us-east-1b", Size=5)["VolumeId"]
        with self.assertRaises(Exception) as e:
            self.ec2.attach_volume(VolumeId=other, InstanceId=iid, Device="/dev/sdf")
        self.assertIn("InvalidVolume.ZoneMismatch", str(e.exception))
        here = self.ec2.create_volume(AvailabilityZone="us-east-1a", Size=5)["VolumeId"]
        self.ec2.attach_volume(VolumeId=here, InstanceId=iid, Device="/dev/sdf")
        run2 = self.ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1,
                                      Placement={"AvailabilityZone": "us-east-1a"})
        with self.assertRaises(Exception) as e:
            self.ec2.attach_volume(VolumeId=here, InstanceId=run2["Instances"][0]["InstanceId"],
                                   Device="/dev/sdg")
        self.assertIn("VolumeInUse", str(e.exception))


if __name__ == "__main__":
    unittest.main()
