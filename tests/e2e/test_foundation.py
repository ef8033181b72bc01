"""End-to-end proof of the AWS client foundation: `gpubox whoami` and `gpubox regions` against the
loopback moto wrapper, cross-checked with awscli; settings precedence; malformed config files;
--debug redaction; signatures re-verified with botocore from moto's recorder; retries against
injected throttling, 5xx and dropped connections; wrong credentials in moto's auth mode."""
import collections
import hashlib
import http.server
import json
import os
import pty
import re
import select
import stat
import subprocess
import sys
import threading
import unittest

import harness

SECRET_MARKER = "SECRETMARKERq1w2e3r4t5y6u7i8o9p0"
TOKEN_MARKER = "TOKENMARKERz9x8c7v6b5n4m3"
GPU_QUOTA = "L-DB2E81BA"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


class FoundationCase(harness.MotoTestCase):
    def run_gpubox(self, *args, drop=(), extra=None):
        """gpubox with the harness environment minus the variables named in `drop`."""
        env = self.env(extra)
        for name in drop:
            env.pop(name, None)
        return subprocess.run([harness.gpubox_bin(), *args], env=env, capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL)

    def assert_clean_failure(self, r, code=None):
        """A non-zero exit by the program itself (no signal, no uncaught exception)."""
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertGreater(r.returncode, 0, f"killed by signal {-r.returncode}: {r.stderr}")
        self.assertLess(r.returncode, 128, r.stderr)
        self.assertNotIn("terminate called", r.stderr)
        self.assertNotIn("Sanitizer", r.stderr)
        if code is not None:
            self.assertEqual(r.returncode, code, r.stderr)

    def regions_json(self, *args, **kw):
        r = self.run_gpubox(*args, "regions", "--json", **kw)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)


class WhoamiRegionsTest(FoundationCase):
    def test_whoami_text_matches_aws_sts_get_caller_identity(self):
        want = self.aws_json("sts", "get-caller-identity")
        r = self.gpubox("whoami")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = dict(line.split(None, 1) for line in r.stdout.splitlines() if line.strip())
        self.assertEqual(rows["account"].strip(), want["Account"])
        self.assertEqual(rows["arn"].strip(), want["Arn"])
        self.assertIn(self.region, rows["region"])
        self.assertIn("environment", rows["credentials"])

    def test_whoami_json_matches_aws_sts_get_caller_identity(self):
        want = self.aws_json("sts", "get-caller-identity")
        r = self.gpubox("whoami", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        got = json.loads(r.stdout)
        self.assertEqual((got["account"], got["arn"], got["user_id"]),
                         (want["Account"], want["Arn"], want["UserId"]))
        self.assertEqual(got["region"], self.region)
        self.assertEqual(got["region_source"], "AWS_DEFAULT_REGION")

    def test_regions_lists_the_same_names_as_aws_ec2_describe_regions(self):
        listed = self.aws_json("ec2", "describe-regions")["Regions"]
        enabled = {r["RegionName"] for r in listed if r.get("OptInStatus") != "not-opted-in"}
        got = self.regions_json()
        self.assertEqual({r["region"] for r in got}, enabled)
        self.assertGreater(len(got), 10)
        for r in got:
            self.assertTrue(r["name"] and r["name"] != r["region"], r)
        names = {r["region"]: r["name"] for r in got}
        self.assertEqual(names["eu-west-1"], "Europe (Ireland)")
        self.assertEqual(names["us-east-1"], "US East (N. Virginia)")

    def test_regions_text_has_one_row_per_region_with_its_human_name(self):
        want = {r["region"]: r["name"] for r in self.regions_json()}
        r = self.gpubox("regions")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = [line.split("\t") for line in r.stdout.splitlines() if line.strip()]
        self.assertEqual({row[0]: row[1] for row in rows if row[0] in want}, want)

    def test_version_and_help(self):
        r = self.gpubox("--version")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^gpubox \d+\.\d+\.\d+")
        r = self.gpubox("--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        for word in ("whoami", "regions", "--profile", "--region", "Exit codes"):
            self.assertIn(word, r.stdout)
        self.assertEqual(self.requests(), [], "--version and --help must not call AWS")

    def test_unknown_command_suggests_the_closest(self):
        r = self.gpubox("whoamy")
        self.assert_clean_failure(r, 2)
        self.assertIn("did you mean 'whoami'", r.stderr)
        r = self.gpubox("regoins")
        self.assert_clean_failure(r, 2)
        self.assertIn("did you mean 'regions'", r.stderr)


class SettingsTest(FoundationCase):
    def test_region_flag_beats_aws_region(self):
        r = self.run_gpubox("--region", "eu-west-1", "whoami", "--json", extra={"AWS_REGION": "us-west-2"})
        self.assertEqual(r.returncode, 0, r.stderr)
        got = json.loads(r.stdout)
        self.assertEqual((got["region"], got["region_source"]), ("eu-west-1", "--region"))
        self.regions_json("--region", "ap-south-1", extra={"AWS_REGION": "us-west-2"})
        self.assertEqual([e["region"] for e in self.requests(service="sts")], ["eu-west-1"])
        self.assertEqual([e["region"] for e in self.requests(action="DescribeRegions")], ["ap-south-1"])

    def test_aws_region_beats_aws_default_region(self):
        r = self.run_gpubox("whoami", "--json", extra={"AWS_REGION": "us-west-2"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["region"], "us-west-2")
        self.assertEqual([e["region"] for e in self.requests(service="sts")], ["us-west-2"])

    def test_profile_flag_uses_the_profiles_region_and_keys_from_home(self):
        write(os.path.join(self.home, ".aws", "config"),
              "[default]\nregion = us-east-2\n\n[profile dev]\nregion = ap-northeast-1\n")
        write(os.path.join(self.home, ".aws", "credentials"),
              "[default]\naws_access_key_id = AKIADEFAULT0000000000\naws_secret_access_key = x\n"
              "[dev]\naws_access_key_id = AKIADEVPROFILE0000000\naws_secret_access_key = devsecret\n")
        r = self.run_gpubox("--profile", "dev", "whoami", "--json",
                            drop=("AWS_DEFAULT_REGION", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"))
        self.assertEqual(r.returncode, 0, r.stderr)
        got = json.loads(r.stdout)
        self.assertEqual((got["profile"], got["region"]), ("dev", "ap-northeast-1"))
        self.assertIn("dev", got["credential_source"])
        (sent,) = self.requests(service="sts")
        self.assertEqual(sent["region"], "ap-northeast-1")
        self.assertIn("Credential=AKIADEVPROFILE0000000/", sent["headers"]["Authorization"])
        # AWS_PROFILE picks the same profile; without either, [default] applies.
        r = self.run_gpubox("whoami", "--json", drop=("AWS_DEFAULT_REGION",), extra={"AWS_PROFILE": "dev"})
        self.assertEqual(json.loads(r.stdout)["region"], "ap-northeast-1", r.stderr)
        r = self.run_gpubox("whoami", "--json", drop=("AWS_DEFAULT_REGION",))
        self.assertEqual(json.loads(r.stdout)["region"], "us-east-2", r.stderr)

    def test_unknown_profile_is_a_clear_error(self):
        write(os.path.join(self.home, ".aws", "config"), "[default]\nregion = us-east-2\n")
        r = self.run_gpubox("--profile", "nosuch", "whoami")
        self.assert_clean_failure(r)
        self.assertIn("nosuch", r.stderr)
        self.assertEqual(self.requests(), [])

    def test_missing_region_is_a_usage_error_with_a_hint_where_one_is_needed(self):
        # Launching a given type needs a region; nothing is sent without one.
        r = self.run_gpubox("up", "--type", "g4dn.xlarge", "--dry-run", drop=("AWS_DEFAULT_REGION",),
                            extra={"GPUBOX_CALLER_IP": "203.0.113.7"})
        self.assert_clean_failure(r, 2)
        self.assertIn("no AWS region is set", r.stderr)
        self.assertRegex(r.stderr, r"(?m)^hint: .*--region.*gpubox config set region")
        self.assertEqual(self.requests(), [], "no request may be sent without a region")

    def test_region_wide_commands_work_without_a_region(self):
        # `regions` and `whoami` ask any region (us-east-1), as the AWS CLI's global endpoints do.
        r = self.run_gpubox("regions", "--json", drop=("AWS_DEFAULT_REGION",))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("eu-west-1", [x["region"] for x in json.loads(r.stdout)])
        r = self.run_gpubox("whoami", "--json", drop=("AWS_DEFAULT_REGION",))
        self.assertEqual(r.returncode, 0, r.stderr)
        got = json.loads(r.stdout)
        self.assertEqual(got["region"], "")
        self.assertEqual({e["region"] for e in self.requests(service="sts")}, {"us-east-1"})

    def assert_malformed_file_error(self, path, line, secret):
        r = self.run_gpubox("whoami")
        self.assert_clean_failure(r)
        self.assertIn(f"{path}:{line}", r.stderr)
        self.assertNotIn(secret, r.stdout + r.stderr)
        self.assertEqual(self.requests(), [])

    def test_malformed_config_names_file_and_line_without_leaking_secrets(self):
        path = os.path.join(self.home, ".aws", "config")
        write(path, f"[default]\nregion = us-east-1\naws_secret_access_key {SECRET_MARKER}\n")
        self.assert_malformed_file_error(path, 3, SECRET_MARKER)

    def test_malformed_credentials_names_file_and_line_without_leaking_secrets(self):
        path = os.path.join(self.home, ".aws", "credentials")
        write(path, f"[default]\naws_access_key_id = AKIAX\n[dev\naws_secret_access_key = {SECRET_MARKER}\n")
        self.assert_malformed_file_error(path, 3, SECRET_MARKER)

    def test_garbage_config_files_never_crash(self):
        path = os.path.join(self.home, ".aws", "config")
        for text in ("\x00\x01\x02[\n", "[profile\n", "=\n", "[default]\nregion =\n" * 3,
                     "[default]\n" + "k" * 100000 + "\n", "\xff\xfe[default]\n", "[]\n", "  [x]  ]\n"):
            write(path, text)
            r = self.run_gpubox("whoami")
            self.assertGreaterEqual(r.returncode, 0, f"signal on {text[:20]!r}: {r.stderr}")
            self.assertLess(r.returncode, 128, r.stderr)
            self.assertNotIn("terminate called", r.stderr)
            if r.returncode != 0:
                self.assertIn(path, r.stderr, text[:20])


class DebugTest(FoundationCase):
    def test_debug_logs_request_status_and_id_but_never_secrets(self):
        extra = {"AWS_SECRET_ACCESS_KEY": SECRET_MARKER, "AWS_SESSION_TOKEN": TOKEN_MARKER}
        r = self.run_gpubox("--debug", "regions", extra=extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        (sent,) = self.requests(action="DescribeRegions")
        signature = sent["headers"]["Authorization"].split("Signature=")[1]
        self.assertEqual(sent["headers"]["X-Amz-Security-Token"], TOKEN_MARKER)
        self.assertRegex(r.stderr, rf"POST {re.escape(self.moto.url)}/ DescribeRegions")
        self.assertRegex(r.stderr, r"response: 200 DescribeRegions .*request-id [A-Za-z0-9-]{16,} ")
        for secret in (SECRET_MARKER, TOKEN_MARKER, signature):
            self.assertNotIn(secret, r.stderr)
            self.assertNotIn(secret, r.stdout)

    def test_debug_off_is_quiet(self):
        r = self.gpubox("regions")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("DescribeRegions", r.stderr)


class SignatureTest(FoundationCase):
    def test_every_request_verifies_with_botocore(self):
        self.moto.recorder_start()
        runs = [(("whoami",), {}), (("regions",), {}), (("--region", "eu-west-1", "whoami", "--json"), {}),
                (("regions", "--json"), {"AWS_SESSION_TOKEN": TOKEN_MARKER}),
                (("whoami",), {"AWS_SESSION_TOKEN": TOKEN_MARKER})]
        for args, extra in runs:
            r = self.run_gpubox(*args, extra=extra)
            self.assertEqual(r.returncode, 0, r.stderr)
        self.moto.recorder_stop()
        self.assert_signatures_ok(min_requests=len(runs))
        services = collections.Counter()
        for entry in self.moto.recording():
            auth = entry["headers"].get("Authorization", "")
            services[auth.split("Credential=")[1].split("/")[3]] += 1
        self.assertEqual(services, {"sts": 3, "ec2": 2})

    def test_a_wrong_secret_is_caught_by_the_checker(self):
        self.moto.recorder_start()
        self.assertEqual(self.gpubox("whoami").returncode, 0)
        self.moto.recorder_stop()
        good, bad, _ = self.moto.verify_signatures(secret="not-the-secret")
        self.assertEqual((good, bad), (0, 1))


class RetryTest(FoundationCase):
    def attempts(self, action="DescribeRegions"):
        return [(e["status"], e["fault"]) for e in self.requests(action=action)]

    def test_throttling_twice_then_success(self):
        self.add_faults([{"action": "DescribeRegions", "code": "RequestLimitExceeded", "status": 503,
                          "remaining": 2}])
        got = self.regions_json()
        self.assertTrue(got)
        self.assertEqual(self.attempts(), [(503, "RequestLimitExceeded"), (503, "RequestLimitExceeded"),
                                           (200, None)])
        times = [e["time"] for e in self.requests(action="DescribeRegions")]
        delays = [b - a for a, b in zip(times, times[1:])]
        self.assertTrue(all(0 <= d < 20.5 for d in delays), delays)  # capped exponential backoff

    def test_internal_error_once_then_success(self):
        self.add_faults([{"action": "DescribeRegions", "code": "InternalError", "status": 500, "remaining": 1}])
        self.assertTrue(self.regions_json())
        self.assertEqual(self.attempts(), [(500, "InternalError"), (200, None)])

    def test_dropped_connection_is_retried(self):
        want = self.aws_json("sts", "get-caller-identity")["Account"]
        self.moto.call("DELETE", "/gpubox-test/requests")
        self.add_faults([{"action": "GetCallerIdentity", "drop": True, "remaining": 1}])
        r = self.gpubox("whoami", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["account"], want)
        self.assertEqual(self.attempts("GetCallerIdentity"), [("dropped", "drop"), (200, None)])

    def test_non_retryable_error_is_sent_once(self):
        self.add_faults([{"action": "DescribeRegions", "code": "UnauthorizedOperation", "status": 403,
                          "remaining": 5}])
        r = self.gpubox("regions")
        self.assert_clean_failure(r, 4)
        self.assertIn("UnauthorizedOperation", r.stderr)
        self.assertEqual(self.attempts(), [(403, "UnauthorizedOperation")])

    def test_gives_up_after_max_attempts(self):
        self.add_faults([{"action": "DescribeRegions", "code": "RequestLimitExceeded", "status": 503,
                          "remaining": 10}])
        r = self.gpubox("regions")
        self.assert_clean_failure(r, 1)
        self.assertIn("RequestLimitExceeded", r.stderr)
        self.assertEqual(len(self.attempts()), 3)

    def test_max_attempts_from_the_environment(self):
        self.add_faults([{"action": "DescribeRegions", "code": "InternalError", "status": 500, "remaining": 10}])
        r = self.run_gpubox("regions", extra={"AWS_MAX_ATTEMPTS": "1"})
        self.assert_clean_failure(r, 1)
        self.assertEqual(self.attempts(), [(500, "InternalError")])


class AuthModeTest(FoundationCase):
    """moto's opt-in auth mode: signatures recomputed by moto with botocore, IAM enforced."""

    def setUp(self):
        super().setUp()
        iam = self.boto3_client("iam")
        iam.create_user(UserName="gpubox-test")
        iam.put_user_policy(UserName="gpubox-test", PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="gpubox-test")["AccessKey"]
        self.key = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
        self.addCleanup(self.set_auth, "inf")
        self.set_auth("0")

    def set_auth(self, count):
        self.moto.call("POST", "/moto-api/reset-auth", data=count.encode(), content_type="text/plain")

    def test_right_key_passes_moto_signature_check(self):
        r = self.run_gpubox("whoami", "--json", extra=self.key)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(json.loads(r.stdout)["arn"].endswith("user/gpubox-test"))
        r = self.run_gpubox("regions", extra=self.key)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_wrong_secret_is_auth_failure_exit_4(self):
        wrong = dict(self.key, AWS_SECRET_ACCESS_KEY="wrong" + self.key["AWS_SECRET_ACCESS_KEY"][5:])
        r = self.run_gpubox("regions", extra=wrong)
        self.assert_clean_failure(r, 4)
        self.assertIn("AuthFailure", r.stderr)
        self.assertNotIn(wrong["AWS_SECRET_ACCESS_KEY"], r.stderr)
        self.assertEqual(len(self.requests(action="DescribeRegions")), 1, "auth failures are not retried")

    def test_unknown_key_is_exit_4(self):
        r = self.run_gpubox("regions", extra={"AWS_ACCESS_KEY_ID": "AKIANOSUCHKEY0000000"})
        self.assert_clean_failure(r, 4)
        self.assertIn("AuthFailure", r.stderr)


class JsonStub:
    """A one-route JSON server on 127.0.0.1 (container credentials, the SSO portal) that records
    each request's path and headers."""

    def __init__(self, reply, status=200):
        self.seen = []
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                stub.seen.append((self.path, dict(self.headers)))
                body = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class CredentialSourcesTest(FoundationCase):
    """The credential sources beyond static keys, end to end: each one's credentials sign the
    STS call moto answers (moto maps an assumed role's keys back to the role)."""

    KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    TOKEN = "eyJhbGciOiJSUzI1NiJ9.WEBIDENTITYMARKER.c2ln"

    def stub(self, reply, status=200):
        server = JsonStub(reply, status)
        self.addCleanup(server.close)
        return server

    def test_web_identity_from_the_environment_matches_the_aws_cli(self):
        token_file = os.path.join(self.home, "token")
        write(token_file, self.TOKEN + "\n")
        extra = {"AWS_WEB_IDENTITY_TOKEN_FILE": token_file,
                 "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/ci-deploy",
                 "AWS_ROLE_SESSION_NAME": "run-42"}
        r = self.run_gpubox("--debug", "whoami", "--json", drop=self.KEYS, extra=extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        got = json.loads(r.stdout)
        self.assertEqual(got["arn"], "arn:aws:sts::123456789012:assumed-role/ci-deploy/run-42")
        self.assertEqual(got["credential_source"],
                         "assume-role-with-web-identity arn:aws:iam::123456789012:role/ci-deploy (environment)")
        self.assertNotIn("WEBIDENTITYMARKER", r.stderr + r.stdout)
        (exchange,) = self.requests(action="AssumeRoleWithWebIdentity")
        self.assertNotIn("Authorization", exchange["headers"], "the exchange is unsigned, as botocore sends it")
        # The AWS CLI, given the same environment, sees the same identity.
        env = {k: v for k, v in self.env(extra).items() if k not in self.KEYS}
        cli = subprocess.run([sys.executable, "-m", "awscli", "sts", "get-caller-identity",
                              "--output", "json"], env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(cli.returncode, 0, cli.stderr)
        self.assertEqual(json.loads(cli.stdout)["Arn"], got["arn"])

    def test_an_assumed_role_is_cached_between_runs_in_an_owner_only_file(self):
        write(os.path.join(self.home, ".aws", "config"),
              "[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/ops\nsource_profile = base\n"
              "role_session_name = me\n")
        write(os.path.join(self.home, ".aws", "credentials"),
              f"[base]\naws_access_key_id = {harness.ACCESS_KEY}\naws_secret_access_key = {harness.SECRET_KEY}\n")
        first = self.run_gpubox("--profile", "ops", "whoami", "--json")
        second = self.run_gpubox("--profile", "ops", "whoami", "--json")
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertEqual(second.returncode, 0, second.stderr)
        one, two = json.loads(first.stdout), json.loads(second.stdout)
        self.assertEqual(one["arn"], "arn:aws:sts::123456789012:assumed-role/ops/me")
        self.assertEqual(two["arn"], one["arn"])
        self.assertNotIn("cached", one["credential_source"])
        self.assertIn("(cached until ", two["credential_source"])
        self.assertEqual(len(self.requests(action="AssumeRole")), 1, "the second run reuses the role")
        self.assertEqual(len(self.requests(action="GetCallerIdentity")), 2)
        cache = os.path.join(self.home, ".gpubox", "credentials-cache")
        (entry,) = os.listdir(cache)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(cache, entry)).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(cache).st_mode), 0o700)

    def test_container_credentials_with_an_authorization_token_file(self):
        keys = self.boto3_client("sts").assume_role(RoleArn="arn:aws:iam::123456789012:role/task",
                                                    RoleSessionName="ecs")["Credentials"]
        stub = self.stub({"AccessKeyId": keys["AccessKeyId"], "SecretAccessKey": keys["SecretAccessKey"],
                          "Token": keys["SessionToken"], "Expiration": "2099-01-01T00:00:00Z"})
        write(os.path.join(self.home, "auth"), "pod-identity-token\n")
        r = self.run_gpubox("whoami", "--json", drop=self.KEYS, extra={
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": stub.url + "/v1/credentials",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": os.path.join(self.home, "auth")})
        self.assertEqual(r.returncode, 0, r.stderr)
        got = json.loads(r.stdout)
        self.assertEqual(got["arn"], "arn:aws:sts::123456789012:assumed-role/task/ecs")
        self.assertTrue(got["credential_source"].startswith("container credentials"), got)
        ((path, headers),) = stub.seen
        self.assertEqual((path, headers.get("Authorization")), ("/v1/credentials", "pod-identity-token"))

    def run_on_a_terminal(self, args, answer, env):
        """Run gpubox with a pseudo-terminal as stdin/stdout/stderr, type `answer` when it asks
        for an MFA code, and return (exit code, everything it wrote)."""
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(harness.gpubox_bin(), [harness.gpubox_bin(), *args], env)
        out = b""
        answered = False
        while True:
            ready, _, _ = select.select([fd], [], [], 60)
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
            if not answered and b"Enter MFA code for " in out:
                os.write(fd, answer.encode() + b"\n")
                answered = True
        _, status = os.waitpid(pid, 0)
        os.close(fd)
        return os.waitstatus_to_exitcode(status), out.decode(errors="replace")

    def test_an_mfa_role_asks_for_the_code_on_the_terminal_once(self):
        write(os.path.join(self.home, ".aws", "config"),
              "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\n"
              "role_session_name = me\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n")
        write(os.path.join(self.home, ".aws", "credentials"),
              f"[base]\naws_access_key_id = {harness.ACCESS_KEY}\naws_secret_access_key = {harness.SECRET_KEY}\n")
        env = {k: v for k, v in self.env().items() if k not in self.KEYS}
        code, out = self.run_on_a_terminal(["--profile", "admin", "whoami"], "123456", env)
        self.assertEqual(code, 0, out)
        self.assertIn("Enter MFA code for arn:aws:iam::123456789012:mfa/me: ", out)
        self.assertIn("arn:aws:sts::123456789012:assumed-role/admin/me", out)
        (sent,) = self.requests(action="AssumeRole")
        self.assertEqual((sent["params"].get("SerialNumber"), sent["params"].get("TokenCode")),
                         ("arn:aws:iam::123456789012:mfa/me", "123456"))
        # The role is cached: the next command asks nothing, even without a terminal.
        r = self.run_gpubox("--profile", "admin", "whoami", drop=self.KEYS)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.requests(action="AssumeRole")), 1)
        # Without a terminal and without a cached role, it refuses instead of waiting.
        r = self.run_gpubox("--profile", "admin", "whoami", drop=self.KEYS,
                            extra={"GPUBOX_HOME": os.path.join(self.home, "fresh")})
        self.assert_clean_failure(r, 4)
        self.assertIn("needs an MFA code for arn:aws:iam::123456789012:mfa/me: stdin is not a terminal",
                      r.stderr)

    def sso_profile(self, portal_url, expires_at):
        write(os.path.join(self.home, ".aws", "config"),
              "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n"
              "region = us-east-1\n\n[sso-session corp]\nsso_region = eu-west-1\n"
              "sso_start_url = https://corp.awsapps.com/start\n")
        name = hashlib.sha1(b"corp").hexdigest() + ".json"
        write(os.path.join(self.home, ".aws", "sso", "cache", name), json.dumps(
            {"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1",
             "accessToken": "SSOACCESSTOKENMARKER", "expiresAt": expires_at}))
        return {"AWS_ENDPOINT_URL_SSO": portal_url}

    def test_sso_profile_exchanges_the_cached_token_at_the_portal(self):
        keys = self.boto3_client("sts").assume_role(RoleArn="arn:aws:iam::123456789012:role/Dev",
                                                    RoleSessionName="sso-user")["Credentials"]
        stub = self.stub({"roleCredentials": {
            "accessKeyId": keys["AccessKeyId"], "secretAccessKey": keys["SecretAccessKey"],
            "sessionToken": keys["SessionToken"], "expiration": 4102444800000}})
        extra = self.sso_profile(stub.url, "2099-01-01T00:00:00Z")
        r = self.run_gpubox("--profile", "dev", "whoami", "--json", drop=self.KEYS, extra=extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["arn"], "arn:aws:sts::123456789012:assumed-role/Dev/sso-user")
        ((path, headers),) = stub.seen
        self.assertEqual(path, "/federation/credentials?account_id=123456789012&role_name=Dev")
        self.assertEqual(headers.get("x-amz-sso_bearer_token"), "SSOACCESSTOKENMARKER")
        self.assertNotIn("Authorization", headers)
        self.assertNotIn("SSOACCESSTOKENMARKER", r.stderr)

    def test_an_expired_sso_token_says_to_log_in_again(self):
        stub = self.stub({"message": "unused"}, status=401)
        extra = self.sso_profile(stub.url, "2020-01-01T00:00:00Z")
        r = self.run_gpubox("--profile", "dev", "whoami", drop=self.KEYS, extra=extra)
        self.assert_clean_failure(r, 4)
        self.assertRegex(r.stderr, r"(?m)^hint: .*aws sso login --profile dev")
        self.assertEqual(stub.seen, [], "an expired token is not sent")
        self.assertEqual(self.requests(), [])


if __name__ == "__main__":
    unittest.main()
