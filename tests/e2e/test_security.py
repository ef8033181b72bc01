"""Security against a hostile account and a curious peer (issue 10), end to end: the real binary
against moto on 127.0.0.1. Hostile resources are made with boto3 the way an attacker with
ec2:* in the same account would; every outcome is checked with boto3. No box is ever connected
to: moto's public addresses (54.214.0.0/16) belong to strangers."""
import json
import os
import sqlite3
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import MotoTestCase  # noqa: E402
from sshd import Sshd  # noqa: E402

CALLER = "203.0.113.7"
# Who moto says the test credentials are (GetCallerIdentity): the owner of what gpubox makes.
OWNER = "arn:aws:sts::123456789012:user/moto"
SOMEONE_ELSE = "arn:aws:iam::123456789012:user/mallory"
ALL_TCP = {"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535,
           "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}


def keygen(path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path], check=True)
    with open(path + ".pub") as f:
        return f.read().strip()


def tag_spec(resource, box, owner=OWNER):
    return [{"ResourceType": resource, "Tags": [
        {"Key": "gpubox:box", "Value": box}, {"Key": "gpubox:owner", "Value": owner},
        {"Key": "gpubox:created", "Value": "2026-01-02T03:04:05Z"},
        {"Key": "Name", "Value": f"gpubox-{box}"}]}]


def blob(public_key_line):
    return public_key_line.split()[1]


class SecurityTestCase(MotoTestCase):
    def setUp(self):
        super().setUp()
        self.ec2 = self.boto3_client("ec2")
        ssh_dir = os.path.join(self.home, ".ssh")
        os.makedirs(ssh_dir, mode=0o700)
        self.user_key = keygen(os.path.join(ssh_dir, "id_ed25519"))
        self.attacker_key = keygen(os.path.join(self.home, "mallory"))

    def up(self, *args, env=None):
        e = {"GPUBOX_CALLER_IP": CALLER}
        e.update(env or {})
        return self.gpubox("up", *args, env=e)

    def instances(self):
        return [i for r in self.ec2.describe_instances()["Reservations"] for i in r["Instances"]
                if i["State"]["Name"] != "terminated"]

    def group(self, group_id):
        return self.ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]

    def assert_only_ssh_from_caller(self, group):
        perms = group["IpPermissions"]
        self.assertEqual(len(perms), 1, perms)
        p = perms[0]
        self.assertEqual((p["IpProtocol"], p["FromPort"], p["ToPort"]), ("tcp", 22, 22))
        self.assertEqual([r["CidrIp"] for r in p["IpRanges"]], [CALLER + "/32"])
        self.assertEqual(p.get("Ipv6Ranges", []), [])
        self.assertEqual(p.get("UserIdGroupPairs", []), [])


class NameSquattingTest(SecurityTestCase):
    """Issue 10 §1: never trust a resource by its name."""

    def test_a_group_and_key_precreated_under_the_boxs_name_are_never_used(self):
        squat_sg = self.ec2.create_security_group(GroupName="gpubox-lab", Description="open")
        self.ec2.authorize_security_group_ingress(GroupId=squat_sg["GroupId"],
                                                  IpPermissions=[ALL_TCP])
        self.ec2.import_key_pair(KeyName="gpubox-lab", PublicKeyMaterial=self.attacker_key)
        r = self.up("lab", "--type", "g4dn.xlarge", "--wait", "running", "--yes", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        (inst,) = self.instances()
        groups = [g["GroupId"] for g in inst["SecurityGroups"]]
        self.assertNotIn(squat_sg["GroupId"], groups)
        self.assertNotEqual(inst["KeyName"], "gpubox-lab")
        self.assert_only_ssh_from_caller(self.group(groups[0]))
        (key,) = self.ec2.describe_key_pairs(KeyNames=[inst["KeyName"]],
                                             IncludePublicKey=True)["KeyPairs"]
        self.assertEqual(blob(key["PublicKey"]), blob(self.user_key))
        # The squatter's resources are not gpubox's to delete.
        self.assertEqual(len(self.ec2.describe_key_pairs(KeyNames=["gpubox-lab"])["KeyPairs"]), 1)
        self.group(squat_sg["GroupId"])

    def test_a_leftover_group_of_this_box_is_cut_back_to_ssh_from_the_caller(self):
        # An interrupted `up --allow-from 0.0.0.0/0` left this group; now the user runs a
        # plain `up`: the group is reused only once it holds exactly tcp/22 from the caller.
        left = self.ec2.create_security_group(
            GroupName="gpubox-lab-0badc0de", Description="gpubox box lab",
            TagSpecifications=tag_spec("security-group", "lab"))["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=left, IpPermissions=[
            ALL_TCP, {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53,
                      "IpRanges": [{"CidrIp": "198.51.100.0/24"}]}])
        r = self.up("lab", "--type", "g4dn.xlarge", "--wait", "running", "--yes")
        self.assertEqual(r.returncode, 0, r.stderr)
        (inst,) = self.instances()
        self.assertEqual([g["GroupId"] for g in inst["SecurityGroups"]], [left])
        self.assert_only_ssh_from_caller(self.group(left))
        revoked = self.requests(action="RevokeSecurityGroupIngress")
        self.assertEqual(len(revoked), 1)
        self.assertIn("::/0", json.dumps(revoked[0]["params"]))

    def test_a_key_pair_tagged_as_this_box_but_holding_another_key_is_refused(self):
        self.ec2.import_key_pair(KeyName="gpubox-lab", PublicKeyMaterial=self.attacker_key,
                                 TagSpecifications=tag_spec("key-pair", "lab"))
        r = self.up("lab", "--type", "g4dn.xlarge", "--wait", "running", "--yes")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("another public key than yours", r.stderr)
        self.assertIn("hint:", r.stderr)
        self.assertEqual(self.instances(), [])
        self.assertEqual(self.requests(action="RunInstances"), [])

    def test_a_key_pair_of_this_box_holding_the_users_key_is_reused(self):
        self.ec2.import_key_pair(KeyName="gpubox-lab-1234abcd", PublicKeyMaterial=self.user_key,
                                 TagSpecifications=tag_spec("key-pair", "lab"))
        r = self.up("lab", "--type", "g4dn.xlarge", "--wait", "running", "--yes")
        self.assertEqual(r.returncode, 0, r.stderr)
        (inst,) = self.instances()
        self.assertEqual(inst["KeyName"], "gpubox-lab-1234abcd")
        self.assertEqual(len(self.requests(action="ImportKeyPair")), 1)  # only the test's own

    def test_someone_elses_tagged_group_is_not_this_owners(self):
        theirs = self.ec2.create_security_group(
            GroupName="gpubox-lab-mallory", Description="x",
            TagSpecifications=tag_spec("security-group", "lab", owner=SOMEONE_ELSE))["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=theirs, IpPermissions=[ALL_TCP])
        r = self.up("lab", "--type", "g4dn.xlarge", "--wait", "running", "--yes")
        self.assertEqual(r.returncode, 0, r.stderr)
        (inst,) = self.instances()
        self.assertNotIn(theirs, [g["GroupId"] for g in inst["SecurityGroups"]])
        self.assertEqual(len(self.group(theirs)["IpPermissions"]), 1)  # left as it was


class OwnersTest(SecurityTestCase):
    """Issue 10 §6: ls, gc, down, stop and start act only on the caller's resources."""

    def make_box(self, name, owner, slug=None):
        slug = slug or name
        sg = self.ec2.create_security_group(GroupName=f"gpubox-{slug}-00000000",
                                            Description="gpubox box",
                                            TagSpecifications=tag_spec("security-group", name,
                                                                       owner))["GroupId"]
        self.ec2.create_key_pair(KeyName=f"gpubox-{slug}-00000000",
                                 TagSpecifications=tag_spec("key-pair", name, owner))
        inst = self.ec2.run_instances(
            ImageId="ami-12345678", InstanceType="g4dn.xlarge", MinCount=1, MaxCount=1,
            KeyName=f"gpubox-{slug}-00000000", SecurityGroupIds=[sg],
            TagSpecifications=tag_spec("instance", name, owner))["Instances"][0]
        return {"id": inst["InstanceId"], "sg": sg}

    def ls(self, *args):
        r = self.gpubox("ls", "--json", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return {b["name"]: b for b in json.loads(r.stdout)}

    def state(self, iid):
        return self.ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0][
            "State"]["Name"]

    def test_ls_never_adopts_another_owners_box_and_all_owners_shows_it_read_only(self):
        self.make_box("mine", OWNER)
        self.make_box("theirs", SOMEONE_ELSE)
        self.assertEqual(sorted(self.ls()), ["mine"])
        db = sqlite3.connect(os.path.join(self.home, ".gpubox", "state.db"))
        names = [n for (n,) in db.execute("SELECT name FROM boxes")]
        db.close()
        self.assertEqual(names, ["mine"])
        listing = self.ls("--all-owners")
        self.assertEqual(sorted(listing), ["mine", "theirs"])
        self.assertEqual((listing["theirs"]["owner"], listing["theirs"]["mine"]),
                         (SOMEONE_ELSE, False))
        self.assertTrue(listing["mine"]["mine"])
        table = self.gpubox("ls", "--all-owners").stdout
        self.assertIn(SOMEONE_ELSE, table)

    def test_down_and_gc_never_touch_another_owners_box(self):
        theirs = self.make_box("theirs", SOMEONE_ELSE)
        r = self.gpubox("down", "theirs", "--yes")
        self.assertEqual(self.state(theirs["id"]), "running", r.stderr)
        self.group(theirs["sg"])
        self.assertEqual(self.requests(action="TerminateInstances"), [])
        self.assertEqual(self.requests(action="DeleteSecurityGroup"), [])
        self.assertEqual(self.requests(action="DeleteKeyPair"), [])
        r = self.gpubox("gc", "--yes")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(theirs["id"], r.stdout)
        self.assertEqual(self.state(theirs["id"]), "running")

    def test_stop_and_start_refuse_a_box_whose_instance_now_has_another_owner(self):
        box = self.make_box("lab", OWNER)
        self.ls()  # adopted: it is ours
        self.ec2.create_tags(Resources=[box["id"]],
                             Tags=[{"Key": "gpubox:owner", "Value": SOMEONE_ELSE}])
        for cmd in ("stop", "start"):
            r = self.gpubox(cmd, "lab")
            self.assertNotEqual(r.returncode, 0, cmd)
            self.assertIn("belongs to " + SOMEONE_ELSE, r.stderr)
        self.assertEqual(self.requests(action="StopInstances"), [])
        self.assertEqual(self.state(box["id"]), "running")

    def test_an_invalid_name_in_a_tag_is_never_stored_or_printed(self):
        box = self.make_box("evil", OWNER)
        # boto3 cannot read an answer that echoes control characters, so the tag comes later.
        self.ec2.create_tags(Resources=[box["id"]],
                             Tags=[{"Key": "gpubox:box", "Value": "x\x1b]52;c;aGk=\x07y"}])
        r = self.gpubox("ls", "--all-owners")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("\x1b", r.stdout + r.stderr)
        self.assertEqual(self.ls(), {})


class StandInTest(SecurityTestCase):
    """Issue 10 §9: a stand-in's invented addresses never reach the managed ssh config."""

    def ssh_config(self):
        with open(os.path.join(self.home, ".gpubox", "ssh_config")) as f:
            return f.read()

    def test_managed_ssh_config_never_names_an_invented_address(self):
        port = self.moto.port
        for endpoint in (self.moto.url, f"http://0.0.0.0:{port}", f"http://[::ffff:127.0.0.1]:{port}"):
            with self.subTest(endpoint=endpoint):
                self.moto.reset()
                env = {"AWS_ENDPOINT_URL": endpoint}
                r = self.up("lab", "--type", "g4dn.xlarge", "--wait", "running", "--yes", env=env)
                self.assertEqual(r.returncode, 0, r.stderr)
                (inst,) = self.instances()
                text = self.ssh_config()
                self.assertNotIn(inst["PublicIpAddress"], text)
                self.assertNotIn("Host lab", text)
                r = self.gpubox("ls", env={"GPUBOX_CALLER_IP": CALLER, "AWS_ENDPOINT_URL": endpoint,
                                           "GPUBOX_SSH_CONNECT": "127.0.0.1:2222"})
                self.assertEqual(r.returncode, 0, r.stderr)
                r = self.gpubox("stop", "lab", env={"AWS_ENDPOINT_URL": endpoint,
                                                    "GPUBOX_SSH_CONNECT": "127.0.0.1:2222"})
                r = self.gpubox("start", "lab", env={"AWS_ENDPOINT_URL": endpoint,
                                                     "GPUBOX_CALLER_IP": CALLER,
                                                     "GPUBOX_SSH_CONNECT": "127.0.0.1:2222"})
                self.assertEqual(r.returncode, 0, r.stderr)
                text = self.ssh_config()
                self.assertIn("Host lab\n  HostName 127.0.0.1\n", text)
                self.assertIn("  Port 2222\n", text)
                self.assertNotIn("54.214.", text)
                self.assertEqual(self.gpubox("down", "lab", "--yes",
                                             env={"AWS_ENDPOINT_URL": endpoint}).returncode, 0)


class TerminalTest(SecurityTestCase):
    """Issue 10 §7: escape sequences in AWS text never reach the terminal."""

    def test_an_osc52_clipboard_write_in_an_aws_error_is_neutralised(self):
        self.add_faults([{"action": "DescribeInstances", "code": "UnauthorizedOperation",
                          "status": 403,
                          "message": "denied\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07 "
                                     "and \u009b31mred"}])
        r = self.gpubox("ls")
        self.assertIn("denied", r.stderr)  # `ls` warns about the region it could not list
        self.assertNotIn("\x1b", r.stderr)
        self.assertNotIn("\x07", r.stderr)
        self.assertNotIn("\u009b", r.stderr)
        self.assertIn("?]52;c;", r.stderr)


class HostTrustTest(SecurityTestCase):
    """Issue 10 §5: `add` trusts the host key the user already trusts, and refuses another."""

    def test_add_refuses_a_host_key_that_differs_from_the_users_known_hosts(self):
        box_home = os.path.join(self.home, "box")  # the "machine" has a HOME of its own
        os.makedirs(box_home)
        with Sshd(extra_config=f"SetEnv HOME={box_home} GPUBOX_NO_SYSTEMD=1\n") as info:
            # The user's own known_hosts has another key for [127.0.0.1]:PORT, hashed as Ubuntu
            # writes it (HashKnownHosts yes): only `ssh-keygen -F` finds it.
            known = os.path.join(self.home, ".ssh", "known_hosts")
            with open(known, "w") as f:
                f.write(f"[127.0.0.1]:{info.port} {self.attacker_key.split()[0]} "
                        f"{blob(self.attacker_key)}\n")
            subprocess.run(["ssh-keygen", "-H", "-f", known], check=True, capture_output=True)
            with open(known) as f:
                self.assertTrue(f.read().startswith("|1|"))
            r = self.gpubox("add", "lab", f"ssh://{info.user}@127.0.0.1:{info.port}",
                            "--key", info.key_path)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn("differs from the one in " + known, r.stderr)
        self.assertIn("hint:", r.stderr)
        self.assertNotIn("lab", self.gpubox("ls", "--json").stdout)
        gpubox_known = os.path.join(self.home, ".gpubox", "known_hosts")
        if os.path.exists(gpubox_known):
            with open(gpubox_known) as f:
                self.assertNotIn("lab ", f.read())


class LocalFilesAndCallerRuleTest(SecurityTestCase):
    """Issue 10 §10 and §4: the data directory, the caller rule, wide CIDRs, no safety net."""

    def test_an_existing_data_directory_open_to_others_is_made_private(self):
        data = os.path.join(self.home, ".gpubox")
        os.makedirs(data, mode=0o755)
        os.chmod(data, 0o755)
        r = self.gpubox("ls")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(os.stat(data).st_mode & 0o777, 0o700)

    @unittest.skipUnless(os.geteuid() == 0, "making a directory another user's needs root")
    def test_a_data_directory_of_another_user_is_refused(self):
        data = os.path.join(self.home, ".gpubox")
        os.makedirs(data, mode=0o700)
        os.chown(data, 65534, 65534)
        r = self.gpubox("ls")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("belongs to user id 65534", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(data, "state.db")))

    def test_a_prefix_wider_than_a_slash_24_gets_the_world_open_warning(self):
        r = self.up("lab", "--type", "g4dn.xlarge", "--allow-from", "10.1.0.0/16", "--dry-run")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("warning: ssh will be open to 65536 addresses (10.1.0.0/16)", r.stderr)
        r = self.up("lab", "--type", "g4dn.xlarge", "--allow-from", "10.1.2.0/24", "--dry-run")
        self.assertNotIn("warning: ssh will be open", r.stderr)

    def test_start_never_replaces_a_cidr_given_with_allow_from(self):
        r = self.up("lab", "--type", "g4dn.xlarge", "--allow-from", "198.51.100.7/32", "--wait",
                    "running", "--yes")
        self.assertEqual(r.returncode, 0, r.stderr)
        (inst,) = self.instances()
        self.assertEqual(self.gpubox("stop", "lab").returncode, 0)
        r = self.gpubox("start", "lab", env={"GPUBOX_CALLER_IP": "192.0.2.99"})
        self.assertEqual(r.returncode, 0, r.stderr)
        group = self.group(inst["SecurityGroups"][0]["GroupId"])
        cidrs = [x["CidrIp"] for p in group["IpPermissions"] for x in p["IpRanges"]]
        self.assertEqual(cidrs, ["198.51.100.7/32"])

    def test_start_moves_the_rule_made_from_the_detected_address(self):
        r = self.up("lab", "--type", "g4dn.xlarge", "--wait", "running", "--yes")
        self.assertEqual(r.returncode, 0, r.stderr)
        (inst,) = self.instances()
        self.assertEqual(self.gpubox("stop", "lab").returncode, 0)
        r = self.gpubox("start", "lab", env={"GPUBOX_CALLER_IP": "192.0.2.99"})
        self.assertEqual(r.returncode, 0, r.stderr)
        group = self.group(inst["SecurityGroups"][0]["GroupId"])
        cidrs = [x["CidrIp"] for p in group["IpPermissions"] for x in p["IpRanges"]]
        self.assertEqual(cidrs, ["192.0.2.99/32"])

    def test_up_warns_when_neither_the_idle_stop_nor_a_hard_cap_is_on(self):
        r = self.up("lab", "--type", "g4dn.xlarge", "--idle", "off", "--wait", "running", "--yes")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("has neither an idle stop nor a hard cap", r.stderr)
        r = self.up("lab2", "--type", "g4dn.xlarge", "--idle", "off", "--max-hours", "4",
                    "--wait", "running", "--yes")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("neither an idle stop", r.stderr)


if __name__ == "__main__":
    unittest.main()
