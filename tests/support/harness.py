"""Helpers for gpubox end-to-end tests (python unittest).

    from harness import MotoTestCase

    class LaunchTest(MotoTestCase):
        def test_something(self):
            self.add_faults([{"action": "RunInstances", "code": "InsufficientInstanceCapacity",
                              "status": 500, "remaining": 1}])
            r = self.gpubox("up", "--type", "g5.xlarge")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(len(self.requests(action="RunInstances")), 2)

Each test class gets a gpubox_moto.py server on a free loopback port in a
temp dir (started in setUpClass; shared by the classes of one process with
the same server_env/server_config unless share_server = False; always stopped
by its PID). Each test starts from a reset server and a fresh temp HOME /
GPUBOX_HOME. Environment:
GPUBOX_BIN (the gpubox binary), GPUBOX_KEEP_TMP=1 keeps temp dirs for debugging.
"""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

SUPPORT_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, SUPPORT_DIR)
import verify_sig  # noqa: E402

ACCESS_KEY = "testing"
SECRET_KEY = "testing"
DEFAULT_REGION = "us-east-1"
# Validation switches of moto.md 1.2, for negative-path tests.
VALIDATION_ENV = {"MOTO_ENABLE_AMI_VALIDATION": "true", "MOTO_ENABLE_KEYPAIR_VALIDATION": "true",
                  "MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION": "true"}


def keep_tmp():
    return os.environ.get("GPUBOX_KEEP_TMP") == "1"


class MotoServer:
    """One gpubox_moto.py process: start(), stop() (exactly its PID) and HTTP helpers."""

    def __init__(self, env=None, config=None, start_timeout=60.0):
        self.extra_env = dict(env or {})
        self.config = config
        self.start_timeout = start_timeout
        self.proc = None
        self.tmpdir = None
        self.port = None

    # ---- lifecycle --------------------------------------------------------
    def start(self):
        self.tmpdir = tempfile.mkdtemp(prefix="gpubox-moto.")
        port_file = os.path.join(self.tmpdir, "port")
        self.recording_path = os.path.join(self.tmpdir, "recording.jsonl")
        self.log_path = os.path.join(self.tmpdir, "moto.log")
        cmd = [sys.executable, os.path.join(SUPPORT_DIR, "gpubox_moto.py"), "--port", "0",
               "--port-file", port_file, "--watch-parent"]
        if self.config is not None:
            cfg_path = os.path.join(self.tmpdir, "config.json")
            with open(cfg_path, "w") as f:
                json.dump(self.config, f)
            cmd += ["--config", cfg_path]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_"))}
        env.update({"MOTO_RECORDER_FILEPATH": self.recording_path, "PYTHONUNBUFFERED": "1"})
        env.update(self.extra_env)
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, cwd=self.tmpdir, env=env, stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + self.start_timeout
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                log_text = self.log()
                self.stop()
                raise RuntimeError(f"gpubox_moto did not start:\n{log_text}")
            time.sleep(0.05)
        with open(port_file) as f:
            self.port = int(f.read())
        self.call("GET", "/gpubox-test/faults")
        return self

    def stop(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None
        if self.tmpdir and not keep_tmp():
            shutil.rmtree(self.tmpdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # ---- HTTP -------------------------------------------------------------
    def call(self, method, path, data=None, content_type="application/json", raw=False):
        body = None
        if data is not None:
            body = data if isinstance(data, bytes) else json.dumps(data).encode()
        req = urllib.request.Request(self.url + path, data=body, method=method)
        if body is not None:
            req.add_header("Content-Type", content_type)
        with urllib.request.urlopen(req, timeout=60) as resp:
            text = resp.read()
        if raw:
            return text
        return json.loads(text) if text.strip()[:1] in (b"[", b"{") else text.decode()

    def reset(self):
        """Reset moto and the wrapper state; stop and clear the recorder."""
        self.call("POST", "/moto-api/reset")
        self.recorder_stop()
        self.call("POST", "/moto-api/recorder/reset-recording")

    def seed(self, n):
        self.call("POST", f"/moto-api/seed?a={int(n)}")

    def add_faults(self, rules):
        return self.call("POST", "/gpubox-test/faults", rules)

    def clear_faults(self):
        return self.call("DELETE", "/gpubox-test/faults")

    def faults(self):
        return self.call("GET", "/gpubox-test/faults")

    def requests(self, action=None, service=None):
        """The request log (dicts with action, service, region, params, status, fault, headers)."""
        query = "&".join(f"{k}={v}" for k, v in (("action", action), ("service", service)) if v)
        return self.call("GET", "/gpubox-test/requests" + (f"?{query}" if query else ""))

    def set_quota(self, region, code, value):
        self.call("POST", "/gpubox-test/quotas", [{"region": region, "code": code, "value": value}])

    def quota_requests(self):
        return self.call("GET", "/gpubox-test/quota-requests")

    def set_quota_request_status(self, request_id, status):
        return self.call("POST", f"/gpubox-test/quota-requests/{request_id}", {"Status": status})

    def config_data(self):
        return self.call("GET", "/gpubox-test/config")

    # ---- AWS behaviours moto hides (moto_realism.py; reset restores the defaults) ----
    def set_behaviours(self, **settings):
        """e.g. set_behaviours(consistency_notfound=0, default_vpc=False)."""
        return self.call("POST", "/gpubox-test/behaviours", settings)

    def realism(self):
        """{"settings", "lag", "spot_requests"} as the stand-in sees them."""
        return self.call("GET", "/gpubox-test/behaviours")

    def set_console_keys(self, instance_id, host_keys):
        return self.call("POST", "/gpubox-test/console",
                         {"instance_id": instance_id, "host_keys": list(host_keys)})

    def spot_interruption(self, instance_id, phase):
        """EC2 stops ("stop") or, capacity back, starts again ("restart") the instance of a
        persistent spot request that stops on interruption."""
        return self.call("POST", "/gpubox-test/spot-interruption",
                         {"instance_id": instance_id, "phase": phase})

    # ---- a real account's answers (moto_account.py) -------------------------------
    def set_quota_behaviour(self, **kw):
        """unapplied={region: "all"|[codes]}, access_denied=True|[ops], max_open_requests=n."""
        return self.call("POST", "/gpubox-test/quota-behaviour", kw)

    def set_quota_default(self, region, code, value):
        self.call("POST", "/gpubox-test/quota-defaults", [{"region": region, "code": code, "value": value}])

    def set_disabled_regions(self, disabled=None):
        """{region: "AuthFailure"|"OptInRequired"}; None restores the default."""
        return self.call("POST", "/gpubox-test/regions", {} if disabled is None else {"disabled": disabled})

    def disabled_regions(self):
        return self.call("GET", "/gpubox-test/regions")

    # ---- recorder + signature check -----------------------------------------
    def recorder_start(self):
        self.call("POST", "/moto-api/recorder/reset-recording")
        self.call("POST", "/moto-api/recorder/start-recording")

    def recorder_stop(self):
        self.call("POST", "/moto-api/recorder/stop-recording")

    def recording(self):
        """The recorded requests as a list of dicts (moto recorder format)."""
        text = self.call("GET", "/moto-api/recorder/download-recording", raw=True).decode()
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def verify_signatures(self, secret=SECRET_KEY, access_key=None):
        """(ok count, bad count, report text) for everything recorded so far."""
        import io
        out = io.StringIO()
        lines = [json.dumps(e) for e in self.recording()]
        good, bad = verify_sig.verify_lines(lines, secret, access_key, out=out)
        return good, bad, out.getvalue()


def aws_env(endpoint, home, region=DEFAULT_REGION, extra=None):
    """A clean environment pointing AWS clients and gpubox at the loopback server."""
    # The developer's own gpubox config (XDG_CONFIG_HOME) must not leak into a test either.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "GPUBOX_", "MOTO_", "XDG_CONFIG_HOME", "XDG_DATA_HOME"))}
    env.update({
        "HOME": home, "GPUBOX_HOME": os.path.join(home, ".gpubox"),
        "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_DEFAULT_REGION": region,
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_PAGER": "",
        "AWS_CONFIG_FILE": os.path.join(home, ".aws", "config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, ".aws", "credentials"),
    })
    env.update(extra or {})
    return env


def gpubox_bin():
    path = os.environ.get("GPUBOX_BIN")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError(f"GPUBOX_BIN is not an executable gpubox binary: {path!r}")
    return path


_SHARED = {}


def _stop_shared():
    for server in _SHARED.values():
        server.stop()
    _SHARED.clear()


def shared_server(env=None, config=None):
    """A server shared by all test classes of this process with the same settings
    (each test still starts from a reset); stopped by PID when the process exits."""
    key = json.dumps([env or {}, config], sort_keys=True)
    if key not in _SHARED or _SHARED[key].proc is None or _SHARED[key].proc.poll() is not None:
        if not _SHARED:
            atexit.register(_stop_shared)
        _SHARED[key] = MotoServer(env=env, config=config).start()
    return _SHARED[key]


class MotoTestCase(unittest.TestCase):
    """A test class with its own moto server; every test starts from a reset server."""

    server_env = {}        # e.g. harness.VALIDATION_ENV
    server_config = None   # replaces keys of moto_config.DEFAULT_CONFIG
    region = DEFAULT_REGION

    share_server = True    # reuse one server per (env, config) within this process

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.share_server:
            cls.moto = shared_server(cls.server_env, cls.server_config)
        else:
            cls.moto = MotoServer(env=cls.server_env, config=cls.server_config).start()

    @classmethod
    def tearDownClass(cls):
        if not cls.share_server:
            cls.moto.stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.moto.reset()
        self.home = tempfile.mkdtemp(prefix="gpubox-home.")
        if not keep_tmp():
            self.addCleanup(shutil.rmtree, self.home, True)

    def user_keygen(self, kind="ed25519", name="id_ed25519", bits=None):
        """Make the user's key ~/.ssh/NAME (and .pub) in the test HOME; return the public key body."""
        ssh_dir = os.path.join(self.home, ".ssh")
        os.makedirs(ssh_dir, mode=0o700, exist_ok=True)
        args = ["ssh-keygen", "-q", "-t", kind, "-N", "", "-f", os.path.join(ssh_dir, name)]
        if bits:
            args[4:4] = ["-b", str(bits)]
        subprocess.run(args, check=True, stdin=subprocess.DEVNULL)
        with open(os.path.join(ssh_dir, name + ".pub")) as f:
            return f.read().split()[1]

    # ---- environment and processes ------------------------------------------
    def env(self, extra=None, region=None):
        return aws_env(self.moto.url, self.home, region or self.region, extra)

    def gpubox(self, *args, env=None, input=None, timeout=120, region=None):
        """Run the gpubox binary; returns CompletedProcess (text, never raises on exit code)."""
        return subprocess.run([gpubox_bin(), *args], env=self.env(env, region), input=input,
                              capture_output=True, text=True, timeout=timeout,
                              stdin=None if input is not None else subprocess.DEVNULL)

    def aws(self, *args, env=None, region=None, timeout=120):
        """Run the aws CLI (v1, same python) against the server; returns CompletedProcess."""
        return subprocess.run([sys.executable, "-m", "awscli", *args], env=self.env(env, region),
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def aws_json(self, *args, **kw):
        r = self.aws(*args, "--output", "json", **kw)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout) if r.stdout.strip() else None

    def boto3_client(self, service, region=None, **config):
        import boto3
        from botocore.config import Config
        return boto3.client(service, region_name=region or self.region, endpoint_url=self.moto.url,
                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                            config=Config(**config) if config else None)

    # ---- server state shortcuts -------------------------------------------------
    def add_faults(self, rules):
        return self.moto.add_faults(rules)

    def requests(self, action=None, service=None):
        return self.moto.requests(action, service)

    def set_behaviours(self, **settings):
        return self.moto.set_behaviours(**settings)

    def assert_signatures_ok(self, min_requests=1, secret=SECRET_KEY):
        """Every recorded request verifies with botocore; at least min_requests were recorded."""
        good, bad, report = self.moto.verify_signatures(secret)
        self.assertEqual(bad, 0, report)
        self.assertGreaterEqual(good, min_requests, report)
