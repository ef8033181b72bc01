"""The first hour of a new user: the config file and its precedence, working without a default
region (named boxes use their own region, `ls` looks everywhere, unknown names are errors),
`iam-policy` against what a real lifecycle sends, `doctor`, and the CLI conventions (bare gpubox,
usage hints, durations). Every AWS effect is cross-checked with boto3."""
import datetime
import json
import os
import pty
import select
import signal
import stat
import time
import subprocess
import sys
import tomllib
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import test_lifecycle  # noqa: E402  (make_box: boxes exactly as `gpubox up` tags them)

CALLER = "203.0.113.7"


class FirstHourCase(harness.MotoTestCase):
    make_box = test_lifecycle.LifecycleTest.make_box
    instance = test_lifecycle.LifecycleTest.instance

    def setUp(self):
        super().setUp()
        self.xdg = os.path.join(self.home, "xdg")

    def env(self, extra=None, region=None):
        base = {"GPUBOX_CALLER_IP": CALLER, "XDG_CONFIG_HOME": self.xdg}
        base.update(extra or {})
        return super().env(base, region)

    def ec2(self, region=None):
        return self.boto3_client("ec2", region or self.region)

    def run_gpubox(self, *args, drop=(), extra=None):
        env = self.env(extra)
        for name in drop:
            env.pop(name, None)
        return subprocess.run([harness.gpubox_bin(), *args], env=env, capture_output=True,
                              text=True, timeout=120, stdin=subprocess.DEVNULL)

    def config_file(self):
        return os.path.join(self.xdg, "gpubox", "config.toml")


class ConfigTest(FirstHourCase):
    def test_set_get_list_unset_round_trip_through_a_real_toml_file(self):
        r = self.gpubox("config", "set", "region", "eu-west-1")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.gpubox("config", "set", "idle", "90M")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.config_file(), "rb") as f:
            self.assertEqual(tomllib.load(f), {"region": "eu-west-1", "idle": "1h30m"})
        self.assertEqual(stat.S_IMODE(os.stat(self.config_file()).st_mode), 0o600)
        r = self.gpubox("config", "get", "region")
        self.assertEqual((r.returncode, r.stdout), (0, "eu-west-1\n"), r.stderr)
        listing = json.loads(self.gpubox("config", "list", "--json").stdout)
        keys = {k["key"]: k for k in listing["keys"]}
        self.assertEqual(listing["path"], self.config_file())
        self.assertEqual((keys["idle"]["value"], keys["idle"]["source"]), ("1h30m", "config"))
        self.assertEqual((keys["framework"]["value"], keys["framework"]["source"]),
                         ("pytorch", "default"))
        self.assertEqual(keys["region"]["source"], "AWS_DEFAULT_REGION")  # the harness sets it
        r = self.gpubox("config", "unset", "region")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.gpubox("config", "get", "region")
        self.assertEqual((r.returncode, r.stdout), (1, ""))
        self.assertIn("not set", r.stderr)

    def test_set_refuses_invalid_values_and_unknown_keys_and_writes_nothing(self):
        for args, needle in ((("idle", "0"), "--idle off"), (("idle", "45"), "unit"),
                             (("colour", "red"), "known keys"), (("region", "Europe"), "us-east-1"),
                             (("max_hours", "0"), "off")):
            r = self.gpubox("config", "set", *args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn(needle, r.stderr, args)
        self.assertFalse(os.path.exists(self.config_file()))

    def test_region_precedence_flag_then_environment_then_file_then_profile(self):
        os.makedirs(os.path.join(self.home, ".aws"), exist_ok=True)
        with open(os.path.join(self.home, ".aws", "config"), "w") as f:
            f.write("[default]\nregion = ap-northeast-1\n")
        self.assertEqual(self.gpubox("config", "set", "region", "eu-west-1").returncode, 0)

        def region(*args, extra=None):
            r = self.run_gpubox(*args, "whoami", "--json", drop=("AWS_DEFAULT_REGION",), extra=extra)
            self.assertEqual(r.returncode, 0, r.stderr)
            got = json.loads(r.stdout)
            return got["region"], got["region_source"]

        self.assertEqual(region(), ("eu-west-1", "gpubox config"))
        self.assertEqual(region(extra={"AWS_REGION": "us-west-2"}), ("us-west-2", "AWS_REGION"))
        self.assertEqual(region("--region", "ap-south-1", extra={"AWS_REGION": "us-west-2"}),
                         ("ap-south-1", "--region"))
        self.assertEqual(self.gpubox("config", "unset", "region").returncode, 0)
        self.assertEqual(region(), ("ap-northeast-1", "profile default"))

    def test_up_defaults_flag_then_environment_then_file_then_builtin(self):
        def autostop(*args, extra=None):
            r = self.run_gpubox("up", "lab", "--type", "g4dn.xlarge", "--dry-run", "--json", *args,
                                extra=extra)
            self.assertEqual(r.returncode, 0, r.stderr)
            return json.loads(r.stdout)["autostop"]

        self.assertEqual(autostop(), {"idle_minutes": 30, "max_hours": None, "text": "idle 30m"})
        # A default GPU yields to an explicit --type (the dry runs below pass --type).
        self.assertEqual(self.gpubox("config", "set", "gpu", "A10G").returncode, 0)
        self.gpubox("config", "set", "idle", "1h")
        self.gpubox("config", "set", "max_hours", "8")
        self.assertEqual(autostop()["text"], "idle 1h, max 8h")
        self.assertEqual(autostop(extra={"GPUBOX_IDLE": "2h"})["idle_minutes"], 120)
        self.assertEqual(autostop("--idle", "45m", extra={"GPUBOX_IDLE": "2h"})["idle_minutes"], 45)
        self.assertEqual(autostop("--idle", "off", "--max-hours", "off")["text"], "off")
        # The file's defaults are what --help shows.
        r = self.gpubox("up", "--help")
        self.assertRegex(r.stdout, r"--idle TEXT=1h ")

    def test_a_broken_file_is_an_error_naming_its_line(self):
        os.makedirs(os.path.dirname(self.config_file()))
        with open(self.config_file(), "w") as f:
            f.write('region = "eu-west-1"\nregoin = "x"\n')
        r = self.gpubox("ls")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(f"{self.config_file()}:2: unknown key 'regoin'", r.stderr)
        self.assertEqual(self.requests(), [])


class NoDefaultRegionTest(FirstHourCase):
    DROP = ("AWS_DEFAULT_REGION",)

    def test_ls_without_a_region_lists_every_region_that_has_boxes(self):
        self.make_box("alpha", region="eu-west-1")
        self.make_box("beta", region="ap-southeast-2")
        r = self.run_gpubox("ls", "--json", drop=self.DROP)
        self.assertEqual(r.returncode, 0, r.stderr)
        got = {b["name"]: b["region"] for b in json.loads(r.stdout)}
        self.assertEqual(got, {"alpha": "eu-west-1", "beta": "ap-southeast-2"})

    def test_stop_and_start_a_named_box_use_its_own_region(self):
        box = self.make_box("alpha", region="eu-west-1")
        r = self.run_gpubox("stop", "alpha", drop=self.DROP)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.instance(box["id"], "eu-west-1")["State"]["Name"], "stopped")
        r = self.run_gpubox("start", "alpha", drop=self.DROP)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.instance(box["id"], "eu-west-1")["State"]["Name"], "running")

    def test_down_of_a_box_in_another_region_than_the_configured_one(self):
        box = self.make_box("alpha", region="eu-west-1")
        r = self.gpubox("down", "alpha", "--yes")  # the harness region is us-east-1
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.instance(box["id"], "eu-west-1")["State"]["Name"], "terminated")

    def test_unknown_box_is_an_error_with_the_nearest_names_after_looking_everywhere(self):
        self.make_box("alpha", region="eu-west-1")
        for cmd in (("down", "alpah", "--yes"), ("stop", "alpah"), ("start", "alpah")):
            r = self.run_gpubox(*cmd, drop=self.DROP)
            self.assertEqual(r.returncode, 1, (cmd, r.stderr))
            self.assertIn("no box named alpah", r.stderr)
            self.assertIn("did you mean alpha", r.stderr)
        described = {e["region"] for e in self.requests(action="DescribeInstances")}
        self.assertIn("eu-west-1", described)
        self.assertGreater(len(described), 5, "every enabled region is searched")


class DownManyTest(FirstHourCase):
    def state(self, box):
        return self.instance(box["id"])["State"]["Name"]

    def test_down_several_and_all_confirm_the_list_and_print_one_json_document(self):
        a, b, c = (self.make_box(n) for n in ("a", "b", "c"))
        self.assertEqual(self.gpubox("ls").returncode, 0)
        r = self.gpubox("down", "a", "b")  # piped, no --yes: refused, like gc
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("pass --yes", r.stderr)
        r = self.gpubox("down", "a", "nosuch", "--yes")  # every name is found before any delete
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(self.state(a), "running")
        r = self.gpubox("down", "a", "b", "--yes", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.strip().splitlines()), 1, "one compact JSON document")
        doc = json.loads(r.stdout)
        self.assertEqual([d["name"] for d in doc], ["a", "b"])
        self.assertEqual(doc[0]["terminated"], [a["id"]])
        self.assertEqual((self.state(a), self.state(b), self.state(c)),
                         ("terminated", "terminated", "running"))
        r = self.gpubox("down", "--all", "--yes", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([d["name"] for d in json.loads(r.stdout)], ["c"])
        self.assertEqual(self.state(c), "terminated")


class IamPolicyTest(FirstHourCase):
    def test_every_action_a_full_lifecycle_sends_is_granted_and_nothing_is_wildcarded(self):
        r = self.gpubox("iam-policy")
        self.assertEqual(r.returncode, 0, r.stderr)
        policy = json.loads(r.stdout)
        granted = {a for s in policy["Statement"] for a in s["Action"]}
        self.assertFalse([a for a in granted if "*" in a])
        os.makedirs(os.path.join(self.home, ".ssh"), mode=0o700)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                        os.path.join(self.home, ".ssh", "id_ed25519")], check=True)
        steps = (("offers", "--gpu", "T4"), ("quota", "--gpu", "T4"),
                 ("up", "lab", "--type", "g4dn.xlarge", "--wait", "running", "--yes"),
                 ("ls",), ("stop", "lab"), ("start", "lab"), ("down", "lab", "--yes"), ("gc",))
        for step in steps:
            r = self.gpubox(*step)
            self.assertEqual(r.returncode, 0, (step, r.stderr))
        sent = {(e["service"], e["action"]) for e in self.requests()}
        prefix = {"ec2": "ec2", "sts": "sts", "ssm": "ssm", "service-quotas": "servicequotas",
                  "servicequotas": "servicequotas", "pricing": "pricing"}
        needed = {f"{prefix.get(svc, svc)}:{action}" for svc, action in sent
                  if action not in ("GetCallerIdentity",)}
        self.assertIn("ec2:RunInstances", needed)
        self.assertIn("ec2:TerminateInstances", needed)
        self.assertEqual(needed - granted, set())


class DoctorTest(FirstHourCase):
    def doctor(self, extra=None):
        r = self.run_gpubox("doctor", "--json", extra=extra)
        checks = {c["check"]: c for c in json.loads(r.stdout)}
        return r.returncode, checks

    def test_a_fresh_home_passes_with_warnings_that_say_what_to_do(self):
        code, checks = self.doctor()
        self.assertEqual(code, 0, checks)
        self.assertEqual(checks["ssh client"]["status"], "PASS")
        self.assertTrue(checks["ssh client"]["detail"].startswith("OpenSSH_"))
        self.assertEqual(checks["credentials"]["status"], "PASS")
        self.assertIn("arn:aws:", checks["credentials"]["detail"])
        self.assertEqual(checks["region"]["status"], "PASS")
        self.assertEqual(checks["clock"]["status"], "PASS", checks["clock"])
        self.assertEqual(checks["ssh key"]["status"], "WARN")
        self.assertIn("ssh-keygen -t ed25519", checks["ssh key"]["fix"])
        self.assertEqual(checks["ssh Include"]["status"], "WARN")
        self.assertIn("Include ", checks["ssh Include"]["fix"])
        # The embedded catalog is from 2025-09: older than 90 days by now.
        self.assertEqual(checks["catalog"]["status"], "WARN")
        self.assertIn("gpubox catalog refresh", checks["catalog"]["fix"])

    def test_failures_exit_1_with_the_fix(self):
        data = os.path.join(self.home, ".gpubox")
        os.makedirs(data)
        os.chmod(data, 0o755)
        behind = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=10))
        code, checks = self.doctor({"GPUBOX_FAKE_NOW": behind.strftime("%Y-%m-%dT%H:%M:%SZ")})
        self.assertEqual(code, 1)
        self.assertEqual(checks["GPUBOX_HOME"]["status"], "FAIL")
        self.assertEqual(checks["GPUBOX_HOME"]["fix"], f"chmod 700 {data}")
        self.assertEqual(checks["clock"]["status"], "FAIL", checks["clock"])
        self.assertIn("timedatectl", checks["clock"]["fix"])

    def test_no_credentials_is_a_failure_naming_the_next_step(self):
        code, checks = self.doctor({"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})
        self.assertEqual(code, 1)
        self.assertEqual(checks["credentials"]["status"], "FAIL")
        self.assertTrue(checks["credentials"]["fix"])


class NoSurpriseLaunchTest(FirstHourCase):
    def on_terminal(self, args, answer):
        """Run gpubox on a pseudo-terminal; answer `answer` to the [Y/n] question."""
        env = self.env()
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(harness.gpubox_bin(), [harness.gpubox_bin(), *args], env)
        out, answered = b"", False
        while True:
            ready, _, _ = select.select([fd], [], [], 120)
            if not ready:
                os.kill(pid, 9)
                self.fail(f"gpubox went quiet: {out!r}")
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            if not answered and b"Launch it? [Y/n]" in out:
                os.write(fd, answer.encode() + b"\n")
                answered = True
        _, status = os.waitpid(pid, 0)
        os.close(fd)
        return os.waitstatus_to_exitcode(status), out.decode(errors="replace")

    def running(self):
        return [i for r in self.ec2().describe_instances()["Reservations"] for i in r["Instances"]
                if i["State"]["Name"] != "terminated"]

    def test_a_terminal_shows_the_plan_and_no_creates_nothing(self):
        code, out = self.on_terminal(["up", "lab", "--type", "g4dn.xlarge", "--spot",
                                      "--max-hours", "8", "--wait", "running"], "n")
        self.assertEqual(code, 2, out)
        for needle in ("g4dn.xlarge", "spot (may be interrupted)", "us-east-1", "/h",
                       "/month while it exists", "idle 30m, max 8h", "nothing was created"):
            self.assertIn(needle, out)
        self.assertEqual(self.running(), [])
        self.assertEqual(self.requests(action="RunInstances"), [])

    def test_enter_launches(self):
        code, out = self.on_terminal(["up", "lab", "--type", "g4dn.xlarge", "--wait", "running",
                                      "--no-ssh-config"], "")
        self.assertEqual(code, 0, out)
        self.assertEqual(len(self.running()), 1)
        self.assertIn("Connect:  gpubox ssh lab", out)  # no Include: `ssh lab` is not promised
        self.assertIn("gpubox notebook lab", out)

    def test_ctrl_c_while_waiting_says_what_runs_what_it_costs_and_how_to_remove_it(self):
        from localnet import free_port
        env = self.env({"GPUBOX_SSH_CONNECT": f"127.0.0.1:{free_port()}"})  # nothing listens
        proc = subprocess.Popen([harness.gpubox_bin(), "up", "lab", "--type", "g4dn.xlarge",
                                 "--wait", "ssh", "--yes"], env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        err = ""
        while "waiting for ssh" not in err and time.time() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            err += line
        self.assertIn("waiting for ssh", err)
        proc.send_signal(signal.SIGINT)
        out, rest = proc.communicate(timeout=30)
        err += rest
        self.assertEqual(proc.returncode, 130, err)
        self.assertRegex(err, r"lab is running at \$\d+\.\d\d/h: gpubox down lab")
        self.assertEqual(len(self.running()), 1)  # it was launched, and it is still there

    def test_up_gpu_stays_in_the_configured_region(self):
        r = self.run_gpubox("up", "lab", "--gpu", "T4", "--spot", "--dry-run", "--json",
                            drop=("AWS_DEFAULT_REGION",), extra={"AWS_REGION": "eu-west-2"})
        # Planned in eu-west-2, or refused there (the stand-in's default spot quota may be 0):
        # never silently somewhere else.
        if r.returncode == 0:
            self.assertEqual(json.loads(r.stdout)["region"], "eu-west-2")
        else:
            self.assertIn("in eu-west-2", r.stderr)
        regions = {e["region"] for e in self.requests(service="ec2")}
        self.assertEqual(regions, {"eu-west-2"})


class ConventionsTest(FirstHourCase):
    def test_bare_gpubox_prints_help_and_exits_0(self):
        r = self.gpubox()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Examples:", r.stdout)
        self.assertIn("config", r.stdout)

    def test_usage_errors_point_to_the_commands_help(self):
        r = self.gpubox("up", "--no-such-flag")
        self.assertEqual(r.returncode, 2)
        self.assertIn("Run 'gpubox up --help' for usage.", r.stderr)

    def test_one_duration_syntax_and_idle_zero_is_refused(self):
        r = self.gpubox("up", "lab", "--type", "g4dn.xlarge", "--dry-run", "--idle", "0")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--idle off", r.stderr)
        r = self.gpubox("add", "rig", "ssh://me@127.0.0.1:1", "--idle", "bogus")
        self.assertEqual(r.returncode, 2)
        self.assertIn("invalid --idle 'bogus'", r.stderr)


if __name__ == "__main__":
    unittest.main()
