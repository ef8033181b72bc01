"""Issue 9: what a real AWS account does that plain moto hides, against the stand-in's
moto_realism.py behaviours (on by default). Every outcome is cross-checked with boto3."""
import base64
import json
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import MotoTestCase, gpubox_bin  # noqa: E402
from sshd import Sshd  # noqa: E402

CALLER = "203.0.113.7"
# Who moto says the test credentials are (GetCallerIdentity): gpubox acts only on its resources.
OWNER = "arn:aws:sts::123456789012:user/moto"


class RealAwsCase(MotoTestCase):
    def setUp(self):
        super().setUp()
        self.ec2 = self.boto3_client("ec2")
        self.user_keygen()

    def env(self, extra=None, region=None):
        base = {"GPUBOX_CALLER_IP": CALLER}
        base.update(extra or {})
        return super().env(base, region)

    def up(self, name, *args, **kw):
        return self.gpubox("up", name, "--type", "g4dn.xlarge", "--wait", "running", "--yes", *args, **kw)

    def live(self):
        return [i for r in self.ec2.describe_instances()["Reservations"] for i in r["Instances"]
                if i["State"]["Name"] not in ("terminated", "shutting-down")]

    def spot_requests(self, **kw):
        return self.ec2.describe_spot_instance_requests(**kw)["SpotInstanceRequests"]

    def seq(self, action):
        return [q["seq"] for q in self.requests(action=action)]


class PersistentSpotTest(RealAwsCase):
    """§1: a persistent spot request relaunches its instance when only the instance is ended."""

    def test_down_cancels_the_spot_request_before_terminating_and_nothing_relaunches(self):
        r = self.up("sp", "--spot", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        run = self.requests(action="RunInstances")[-1]["params"]
        spec = {v: k for k, v in run.items() if k.endswith(".ResourceType")}
        self.assertIn("spot-instances-request", spec)
        (req,) = self.spot_requests()
        self.assertEqual((req["State"], req["Type"]), ("active", "persistent"))
        self.assertIn({"Key": "gpubox:box", "Value": "sp"}, req["Tags"])
        d = self.gpubox("down", "sp", "--yes")
        self.assertEqual(d.returncode, 0, d.stderr)
        self.assertIn(req["SpotInstanceRequestId"], d.stdout)
        self.assertEqual(self.live(), [], "a replacement instance is running and billing")
        (req,) = self.spot_requests()
        self.assertEqual(req["State"], "cancelled")
        self.assertLess(max(self.seq("CancelSpotInstanceRequests")), min(self.seq("TerminateInstances")))

    def test_gc_cancels_an_orphaned_spot_request_and_its_instance_stays_gone(self):
        tags = [{"Key": "gpubox:box", "Value": "ghost"}, {"Key": "gpubox:owner", "Value": OWNER}]
        self.ec2.run_instances(
            ImageId="ami-12c6146b", InstanceType="g4dn.xlarge", MinCount=1, MaxCount=1,
            InstanceMarketOptions={"MarketType": "spot", "SpotOptions": {
                "SpotInstanceType": "persistent", "InstanceInterruptionBehavior": "stop"}},
            TagSpecifications=[{"ResourceType": "instance", "Tags": tags},
                               {"ResourceType": "spot-instances-request", "Tags": tags}])
        listed = self.gpubox("gc", "--json")  # piped, no --yes: the list, then a refusal like down's
        self.assertEqual(listed.returncode, 2, listed.stderr)
        self.assertIn("pass --yes", listed.stderr)
        kinds = sorted(x["kind"] for x in json.loads(listed.stdout)["leftovers"])
        self.assertEqual(kinds, ["instance", "spot-request"])
        r = self.gpubox("gc", "--yes")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.live(), [])
        self.assertEqual([q["State"] for q in self.spot_requests()], ["cancelled"])
        self.assertLess(max(self.seq("CancelSpotInstanceRequests")), min(self.seq("TerminateInstances")))

    def test_gc_cancels_an_open_request_whose_instance_is_already_gone(self):
        self.moto.set_behaviours(spot_relaunch=False)  # reopened, waiting for capacity
        tags = [{"Key": "gpubox:box", "Value": "ghost"}, {"Key": "gpubox:owner", "Value": OWNER}]
        inst = self.ec2.run_instances(
            ImageId="ami-12c6146b", InstanceType="g4dn.xlarge", MinCount=1, MaxCount=1,
            InstanceMarketOptions={"MarketType": "spot", "SpotOptions": {
                "SpotInstanceType": "persistent", "InstanceInterruptionBehavior": "stop"}},
            TagSpecifications=[{"ResourceType": "spot-instances-request", "Tags": tags}])["Instances"][0]
        self.ec2.terminate_instances(InstanceIds=[inst["InstanceId"]])
        self.assertEqual(self.spot_requests()[0]["State"], "open")
        listed = self.gpubox("gc", "--json")
        self.assertEqual([x["kind"] for x in json.loads(listed.stdout)["leftovers"]], ["spot-request"])
        r = self.gpubox("gc", "--yes")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([q["State"] for q in self.spot_requests()], ["cancelled"])
        self.assertEqual(self.live(), [])

    def test_ls_shows_the_spot_request_state_when_it_is_not_active(self):
        r = self.up("sp", "--spot")
        self.assertEqual(r.returncode, 0, r.stderr)
        ls = json.loads(self.gpubox("ls", "--json").stdout)
        self.assertNotIn("spot_request_state", ls[0])
        (req,) = self.spot_requests()
        self.ec2.cancel_spot_instance_requests(SpotInstanceRequestIds=[req["SpotInstanceRequestId"]])
        ls = json.loads(self.gpubox("ls", "--json").stdout)
        self.assertEqual(ls[0]["spot_request_state"], "cancelled")
        table = self.gpubox("ls")
        self.assertIn("running (spot request cancelled)", table.stdout)


class RegionFailureTest(RealAwsCase):
    """§10: every region failing is an error that names the regions, not an empty answer."""

    def test_ls_and_gc_exit_non_zero_naming_the_regions_when_every_region_fails(self):
        self.add_faults([{"action": "DescribeInstances", "code": "UnauthorizedOperation", "status": 403}])
        ls = self.gpubox("ls")
        self.assertNotEqual(ls.returncode, 0)
        self.assertIn("could not list boxes in any region (us-east-1)", ls.stderr)
        self.assertEqual(ls.stdout, "")
        gc = self.gpubox("gc")
        self.assertNotEqual(gc.returncode, 0)
        self.assertIn("could not look in any region (", gc.stderr)
        self.assertNotIn("nothing to clean up", gc.stdout)

    def test_gc_with_one_region_failing_says_which_it_could_not_read(self):
        self.add_faults([{"action": "DescribeInstances", "region": "eu-west-1",
                          "code": "UnauthorizedOperation", "status": 403}])
        gc = self.gpubox("gc")
        self.assertEqual(gc.returncode, 0, gc.stderr)
        self.assertIn("nothing to clean up in the regions gpubox could read (not eu-west-1)", gc.stdout)


EMPTY_DESCRIBE = ('<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
                  '<requestId>r</requestId><reservationSet/></DescribeInstancesResponse>')


class ConsistencyTest(RealAwsCase):
    """§3: NotFound right after a create is retried; a resumed launch replays its parameters."""

    def test_not_found_right_after_creating_is_retried_and_nothing_is_cleaned_up(self):
        self.moto.set_behaviours(consistency_notfound=2)
        r = self.up("lab", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        auth = [q["status"] for q in self.requests(action="AuthorizeSecurityGroupIngress")]
        self.assertEqual(auth, [400, 400, 200])
        runs = [q["status"] for q in self.requests(action="RunInstances")]
        self.assertEqual(runs[-1], 200)
        self.assertGreaterEqual(runs.count(400), 2, runs)  # the key pair, then the group, lagged
        (inst,) = self.live()
        self.assertEqual(json.loads(r.stdout)["instance_id"], inst["InstanceId"])
        self.assertEqual(len(self.ec2.describe_security_groups(
            Filters=[{"Name": "tag:gpubox:box", "Values": ["lab"]}])["SecurityGroups"]), 1)
        self.assertEqual(self.requests(action="DeleteSecurityGroup"), [])
        self.assertEqual(self.requests(action="DeleteKeyPair"), [])

    def kill_up_after_run_instances(self, *args):
        self.add_faults([{"action": "RunInstances", "after": True, "delay_ms": 8000, "remaining": 1}])
        proc = subprocess.Popen([gpubox_bin(), "up", "lab", "--type", "g4dn.xlarge", "--wait", "running",
                                 "--yes", *args], env=self.env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        deadline = time.time() + 60
        while not self.live() and time.time() < deadline:  # launched; its reply is held back
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        # The held-back reply is logged only once its delay ends; wait for that entry, or a fast
        # resumed run could finish first and the log would show one RunInstances instead of two.
        deadline = time.time() + 30
        while (not any(q["status"] == 200 for q in self.requests(action="RunInstances"))
               and time.time() < deadline):
            time.sleep(0.1)
        self.moto.clear_faults()

    def test_a_resumed_up_replays_the_first_parameters_so_the_client_token_is_accepted(self):
        self.kill_up_after_run_instances()
        (first,) = self.live()
        time.sleep(1.1)  # a re-stamped gpubox:created tag would now differ
        # The client-token lookup lags, so the resumed run must send RunInstances again.
        self.add_faults([{"action": "DescribeInstances", "match": {"Filter.1.Name": "client-token"},
                          "status": 200, "content_type": "text/xml", "body": EMPTY_DESCRIBE}])
        r = self.up("lab", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        runs = [q for q in self.requests(action="RunInstances") if q["status"] == 200]
        self.assertEqual(len(runs), 2)
        self.assertEqual(runs[0]["params"], runs[1]["params"])
        (inst,) = self.live()
        self.assertEqual(inst["InstanceId"], first["InstanceId"])
        self.assertEqual(json.loads(r.stdout)["instance_id"], first["InstanceId"])
        (tok,) = self.moto.call("GET", "/gpubox-test/client-tokens")
        self.assertEqual(tok["replays"], 1)

    def test_idempotent_parameter_mismatch_deletes_nothing(self):
        os.remove(os.path.join(self.home, ".ssh", "id_ed25519.pub"))  # gpubox creates the key pair
        self.add_faults([{"action": "RunInstances", "code": "IdempotentParameterMismatch", "status": 400}])
        r = self.up("lab")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("nothing was deleted", r.stderr)
        self.assertEqual(self.requests(action="DeleteKeyPair"), [])
        self.assertEqual(self.requests(action="DeleteSecurityGroup"), [])
        (key,) = self.ec2.describe_key_pairs()["KeyPairs"]
        self.assertRegex(key["KeyName"], r"^gpubox-lab-[0-9a-f]{8}$")
        self.assertTrue(os.path.exists(os.path.join(self.home, ".gpubox", "keys", "gpubox-lab.pem")))


class HostKeyTest(RealAwsCase):
    """§4: the console's keys are waited for, pinned, and enforced against the (local) sshd."""

    def up_ssh(self, info, *args):
        return self.gpubox("up", "lab", "--type", "g4dn.xlarge", "--key", info.key_path + ".pub",
                           "--wait", "ssh", "--yes", *args,
                           env={"GPUBOX_SSH_CONNECT": f"{info.host}:{info.port}",
                                "GPUBOX_SSH_USER": info.user})

    def known_hosts(self):
        with open(os.path.join(self.home, ".gpubox", "known_hosts")) as f:
            return f.read()

    def test_a_console_key_that_matches_the_sshd_is_waited_for_pinned_and_connects(self):
        with Sshd() as info:
            self.moto.set_behaviours(console_host_keys=[info.host_public_key], console_after_calls=3)
            r = self.up_ssh(info)
        self.assertEqual(r.returncode, 0, r.stderr)
        consoles = self.requests(action="GetConsoleOutput")
        self.assertEqual(len(consoles), 4)
        self.assertTrue(all(q["params"].get("Latest") == "true" for q in consoles))
        self.assertIn("waiting for", r.stderr)
        self.assertIn("pinned the host keys of lab from its console (ssh-ed25519)", r.stderr)
        self.assertIn(f"lab {info.host_public_key}\n", self.known_hosts())
        self.assertIn("ssh is up", r.stderr)

    def test_every_key_type_the_console_prints_is_pinned(self):
        blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + bytes(range(32))
        other = "ssh-ed25519 " + base64.b64encode(blob).decode()
        with Sshd() as info:
            self.moto.set_behaviours(console_host_keys=[other, info.host_public_key])
            r = self.up_ssh(info)
        self.assertEqual(r.returncode, 0, r.stderr)
        pinned = [line for line in self.known_hosts().splitlines() if line.startswith("lab ")]
        self.assertEqual(pinned, [f"lab {other}", f"lab {info.host_public_key}"])

    def test_a_console_key_that_does_not_match_the_sshd_is_refused(self):
        blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + bytes(range(32))
        with Sshd() as info:
            self.moto.set_behaviours(console_host_keys=["ssh-ed25519 " + base64.b64encode(blob).decode()])
            r = self.up_ssh(info)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("host key of lab", r.stderr)
        self.assertIn("does not match the console", r.stderr)
        self.assertNotIn("ssh is up", r.stderr)

    def test_wait_running_pins_the_console_keys_before_the_first_connection(self):
        # `up --wait running` reads the console once, before cloud-init printed the keys (they
        # show from its 2nd read on); the first command that connects reads it again and pins.
        blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + bytes(range(32))
        wrong = "ssh-ed25519 " + base64.b64encode(blob).decode()
        with Sshd() as info:
            env = {"GPUBOX_SSH_CONNECT": f"{info.host}:{info.port}", "GPUBOX_SSH_USER": info.user}
            self.moto.set_behaviours(console_host_keys=[info.host_public_key], console_after_calls=1)
            r = self.gpubox("up", "lab", "--type", "g4dn.xlarge", "--key", info.key_path + ".pub",
                            "--wait", "running", "--yes", env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertNotIn("lab ", self.known_hosts() if os.path.exists(
                os.path.join(self.home, ".gpubox", "known_hosts")) else "")
            s = self.gpubox("ssh", "lab", "--", "true", env=env)
            self.assertEqual(s.returncode, 0, s.stderr)
            self.assertIn("pinned the host keys of lab from its console before connecting", s.stderr)
            self.assertIn(f"lab {info.host_public_key}\n", self.known_hosts())
            # A second box whose console shows another key is refused at its first connection.
            self.moto.set_behaviours(console_host_keys=[wrong], console_after_calls=1)
            r = self.gpubox("up", "other", "--type", "g4dn.xlarge", "--key",
                            info.key_path + ".pub", "--wait", "running", "--yes", env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            s = self.gpubox("ssh", "other", "--", "true", env=env)
            self.assertNotEqual(s.returncode, 0)  # the sshd's key is not the console's
            self.assertIn(f"other {wrong}\n", self.known_hosts())
            self.assertNotIn("not verified", s.stderr)

    def test_no_keys_in_time_with_yes_is_refused_unless_trust_first_use(self):
        self.moto.set_behaviours(console_keys=False)
        with Sshd() as info:
            r = self.up_ssh(info, "--host-key-wait", "3s")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("printed no SSH host keys", r.stderr)
            self.assertIn("gpubox down lab", r.stderr)
            self.assertNotIn("ssh is up", r.stderr)
            self.assertEqual(len(self.live()), 1)  # said: the box is running
            d = self.gpubox("down", "lab", "--yes")
            self.assertEqual(d.returncode, 0, d.stderr)
            r = self.up_ssh(info, "--host-key-wait", "2s", "--trust-first-use")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ssh is up", r.stderr)

    def test_no_keys_in_time_on_a_terminal_asks_and_a_yes_connects(self):
        import pty
        import select
        self.moto.set_behaviours(console_keys=False)
        with Sshd() as info:
            master, slave = pty.openpty()
            env = self.env({"GPUBOX_SSH_CONNECT": f"{info.host}:{info.port}", "GPUBOX_SSH_USER": info.user})
            proc = subprocess.Popen([gpubox_bin(), "up", "lab", "--type", "g4dn.xlarge", "--key",
                                     info.key_path + ".pub", "--wait", "ssh", "--host-key-wait", "2s"],
                                    env=env, stdin=slave, stderr=slave, stdout=subprocess.PIPE)
            os.close(slave)
            seen, answered = b"", set()
            deadline = time.time() + 90
            while proc.poll() is None and time.time() < deadline:
                ready, _, _ = select.select([master], [], [], 0.2)
                if ready:
                    try:
                        seen += os.read(master, 4096)
                    except OSError:
                        break
                if b"Launch it? [Y/n]" in seen and "plan" not in answered:  # the plan, first
                    os.write(master, b"y\n")
                    answered.add("plan")
                if b"Trust the key" in seen and "trust" not in answered:
                    os.write(master, b"y\n")
                    answered.add("trust")
                if b"[y/N]" in seen.split(b"Trust the key")[-1] and "include" not in answered \
                        and "trust" in answered and seen.count(b"[y/N]") >= 2:
                    os.write(master, b"n\n")
                    answered.add("include")
            proc.wait(timeout=30)
            os.close(master)
        text = seen.decode(errors="replace")
        self.assertIn("printed no SSH host keys", text)
        self.assertEqual(proc.returncode, 0, text)
        self.assertIn("ssh is up", text)


class RaceTest(RealAwsCase):
    """§10: concurrent and interrupted `up`."""

    def test_two_concurrent_ups_of_one_name_end_with_one_box_and_the_loser_says_so(self):
        self.add_faults([{"action": "CreateSecurityGroup", "delay_ms": 2500}])
        cmd = [gpubox_bin(), "up", "lab", "--type", "g4dn.xlarge", "--wait", "running", "--yes"]
        procs = [subprocess.Popen(cmd, env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  stdin=subprocess.DEVNULL, text=True) for _ in range(2)]
        outs = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
        codes = sorted(o[2] for o in outs)
        self.assertEqual(codes[0], 0, outs)
        self.assertNotEqual(codes[1], 0, outs)
        loser = next(o for o in outs if o[2] != 0)
        self.assertIn("another `gpubox up lab` is already launching it", loser[1])
        self.assertEqual(len(self.live()), 1)
        self.assertEqual(self.requests(action="DeleteSecurityGroup"), [])
        self.assertEqual(self.requests(action="DeleteKeyPair"), [])
        self.assertEqual(len(self.requests(action="CreateSecurityGroup")), 1)

    def test_up_again_resumes_a_box_left_pending(self):
        # Killed while waiting for `running`: the store has the box, pending.
        self.add_faults([{"action": "DescribeInstances", "match": {"InstanceId.1": "i-*"}, "delay_ms": 8000,
                          "remaining": 1}])
        proc = subprocess.Popen([gpubox_bin(), "up", "lab", "--type", "g4dn.xlarge", "--wait", "running",
                                 "--yes"], env=self.env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        deadline = time.time() + 60
        while not any(q["params"].get("InstanceId.1") for q in self.requests(action="DescribeInstances")) \
                and time.time() < deadline:
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        # The held-back reply is logged only once its delay ends; wait for that entry, or a fast
        # resumed run could finish first and the log would show one RunInstances instead of two.
        deadline = time.time() + 30
        while (not any(q["status"] == 200 for q in self.requests(action="RunInstances"))
               and time.time() < deadline):
            time.sleep(0.1)
        self.moto.clear_faults()
        (first,) = self.live()
        r = self.up("lab", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("resuming lab", r.stderr)
        self.assertEqual(json.loads(r.stdout)["instance_id"], first["InstanceId"])
        self.assertEqual(len(self.live()), 1)
        again = self.up("lab")
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("already exists (running", again.stderr)


WRITES = ("CreateKeyPair", "ImportKeyPair", "CreateSecurityGroup", "AuthorizeSecurityGroupIngress",
          "RunInstances", "CreateTags")


class NoDefaultVpcTest(RealAwsCase):
    """§2: accounts without a default VPC, or without a default subnet in a zone."""

    def vpc_with_subnets(self, map_public=False):
        vpc = self.ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        subnets = {}
        for i, zone in enumerate(("us-east-1b", "us-east-1c"), 1):
            sn = self.ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=zone)["Subnet"]
            if map_public:
                self.ec2.modify_subnet_attribute(SubnetId=sn["SubnetId"], MapPublicIpOnLaunch={"Value": True})
            subnets[zone] = sn["SubnetId"]
        return vpc, subnets

    def test_no_default_vpc_fails_before_creating_anything_and_names_subnet(self):
        self.moto.set_behaviours(default_vpc=False)
        r = self.up("lab")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("us-east-1 has no default VPC", r.stderr)
        self.assertIn("--subnet", r.stderr)
        for action in WRITES:
            self.assertEqual(self.requests(action=action), [], action)

    def test_up_into_a_subnet_that_maps_no_public_address_asks_for_one(self):
        self.moto.set_behaviours(default_vpc=False)
        vpc, subnets = self.vpc_with_subnets()
        r = self.up("lab", "--subnet", subnets["us-east-1b"], "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        (inst,) = self.live()
        self.assertEqual((inst["SubnetId"], inst["VpcId"]), (subnets["us-east-1b"], vpc))
        self.assertEqual(inst["Placement"]["AvailabilityZone"], "us-east-1b")
        (sg,) = self.ec2.describe_security_groups(
            Filters=[{"Name": "tag:gpubox:box", "Values": ["lab"]}])["SecurityGroups"]
        self.assertEqual(sg["VpcId"], vpc)
        self.assertEqual([g["GroupId"] for g in inst["SecurityGroups"]], [sg["GroupId"]])
        self.assertEqual([g["GroupId"] for g in inst["NetworkInterfaces"][0]["Groups"]], [sg["GroupId"]])
        run = self.requests(action="RunInstances")[-1]["params"]
        self.assertEqual(run["NetworkInterface.1.AssociatePublicIpAddress"], "true")
        self.assertEqual(run["NetworkInterface.1.SubnetId"], subnets["us-east-1b"])
        self.assertNotIn("SubnetId", run)
        self.assertTrue(inst.get("PublicIpAddress"), inst)

    def test_a_subnet_that_maps_public_addresses_is_used_directly(self):
        vpc, subnets = self.vpc_with_subnets(map_public=True)
        r = self.up("lab", "--subnet", subnets["us-east-1c"])
        self.assertEqual(r.returncode, 0, r.stderr)
        run = self.requests(action="RunInstances")[-1]["params"]
        self.assertEqual(run["SubnetId"], subnets["us-east-1c"])
        self.assertNotIn("NetworkInterface.1.AssociatePublicIpAddress", run)

    def test_zone_failover_with_a_subnet_stays_inside_its_vpc(self):
        self.moto.set_behaviours(default_vpc=False)
        vpc, subnets = self.vpc_with_subnets()
        self.add_faults([{"action": "RunInstances", "code": "InsufficientInstanceCapacity", "status": 500,
                          "match": {"NetworkInterface.1.SubnetId": subnets["us-east-1b"]}}])
        r = self.up("lab", "--subnet", subnets["us-east-1b"])
        self.assertEqual(r.returncode, 0, r.stderr)
        (inst,) = self.live()
        self.assertEqual((inst["SubnetId"], inst["VpcId"]), (subnets["us-east-1c"], vpc))

    def test_a_zone_without_a_default_subnet_is_skipped(self):
        self.moto.set_behaviours(no_default_subnet_zones=["us-east-1a"])
        r = self.up("lab")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("skipping us-east-1a: no default subnet there", r.stderr)
        zones = [q["params"].get("Placement.AvailabilityZone") for q in self.requests(action="RunInstances")]
        self.assertNotIn("us-east-1a", zones)
        (inst,) = self.live()
        self.assertNotEqual(inst["Placement"]["AvailabilityZone"], "us-east-1a")

    def test_no_default_subnet_in_the_pinned_zone_names_subnet(self):
        self.moto.set_behaviours(no_default_subnet_zones=["us-east-1a"])
        r = self.up("lab", "--zone", "us-east-1a")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no default subnet", r.stderr)
        self.assertIn("--subnet", r.stderr)
        for action in WRITES:
            self.assertEqual(self.requests(action=action), [], action)


class CrashAndStoreTest(RealAwsCase):
    """§10: Ctrl-C, down after a crash, TerminateInstances lag, leaks and a damaged store."""

    def gpubox_home(self, *parts):
        return os.path.join(self.home, ".gpubox", *parts)

    def start_up_held_at_run_instances(self):
        self.add_faults([{"action": "RunInstances", "after": True, "delay_ms": 8000, "remaining": 1}])
        proc = subprocess.Popen([gpubox_bin(), "up", "lab", "--type", "g4dn.xlarge", "--wait", "running",
                                 "--yes"], env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, text=True)
        deadline = time.time() + 60
        while not self.live() and time.time() < deadline:  # launched; its reply is held back
            time.sleep(0.1)
        return proc

    def test_ctrl_c_says_what_may_run_and_how_to_resume_or_remove_and_exits_130(self):
        proc = self.start_up_held_at_run_instances()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 130, err)
        self.assertIn("interrupted while launching lab", err)
        self.assertIn("$0.526/h", err)
        self.assertIn("gpubox up lab", err)
        self.assertIn("gpubox down lab", err)
        self.moto.clear_faults()
        r = self.up("lab", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.live()), 1)

    def test_down_after_a_killed_up_finds_the_instance_by_its_client_token(self):
        proc = self.start_up_held_at_run_instances()
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
        self.moto.clear_faults()
        (inst,) = self.live()
        # The tag lookup lags: it does not see the new instance yet.
        self.add_faults([{"action": "DescribeInstances", "match": {"Filter.1.Name": "tag:gpubox:box"},
                          "status": 200, "content_type": "text/xml", "body": EMPTY_DESCRIBE}])
        d = self.gpubox("down", "lab", "--yes")
        self.assertEqual(d.returncode, 0, d.stderr)
        self.assertNotIn("already gone", d.stdout)
        self.assertIn(inst["InstanceId"], d.stdout)
        self.assertEqual(self.live(), [])

    def test_terminate_answering_not_found_once_is_sent_again(self):
        r = self.up("lab")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.add_faults([{"action": "TerminateInstances", "code": "InvalidInstanceID.NotFound",
                          "status": 400, "remaining": 1}])
        d = self.gpubox("down", "lab", "--yes", timeout=60)
        self.assertEqual(d.returncode, 0, d.stderr)
        self.assertEqual([q["status"] for q in self.requests(action="TerminateInstances")], [400, 200])
        self.assertEqual(self.live(), [])

    def test_down_of_a_rediscovered_box_removes_its_saved_key_and_token(self):
        os.remove(os.path.join(self.home, ".ssh", "id_ed25519.pub"))  # gpubox creates the key pair
        r = self.up("lab")
        self.assertEqual(r.returncode, 0, r.stderr)
        pem, token = self.gpubox_home("keys", "gpubox-lab.pem"), self.gpubox_home("tokens", "lab")
        self.assertTrue(os.path.exists(pem) and os.path.exists(token))
        os.remove(self.gpubox_home("state.db"))  # forgotten locally: ls rediscovers it by its tags
        ls = self.gpubox("ls", "--json")
        self.assertEqual([b["name"] for b in json.loads(ls.stdout)], ["lab"])
        d = self.gpubox("down", "lab", "--yes")
        self.assertEqual(d.returncode, 0, d.stderr)
        self.assertFalse(os.path.exists(pem))
        self.assertFalse(os.path.exists(token))

    def test_gc_expires_a_launch_left_pending_when_its_token_finds_no_instance(self):
        self.add_faults([{"action": "RunInstances", "drop": True}])
        r = self.up("lab", env={"AWS_MAX_ATTEMPTS": "1"})
        self.assertNotEqual(r.returncode, 0)
        self.moto.clear_faults()
        self.assertEqual(self.live(), [])
        listed = self.gpubox("gc", "--json")
        self.assertIn("the interrupted launch of lab started no instance", listed.stderr)
        kinds = sorted(x["kind"] for x in json.loads(listed.stdout)["leftovers"])
        self.assertEqual(kinds, ["key-pair", "security-group"])
        g = self.gpubox("gc", "--yes")
        self.assertEqual(g.returncode, 0, g.stderr)
        self.assertEqual(self.ec2.describe_security_groups(
            Filters=[{"Name": "tag:gpubox:box", "Values": ["lab"]}])["SecurityGroups"], [])

    def test_a_damaged_store_is_moved_aside_and_rebuilt_from_tags(self):
        r = self.up("lab")
        self.assertEqual(r.returncode, 0, r.stderr)
        for suffix in ("-wal", "-shm"):
            if os.path.exists(self.gpubox_home("state.db" + suffix)):
                os.remove(self.gpubox_home("state.db" + suffix))
        with open(self.gpubox_home("state.db"), "wb") as f:
            f.write(b"this is not sqlite" * 300)
        ls = self.gpubox("ls", "--all-regions", "--json")
        self.assertEqual(ls.returncode, 0, ls.stderr)
        self.assertIn("was damaged", ls.stderr)
        self.assertEqual([b["name"] for b in json.loads(ls.stdout)], ["lab"])
        aside = [f for f in os.listdir(self.gpubox_home()) if f.startswith("state.db.damaged-")]
        self.assertEqual(len(aside), 1, os.listdir(self.gpubox_home()))
        with open(self.gpubox_home(aside[0]), "rb") as f:
            self.assertTrue(f.read().startswith(b"this is not sqlite"))
        again = self.gpubox("ls", "--json")  # the rebuilt store remembers it
        self.assertNotIn("damaged", again.stderr)
        self.assertEqual([b["name"] for b in json.loads(again.stdout)], ["lab"])

    def test_an_unusable_store_still_lets_ls_and_down_work_from_tags_and_up_refuses(self):
        r = self.up("lab")
        self.assertEqual(r.returncode, 0, r.stderr)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.gpubox_home("state.db" + suffix)):
                os.remove(self.gpubox_home("state.db" + suffix))
        os.mkdir(self.gpubox_home("state.db"))  # cannot be opened as a file, whoever we are
        ls = self.gpubox("ls", "--all-regions", "--json")
        self.assertEqual(ls.returncode, 0, ls.stderr)
        self.assertIn("working from AWS tags only", ls.stderr)
        self.assertEqual([b["name"] for b in json.loads(ls.stdout)], ["lab"])
        again = self.up("other")
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("up needs the local state", again.stderr)
        self.assertEqual(self.requests(action="CreateSecurityGroup")[1:], [])
        d = self.gpubox("down", "lab", "--yes")
        self.assertEqual(d.returncode, 0, d.stderr)
        self.assertEqual(self.live(), [])

    def test_a_store_that_cannot_be_written_during_up_says_the_box_runs_and_how_to_remove_it(self):
        import sqlite3
        self.add_faults([{"action": "RunInstances", "after": True, "delay_ms": 3000, "remaining": 1}])
        proc = subprocess.Popen([gpubox_bin(), "up", "lab", "--type", "g4dn.xlarge", "--wait", "running",
                                 "--yes"], env=self.env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                text=True)
        deadline = time.time() + 60
        while not self.requests(action="RunInstances") and time.time() < deadline:
            time.sleep(0.1)
        db = sqlite3.connect(self.gpubox_home("state.db"), timeout=30, isolation_level=None)
        db.execute("BEGIN EXCLUSIVE")  # every write gpubox tries now fails, as on a full disk
        try:
            out, err = proc.communicate(timeout=120)
        finally:
            db.execute("ROLLBACK")
            db.close()
        self.assertNotEqual(proc.returncode, 0)
        (inst,) = self.live()
        self.assertIn(f"{inst['InstanceId']} of box lab is running in us-east-1", err)
        self.assertIn("gpubox down lab", err)


if __name__ == "__main__":
    unittest.main()
