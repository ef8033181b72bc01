""""No AWS credentials on the box", asserted: gpubox runs with distinctive AWS credentials, and
nothing it sends to a box contains them: not the user-data of an AWS box (nor any file of the
archive inside it), not a command run over ssh, not the environment of such a command, not a byte
sent on its stdin (the files `add` pushes, the Jupyter token). The box is a recording loopback
sshd (it logs every command, its environment and its stdin, and accepts any variable the client
sends), so a leak through SendEnv or an uploaded file would show."""
# ctest: RUN_SERIAL
import base64
import io
import json
import os
import sys
import tarfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import MotoTestCase  # noqa: E402
from localnet import free_port  # noqa: E402
from sshd import Sshd, stop_box_services  # noqa: E402

CALLER = "203.0.113.7"
CANARY = {"AWS_ACCESS_KEY_ID": "AKIAGPUBOXCANARY0001",
          "AWS_SECRET_ACCESS_KEY": "gpubox-canary-secret-6f1c0d9e8a7b5a4c",
          "AWS_SESSION_TOKEN": "gpubox-canary-session-token-3c2b1a0f9e8d"}


def leaks(data):
    """The canary values found in `data` (str or bytes)."""
    blob = data.encode() if isinstance(data, str) else data
    return [k for k, v in CANARY.items() if v.encode() in blob]


class NoCredentialsOnTheBoxTest(MotoTestCase):
    def test_nothing_sent_to_a_box_carries_the_callers_aws_credentials(self):
        sshd = Sshd(record=True, env={"GPUBOX_NO_SYSTEMD": "1"})
        info = sshd.start()
        self.addCleanup(sshd.stop)
        self.moto.set_behaviours(console_host_keys=[info.host_public_key])  # the box's console
        self.addCleanup(stop_box_services, info.home, os.path.join("bin", "bootstrap.sh"))
        env = dict(CANARY, GPUBOX_CALLER_IP=CALLER, GPUBOX_SSH_CONNECT=f"{info.host}:{info.port}",
                   GPUBOX_SSH_USER=info.user)
        # An AWS box: user-data, then ssh until it answers, then a command and the status.
        r = self.gpubox("up", "lab", "--type", "g4dn.xlarge", "--key", info.key_path + ".pub",
                        "--wait", "ssh", "--yes", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.gpubox("ssh", "lab", "--", "true", env=env).returncode, 0)
        self.gpubox("status", "lab", env=env)
        # A machine of one's own: `add` pushes the on-box files and the token over ssh.
        r = self.gpubox("add", "own", f"ssh://{info.user}@127.0.0.1:{info.port}", "--key",
                        info.key_path, "--jupyter-port", str(free_port()), env=env, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)

        # gpubox really held the canary: moto saw it sign with the canary key and token.
        signed = [q for q in self.requests(action="RunInstances")]
        # (more than one when the stand-in answers the first, as AWS may, that the new key pair
        # does not exist yet)
        self.assertGreaterEqual(len(signed), 1)
        for q in signed:
            self.assertIn("Credential=" + CANARY["AWS_ACCESS_KEY_ID"], q["headers"]["Authorization"])
            self.assertEqual(q["headers"]["X-Amz-Security-Token"], CANARY["AWS_SESSION_TOKEN"])

        ec2 = self.boto3_client("ec2")
        (iid,) = [i["InstanceId"] for res in ec2.describe_instances()["Reservations"]
                  for i in res["Instances"]]
        attr = ec2.describe_instance_attribute(InstanceId=iid, Attribute="userData")
        user_data = base64.b64decode(attr["UserData"]["Value"])
        self.assertEqual(leaks(user_data), [])
        self.assertNotIn(b"AWS_", user_data)
        archive = user_data.split(b"<<'GPUBOX_ARCHIVE'", 1)[1].split(b"\n", 1)[1]
        archive = archive.split(b"GPUBOX_ARCHIVE\n", 1)[0]
        with tarfile.open(fileobj=io.BytesIO(base64.b64decode(archive)), mode="r:gz") as tar:
            names = tar.getnames()
            for member in tar.getmembers():
                if member.isfile():
                    self.assertEqual(leaks(tar.extractfile(member).read()), [], member.name)
        self.assertIn("bootstrap.sh", names)

        commands = sshd.commands()
        self.assertGreaterEqual(len(commands), 4, [c["command"] for c in commands])
        self.assertTrue(any(c["stdin"] for c in commands), "no command received any stdin")
        for c in commands:
            self.assertEqual(leaks(c["command"]), [], c["command"])
            self.assertEqual(leaks(json.dumps(c["env"])), [], c["command"])
            self.assertEqual([k for k in c["env"] if k.startswith("AWS_")], [], c["command"])
            self.assertEqual(leaks(c["stdin"]), [], c["command"])


if __name__ == "__main__":
    unittest.main()
