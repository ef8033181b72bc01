"""From nothing to results in one command (issue 12 §2): `gpubox run NAME --type ... --workdir W
--outputs out --down -- CMD` launches an AWS box on the moto stand-in (its connections routed to
a loopback sshd, whose real host key the stand-in's console prints), syncs W, runs the job and
follows it, pulls W/out back, and removes the box whatever the job's exit status, checked with
boto3. Nothing leaves 127.0.0.1."""
#ctest : RUN_SERIAL
import json
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import MotoTestCase  # noqa: E402
from sshd import Sshd, routed_box_env  # noqa: E402

CALLER = "203.0.113.7"


@unittest.skipUnless(shutil.which("rsync"), "rsync is not installed (scripts/deps.sh --install)")
class RunLaunchTest(MotoTestCase):
    def setUp(self):
        super().setUp()
        box_home = os.path.join(self.home, "box")  # the box's HOME: never the real one
        os.makedirs(box_home)
        # `--then` powers the box off: here a marker file, never this machine's shutdown.
        self.stopped_marker = os.path.join(self.home, "box-powered-off")
        power_off = os.path.join(self.home, "power-off.sh")  # one word: sshd's SetEnv splits
        with open(power_off, "w") as f:
            f.write(f"#!/bin/sh\ntouch '{self.stopped_marker}'\n")
        os.chmod(power_off, 0o755)
        sshd = Sshd(home=box_home, env={"GPUBOX_NO_SYSTEMD": "1",
                                        "GPUBOX_JOB_STOP_COMMAND": power_off})
        self.info = sshd.start()
        self.addCleanup(sshd.stop)
        self.set_behaviours(console_host_keys=[self.info.host_public_key])
        self.box_env = routed_box_env(self.info, CALLER)
        self.work = os.path.join(self.home, "proj")
        os.makedirs(self.work)
        with open(os.path.join(self.work, "train.py"), "w") as f:
            f.write("import os\nos.makedirs('out', exist_ok=True)\n"
                    "open('out/answer.txt', 'w').write('42\\n')\nprint('trained')\n")

    def instances(self):
        ec2 = self.boto3_client("ec2")
        return [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]

    def run_job(self, name, *command):
        return self.gpubox("run", name, "--type", "g4dn.xlarge", "--key", self.info.key_path + ".pub",
                           "--yes", "--workdir", self.work, "--outputs", "out", "--down", "--",
                           *command, env=self.box_env, timeout=300)

    def test_launch_run_pull_and_down_in_one_command(self):
        r = self.run_job("job1", "python3", "train.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "trained\n")  # stdout is the job's output, nothing else
        with open(os.path.join(self.work, "out", "answer.txt")) as f:
            self.assertEqual(f.read(), "42\n")
        (instance,) = self.instances()
        self.assertEqual(instance["State"]["Name"], "terminated")
        self.assertIn("job1 is up: g4dn.xlarge", r.stderr)
        self.assertIn("job1 is gone", r.stderr)
        ec2 = self.boto3_client("ec2")
        groups = ec2.describe_security_groups(
            Filters=[{"Name": "tag:gpubox:box", "Values": ["job1"]}])["SecurityGroups"]
        self.assertEqual(groups, [])
        self.assertNotIn("job1", self.gpubox("ls", "--json").stdout)

    def test_a_failing_job_still_removes_its_box_and_keeps_its_exit_code(self):
        r = self.run_job("job2", "sh", "-c", "echo boom >&2; exit 7")
        self.assertEqual(r.returncode, 7, r.stderr)
        self.assertEqual(r.stdout, "boom\n")  # the job's stderr is part of its output log
        self.assertIn("no outputs pulled from job2", r.stderr)  # it wrote none: a warning
        self.assertEqual([i["State"]["Name"] for i in self.instances()], ["terminated"])

    def test_then_down_powers_off_after_the_job_and_gc_removes_the_stopped_box(self):
        r = self.gpubox("up", "lab", "--type", "g4dn.xlarge", "--key", self.info.key_path + ".pub",
                        "--wait", "ssh", "--yes", env=self.box_env)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.gpubox("run", "lab", "--then", "down", "--", "echo", "done", env=self.box_env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("done\n"), r.stdout)
        self.assertIn("--then stop: running", r.stdout)  # job.py's own line in the job's log
        self.assertIn("`gpubox gc` then removes it", r.stderr)
        (instance,) = self.instances()
        self.assertIn({"Key": "gpubox:then", "Value": "down"}, instance["Tags"])
        self.assertTrue(os.path.exists(self.stopped_marker))  # the box powered itself off
        # ... which EC2 sees as a stopped instance; gc (not before) finishes the job's `down`.
        g = self.gpubox("gc", "--yes", env=self.box_env)
        self.assertEqual(g.returncode, 0, g.stderr)
        self.assertEqual(self.instances()[0]["State"]["Name"], "running")  # not yet stopped
        self.boto3_client("ec2").stop_instances(InstanceIds=[instance["InstanceId"]])
        g = self.gpubox("gc", "--yes", "--json", env=self.box_env)
        self.assertEqual(g.returncode, 0, g.stderr)
        removed = json.loads(g.stdout)["removed"]
        self.assertEqual([(x["kind"], x["box"]) for x in removed], [("box", "lab")])
        self.assertEqual(self.instances()[0]["State"]["Name"], "terminated")
        self.assertIn("lab is gone", g.stderr)
        self.assertNotIn("lab", self.gpubox("ls", "--json").stdout)

    def test_down_without_a_launch_is_refused_before_anything_is_created(self):
        r = self.gpubox("run", "lab", "--down", "--", "true", env=self.box_env)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--down removes a box run launched", r.stderr)
        self.assertEqual(self.requests(action="RunInstances"), [])


if __name__ == "__main__":
    unittest.main()
