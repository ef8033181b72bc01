"""gpubox up against the moto wrapper; every outcome is checked with boto3, not with gpubox."""
import base64
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import shutil
import tarfile
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import MotoTestCase, gpubox_bin  # noqa: E402
from localnet import wait_for  # noqa: E402
from sshd import Sshd  # noqa: E402

CALLER = "203.0.113.7"
WRITE_ACTIONS = ("RunInstances", "CreateSecurityGroup", "AuthorizeSecurityGroupIngress",
                 "CreateKeyPair", "ImportKeyPair", "CreateTags")


class UpTest(MotoTestCase):
    def setUp(self):
        super().setUp()
        self.ec2 = self.boto3_client("ec2")
        self.user_keygen()

    def up(self, *args, env=None, **kw):
        e = {"GPUBOX_CALLER_IP": CALLER}
        e.update(env or {})
        return self.gpubox("up", *args, env=e, **kw)

    def instances(self):
        out = []
        for r in self.ec2.describe_instances()["Reservations"]:
            out += [i for i in r["Instances"] if i["State"]["Name"] != "terminated"]
        return out

    def groups(self, box="lab"):
        return self.ec2.describe_security_groups(
            Filters=[{"Name": "tag:gpubox:box", "Values": [box]}])["SecurityGroups"]

    def key_pairs(self):
        return [k for k in self.ec2.describe_key_pairs()["KeyPairs"]
                if k["KeyName"].startswith("gpubox-")]

    def assert_nothing_created(self):
        self.assertEqual(self.instances(), [])
        self.assertEqual(self.groups(), [])
        self.assertEqual(self.key_pairs(), [])

    def test_launch_is_locked_down_and_tagged(self):
        r = self.up("lab", "--type", "g4dn.xlarge", "--disk", "150", "--wait", "running",
                    "--yes", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        (inst,) = self.instances()
        self.assertEqual(inst["InstanceId"], doc["instance_id"])
        self.assertEqual(inst["InstanceType"], "g4dn.xlarge")
        tags = {t["Key"]: t["Value"] for t in inst.get("Tags", [])}
        self.assertEqual(tags["gpubox:box"], "lab")
        self.assertEqual(tags["Name"], "gpubox-lab")
        self.assertIn("arn:aws:", tags["gpubox:owner"])
        self.assertRegex(tags["gpubox:created"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(inst["MetadataOptions"]["HttpTokens"], "required")
        attr = self.ec2.describe_instance_attribute(
            InstanceId=inst["InstanceId"], Attribute="instanceInitiatedShutdownBehavior")
        self.assertEqual(attr["InstanceInitiatedShutdownBehavior"]["Value"], "stop")
        vols = self.ec2.describe_volumes(
            Filters=[{"Name": "attachment.instance-id", "Values": [inst["InstanceId"]]}])["Volumes"]
        self.assertEqual(len(vols), 1)
        self.assertEqual(vols[0]["Size"], 150)
        self.assertEqual(vols[0]["VolumeType"], "gp3")
        self.assertTrue(vols[0]["Encrypted"])
        (sg,) = self.groups()
        self.assertEqual([g["GroupId"] for g in inst["SecurityGroups"]], [sg["GroupId"]])
        self.assertEqual(len(sg["IpPermissions"]), 1)
        perm = sg["IpPermissions"][0]
        self.assertEqual((perm["IpProtocol"], perm["FromPort"], perm["ToPort"]), ("tcp", 22, 22))
        self.assertEqual([x["CidrIp"] for x in perm["IpRanges"]], [CALLER + "/32"])
        self.assertEqual({t["Key"]: t["Value"] for t in sg["Tags"]}["gpubox:box"], "lab")
        (key,) = self.key_pairs()
        self.assertRegex(key["KeyName"], r"^gpubox-lab-[0-9a-f]{8}$")  # unguessable
        self.assertRegex(sg["GroupName"], r"^gpubox-lab-[0-9a-f]{8}$")
        self.assertEqual(inst["KeyName"], key["KeyName"])
        run = self.requests(action="RunInstances")[-1]["params"]
        self.assertTrue(run["ClientToken"].startswith("gpubox-"))
        self.assertEqual(run["BlockDeviceMapping.1.Ebs.DeleteOnTermination"], "true")
        # Under a stand-in without GPUBOX_SSH_CONNECT the managed ssh config leaves the box out:
        # its address is invented. --yes answers yes to adding the Include to ~/.ssh/config.
        with open(os.path.join(self.home, ".gpubox", "ssh_config")) as f:
            text = f.read()
        self.assertNotIn("Host lab", text)
        self.assertNotIn(inst["PublicIpAddress"], text)
        with open(os.path.join(self.home, ".ssh", "config")) as f:
            self.assertEqual(f.readline().strip(),
                             "Include " + os.path.join(self.home, ".gpubox", "ssh_config"))

    def test_dry_run_creates_nothing(self):
        r = self.up("lab", "--gpu", "T4", "--region", "us-east-1", "--dry-run", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        plan = json.loads(r.stdout)
        self.assertEqual(plan["instance_type"], "g4dn.xlarge")
        self.assertTrue(plan["image"]["id"].startswith("ami-"))
        self.assertEqual(plan["security_group"]["ingress"][0]["cidr"], CALLER + "/32")
        self.assertIsNotNone(plan["price_per_hour_usd"])
        for action in WRITE_ACTIONS:
            self.assertEqual(self.requests(action=action), [], action)
        self.assert_nothing_created()

    def test_sigkill_after_run_instances_then_up_again_gives_one_instance(self):
        self.add_faults([{"action": "RunInstances", "after": True, "delay_ms": 8000,
                          "remaining": 1}])
        proc = subprocess.Popen([gpubox_bin(), "up", "lab", "--type", "g4dn.xlarge", "--wait",
                                 "running", "--yes"],
                                env=self.env({"GPUBOX_CALLER_IP": CALLER}),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                stdin=subprocess.DEVNULL)
        # The backend has launched (boto3 sees the instance) while the reply is held back.
        self.assertTrue(wait_for(lambda: self.instances(), 60), "RunInstances never reached moto")
        self.assertIsNone(proc.poll(), "gpubox returned before the held-back reply")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        self.assertEqual(len(self.instances()), 1)
        r = self.up("lab", "--type", "g4dn.xlarge", "--wait", "running", "--yes", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        (inst,) = self.instances()
        self.assertEqual(json.loads(r.stdout)["instance_id"], inst["InstanceId"])

    def test_throttling_during_up_is_retried(self):
        self.add_faults([{"action": ["RunInstances", "CreateSecurityGroup"],
                          "code": "RequestLimitExceeded", "status": 503, "remaining": 2}])
        r = self.up("lab", "--type", "g4dn.xlarge", "--wait", "running", "--yes")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.instances()), 1)

    def test_no_capacity_in_the_first_zone_moves_to_the_next(self):
        self.add_faults([{"action": "RunInstances", "code": "InsufficientInstanceCapacity",
                          "status": 500, "match": {"Placement.AvailabilityZone": "us-east-1a"}}])
        r = self.up("lab", "--type", "g4dn.xlarge", "--wait", "running", "--yes", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        (inst,) = self.instances()
        self.assertNotEqual(inst["Placement"]["AvailabilityZone"], "us-east-1a")
        tokens = {q["params"]["ClientToken"] for q in self.requests(action="RunInstances")}
        self.assertEqual(len(tokens), 2)

    def test_vcpu_limit_gives_the_quota_hint_and_leaves_nothing(self):
        self.add_faults([{"action": "RunInstances", "code": "VcpuLimitExceeded", "status": 400}])
        r = self.up("lab", "--type", "g4dn.xlarge", "--wait", "running", "--yes")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("gpubox quota request", r.stderr)
        self.assert_nothing_created()
        self.assertFalse(os.path.exists(os.path.join(self.home, ".gpubox", "keys", "gpubox-lab.pem")))

    def test_spot_launch_asks_for_a_persistent_spot_instance_that_stops(self):
        r = self.up("lab", "--type", "g4dn.xlarge", "--spot", "--wait", "running", "--yes", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertTrue(doc["spot"])
        run = self.requests(action="RunInstances")[-1]["params"]
        self.assertEqual(run["InstanceMarketOptions.MarketType"], "spot")
        # Persistent + stop: an interruption stops the box (disk kept) instead of deleting it,
        # which is what lets `gpubox start` bring it back.
        self.assertEqual(run["InstanceMarketOptions.SpotOptions.SpotInstanceType"], "persistent")
        self.assertEqual(run["InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior"], "stop")
        self.assertNotIn("InstanceMarketOptions.SpotOptions.MaxPrice", run, "pay at most on-demand")
        (inst,) = self.instances()
        self.assertEqual(inst["InstanceId"], doc["instance_id"])
        listing = json.loads(self.gpubox("ls", "--json").stdout)
        self.assertEqual([(b["name"], b["spot"]) for b in listing], [("lab", True)])

    def test_a_spot_box_aws_stops_and_starts_again_is_seen_running_again(self):
        # An interruption of gpubox's persistent spot request stops the instance and disables
        # the request; with capacity back, EC2 starts the same instance again. No gpubox command
        # runs in between: `ls` follows what AWS did.
        r = self.up("lab", "--type", "g4dn.xlarge", "--spot", "--wait", "running", "--yes", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        iid = json.loads(r.stdout)["instance_id"]
        self.moto.spot_interruption(iid, "stop")
        (box,) = json.loads(self.gpubox("ls", "--json").stdout)
        self.assertEqual((box["state"], box["spot_request_state"]), ("stopped", "disabled"))
        self.assertIn("stopped (spot request disabled)", self.gpubox("ls").stdout)
        self.moto.spot_interruption(iid, "restart")
        (box,) = json.loads(self.gpubox("ls", "--json").stdout)
        self.assertEqual(box["state"], "running")
        self.assertNotIn("spot_request_state", box)
        (inst,) = self.instances()
        self.assertEqual((inst["InstanceId"], inst["State"]["Name"]), (iid, "running"))
        (req,) = self.ec2.describe_spot_instance_requests()["SpotInstanceRequests"]
        self.assertEqual((req["State"], req["Status"]["Code"], req["InstanceId"]),
                         ("active", "fulfilled", iid))

    def test_spot_quota_of_zero_is_refused_with_the_spot_request_hint(self):
        # The on-demand G quota stays open: only the spot one (L-3819A6DF) can refuse this.
        self.moto.set_quota("us-east-1", "L-3819A6DF", 0)
        r = self.up("lab", "--type", "g4dn.xlarge", "--spot", "--yes")
        self.assertNotEqual(r.returncode, 0)
        self.assertRegex(r.stderr, r"gpubox quota request .*--spot")
        self.assertEqual(self.requests(action="RunInstances"), [])
        self.assert_nothing_created()

    def test_quota_preflight_refuses_before_creating_anything(self):
        r = self.up("lab", "--type", "p4d.24xlarge", "--yes")  # P quota is 0 in us-east-1
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("gpubox quota request", r.stderr)
        self.assertEqual(self.requests(action="RunInstances"), [])
        self.assert_nothing_created()

    def test_running_instances_count_against_the_quota(self):
        # 8 vCPUs of G on-demand quota; a 4-vCPU g4dn.xlarge fits only while no more than 4 G
        # vCPUs run. Instances of another family, and stopped G ones, use none of it.
        self.moto.set_quota("us-east-1", "L-DB2E81BA", 8.0)
        other = self.ec2.run_instances(ImageId="ami-12c6146b", InstanceType="m5.2xlarge",
                                       MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
        g = self.ec2.run_instances(ImageId="ami-12c6146b", InstanceType="g4dn.2xlarge",
                                   MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
        self.ec2.stop_instances(InstanceIds=[g])
        r = self.up("lab", "--type", "g4dn.xlarge", "--region", "us-east-1", "--dry-run", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        quota = json.loads(r.stdout)["quota"]
        self.assertEqual((quota["code"], quota["used_vcpus"], quota["needed_vcpus"], quota["fits"]),
                         ("L-DB2E81BA", 0, 4, True))
        # The same request once the g4dn.2xlarge runs again: 8 in use + 4 needed > 8.
        self.ec2.start_instances(InstanceIds=[g])
        launches = len(self.requests(action="RunInstances"))  # the two boto3 made above
        r = self.up("lab", "--type", "g4dn.xlarge", "--region", "us-east-1", "--yes")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("is 8 vCPUs and 8 are in use", r.stderr)
        self.assertIn("gpubox quota request", r.stderr)
        self.assertEqual(len(self.requests(action="RunInstances")), launches)
        self.assertEqual(sorted(i["InstanceId"] for i in self.instances()), sorted([other, g]))

    def test_bad_input_fails_and_creates_nothing(self):
        cases = [
            ("bad_name!", "--type", "g4dn.xlarge"),
            ("lab", "--gpu", "T5000"),
            ("lab", "--type", "p3.2xlarge"),
            ("lab", "--type", "g4dn.xlarge", "--disk", "0"),
            ("lab", "--type", "g4dn.xlarge", "--disk", "20000"),
            ("lab", "--type", "g4dn.xlarge", "--allow-from", "1.2.3.999/32"),
            ("lab", "--type", "g4dn.xlarge", "--key", "/nonexistent.pub"),
        ]
        for args in cases:
            r = self.up(*args, "--yes")
            self.assertNotEqual(r.returncode, 0, args)
            self.assertIn("error", r.stderr, args)
        r = self.up("lab", "--type", "g4dn.xlarge", "--yes",
                    env={"GPUBOX_HOME": "/proc/gpubox-cannot-write"})
        self.assertNotEqual(r.returncode, 0)
        self.assert_nothing_created()

    def test_created_key_is_saved_private_when_there_is_no_ssh_key(self):
        for name in ("id_ed25519", "id_ed25519.pub"):
            os.remove(os.path.join(self.home, ".ssh", name))
        r = self.up("lab", "--type", "g4dn.xlarge", "--wait", "running", "--yes")
        self.assertEqual(r.returncode, 0, r.stderr)
        path = os.path.join(self.home, ".gpubox", "keys", "gpubox-lab.pem")
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        self.assertNotIn("PRIVATE KEY", r.stdout + r.stderr)
        self.assertEqual(len(self.key_pairs()), 1)

    def test_gpu_without_region_picks_a_region_and_shows_the_price(self):
        r = self.up("lab", "--gpu", "T4", "--dry-run", "--json",
                    env={"AWS_DEFAULT_REGION": ""})
        self.assertEqual(r.returncode, 0, r.stderr)
        plan = json.loads(r.stdout)
        self.assertEqual(plan["instance_type"], "g4dn.xlarge")
        self.assertIsNotNone(plan["price_per_hour_usd"])
        self.assertTrue(plan["region"])
        self.assert_nothing_created()

    def test_waits_for_ssh_through_the_loopback_sshd(self):
        with Sshd() as info:
            self.moto.set_behaviours(console_host_keys=[info.host_public_key])  # the box's console
            r = self.up("lab", "--type", "g4dn.xlarge", "--key", info.key_path + ".pub",
                        "--wait", "ssh", "--yes",
                        env={"GPUBOX_SSH_CONNECT": f"{info.host}:{info.port}",
                             "GPUBOX_SSH_USER": info.user})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ssh is up", r.stderr)

    def test_wait_ready_holds_until_the_bootstrap_reports_its_status(self):
        # The "box" is the loopback sshd with its own HOME; the bootstrap there writes
        # ~/.gpubox/run/bootstrap.json when Jupyter and the watchdog are up. The test writes it,
        # but only once up has said it waits for the bootstrap and has asked the box at least
        # once (the sshd log shows the ready check), so up cannot pass without waiting.
        sshd = Sshd(record=True)
        with sshd as info:
            self.moto.set_behaviours(console_host_keys=[info.host_public_key])  # the box's console
            status = os.path.join(info.home, ".gpubox", "run", "bootstrap.json")
            err_path = os.path.join(self.home, "up.err")
            with open(err_path, "w") as err:
                proc = subprocess.Popen(
                    [gpubox_bin(), "up", "lab", "--type", "g4dn.xlarge", "--key",
                     info.key_path + ".pub", "--wait", "ready", "--yes"],
                    env=self.env({"GPUBOX_CALLER_IP": CALLER,
                                  "GPUBOX_SSH_CONNECT": f"{info.host}:{info.port}",
                                  "GPUBOX_SSH_USER": info.user}),
                    stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
            self.addCleanup(proc.kill)

            def said(text):
                with open(err_path) as f:
                    return text in f.read()

            self.assertTrue(wait_for(lambda: said("waiting for the bootstrap"), 120))
            asked = lambda: any("bootstrap.json" in c["command"] for c in sshd.commands())  # noqa: E731
            self.assertTrue(wait_for(asked, 60), "up never asked the box")
            self.assertIsNone(proc.poll(), "up returned before the bootstrap finished")
            os.makedirs(os.path.dirname(status))
            os.makedirs(os.path.join(info.home, ".gpubox", "etc"))
            with open(os.path.join(info.home, ".gpubox", "etc", "watchdog.json"), "w") as f:
                f.write('{"jupyter_url": "http://127.0.0.1:8888"}\n')
            with open(status, "w") as f:
                f.write('{"ok": true, "jupyter": "/opt/gpubox/venv/bin/jupyter-lab", "error": null}\n')
            self.assertEqual(proc.wait(timeout=120), 0, open(err_path).read())
            on_box = os.path.join(info.home, ".gpubox", "etc", "jupyter_token")
            # The token reached the box over ssh (stdin), into a 0600 file: the same as the local one.
            with open(os.path.join(self.home, ".gpubox", "tokens", "lab")) as f:
                local = f.read().strip()
            with open(on_box) as f:
                self.assertEqual(f.read().strip(), local)
            self.assertEqual(os.stat(on_box).st_mode & 0o777, 0o600)
        stderr = open(err_path).read()
        waiting = stderr.index("waiting for the bootstrap")
        self.assertGreater(stderr.index("lab is ready"), waiting, stderr)
        self.assertNotIn(local, stderr)

    def test_ssh_checks_are_skipped_for_invented_addresses(self):
        r = self.up("lab", "--type", "g4dn.xlarge", "--wait", "ssh", "--yes")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("skipping the SSH checks", r.stderr)


    def test_user_data_carries_the_bootstrap_and_the_idle_settings(self):
        r = self.up("lab", "--type", "g4dn.xlarge", "--idle", "45m", "--max-hours", "3",
                    "--wait", "running", "--yes", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        (inst,) = self.instances()
        attr = self.ec2.describe_instance_attribute(InstanceId=inst["InstanceId"],
                                                    Attribute="userData")
        script = base64.b64decode(attr["UserData"]["Value"]).decode()
        self.assertTrue(script.startswith("#!/bin/bash\n"))
        self.assertLessEqual(len(script.encode()), 16384)
        self.assertIn("--idle 45", script)
        self.assertIn("--max-hours 3", script)
        # The token gpubox keeps locally (0600) never travels in user-data, which every process
        # on the box can read through IMDS: it goes over ssh once sshd answers.
        token_file = os.path.join(self.home, ".gpubox", "tokens", "lab")
        self.assertEqual(os.stat(token_file).st_mode & 0o777, 0o600)
        with open(token_file) as f:
            token = f.read().strip()
        self.assertGreaterEqual(len(token), 32)
        self.assertNotIn(token, script)
        self.assertNotIn("--token-file", script)
        self.assertNotIn(token, r.stdout + r.stderr)
        # The embedded archive unpacks to the very bootstrap.sh in onbox/.
        archive = script.split("<<'GPUBOX_ARCHIVE'", 1)[1].split("\n", 1)[1]
        archive = archive.split("GPUBOX_ARCHIVE\n", 1)[0]
        with tarfile.open(fileobj=io.BytesIO(base64.b64decode(archive)), mode="r:gz") as tar:
            shipped = tar.extractfile("bootstrap.sh").read()
        onbox = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "onbox")
        with open(os.path.join(onbox, "bootstrap.sh"), "rb") as f:
            self.assertEqual(shipped, f.read())


if __name__ == "__main__":
    unittest.main()
