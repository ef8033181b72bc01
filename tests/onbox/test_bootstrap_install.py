"""onbox/bootstrap.sh on images without a usable Jupyter, with fake commands on PATH:

* the Base DLAMI has no Jupyter, and Ubuntu 24.04's system python refuses `pip install --user`
  (PEP 668): the bootstrap makes a venv under PREFIX and installs Jupyter there;
* the PyTorch DLAMI's python is the /opt/pytorch venv: Jupyter goes there, so notebooks see torch;
* a failed install, or a Jupyter that never listens, is written to PREFIX/run/bootstrap.json
  (what `gpubox up --wait ready` reads) and the bootstrap exits non-zero.

The fake python3 stands in for the system python: `-m pip install --user` fails as on Ubuntu
24.04, `-m venv DIR` makes a venv whose python's `-m pip install notebook` writes a fake
jupyter-lab that serves HTTP on the Unix socket its config names. Everything else runs the real python.
"""
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from localnet import unix_http_get, wait_for  # noqa: E402

ONBOX = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "onbox"))
REAL_PY = sys.executable
TOKEN = "t0k3n-" + os.urandom(8).hex()

FAKE_JUPYTER = """#!{py}
# A stand-in for jupyter-lab: takes `sock` (its --help-all says so) and serves 200 on the Unix
# socket its --config file names until killed.
import http.server, os, re, socketserver, sys
if "--help-all" in sys.argv:
    print("--ServerApp.sock=<Unicode>"); print("--sock=<Unicode>"); sys.exit(0)
conf = open([a.split("=", 1)[1] for a in sys.argv if a.startswith("--config=")][0]).read()
sock = re.search(r"[.]sock = '([^']+)'", conf).group(1)
if os.path.exists(sock):
    os.unlink(sock)
class S(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    pass
class H(http.server.BaseHTTPRequestHandler):
    def address_string(self):
        return "unix"
    def do_GET(self):
        body = b"[]"
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
S(sock, H).serve_forever()
"""

DEAD_JUPYTER = """#!/bin/bash
echo "jupyter-lab: ModuleNotFoundError: No module named 'jupyterlab'" >&2
exit 1
"""

# The python of a venv: `-m pip install ... notebook` puts jupyter-lab next to it (or fails when
# PIP_FAILS exists next to it); anything else runs the real python.
VENV_PY = """#!/bin/bash
here=$(cd "$(dirname "$0")" && pwd)
if [ "$1" = -m ] && [ "$2" = pip ]; then
  echo "$0 $*" >>"$here/pip.calls"
  if [ -e "$here/PIP_FAILS" ]; then echo "ERROR: Could not find a version that satisfies notebook" >&2; exit 1; fi
  case " $* " in *" --user "*) echo "--user in a venv" >&2; exit 1 ;; esac
  cp "{fake}" "$here/jupyter-lab"; chmod +x "$here/jupyter-lab"; exit 0
fi
exec {py} "$@"
"""

# The system python3 of Ubuntu 24.04: PEP 668 refuses pip outside a venv; -m venv makes one.
SYSTEM_PY = """#!/bin/bash
if [ "$1" = -m ] && [ "$2" = pip ]; then
  echo "$0 $*" >>"{calls}"
  echo "error: externally-managed-environment" >&2; exit 1
fi
if [ "$1" = -m ] && [ "$2" = venv ]; then
  d="${{@: -1}}"; mkdir -p "$d/bin"; cp "{venv_py}" "$d/bin/python3"; chmod +x "$d/bin/python3"
  ln -sf python3 "$d/bin/python"; exit 0
fi
exec {py} "$@"
"""


def write_exec(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


class BootstrapInstallTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gpubox-bootstrap-install-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.home = os.path.join(self.tmp, "home")
        os.mkdir(self.home)
        self.prefix = os.path.join(self.home, ".gpubox")
        self.sock = os.path.join(self.prefix, "run", "jupyter", "jupyter.sock")
        self.token_file = os.path.join(self.tmp, "token")
        with open(self.token_file, "w") as f:
            f.write(TOKEN + "\n")
        # PATH: the fakes, then every system tool except pythons, pips and Jupyters.
        self.fakebin = os.path.join(self.tmp, "fakebin")
        tools = os.path.join(self.tmp, "tools")
        os.makedirs(tools)
        for d in ("/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"):
            for name in os.listdir(d) if os.path.isdir(d) else []:
                if name.startswith(("python", "pip", "jupyter", "ipython")):
                    continue
                link = os.path.join(tools, name)
                if not os.path.lexists(link):
                    os.symlink(os.path.join(d, name), link)
        write_exec(os.path.join(self.tmp, "fake_jupyter"), FAKE_JUPYTER.format(py=REAL_PY))
        self.venv_py = os.path.join(self.tmp, "venv_python3")
        write_exec(self.venv_py, VENV_PY.format(py=REAL_PY, fake=os.path.join(self.tmp, "fake_jupyter")))
        self.system_calls = os.path.join(self.tmp, "system_pip.calls")
        write_exec(os.path.join(self.fakebin, "python3"),
                   SYSTEM_PY.format(py=REAL_PY, calls=self.system_calls, venv_py=self.venv_py))
        self.env = {"HOME": self.home, "PATH": self.fakebin + ":" + tools, "GPUBOX_NO_SYSTEMD": "1",
                    "GPUBOX_FRAMEWORK_VENVS": "", "GPUBOX_JUPYTER_START_TIMEOUT": "20",
                    "LANG": "C.UTF-8"}
        self.addCleanup(self.stop_daemons)

    def stop_daemons(self):
        subprocess.run(["bash", os.path.join(ONBOX, "bootstrap.sh"), "--stop"], env=self.env,
                       capture_output=True, timeout=60)
        run = os.path.join(self.prefix, "run")
        for n in os.listdir(run) if os.path.isdir(run) else []:
            if n.endswith(".pid"):
                try:
                    with open(os.path.join(run, n)) as f:
                        os.killpg(int(f.read()), signal.SIGKILL)  # only what this test started
                except (OSError, ValueError):
                    pass

    def bootstrap(self):
        return subprocess.run(
            ["bash", os.path.join(ONBOX, "bootstrap.sh"), "--mode", "byo",
             "--token-file", self.token_file, "--interval", "2", "--install-jupyter"],
            env=self.env, capture_output=True, text=True, timeout=180)

    def result(self):
        with open(os.path.join(self.prefix, "run", "bootstrap.json")) as f:
            return json.load(f)

    def log(self):
        with open(os.path.join(self.prefix, "log", "bootstrap.log")) as f:
            return f.read()

    def test_base_image_gets_jupyter_in_a_venv_under_the_prefix(self):
        r = self.bootstrap()
        self.assertEqual(r.returncode, 0, r.stderr)
        venv = os.path.join(self.prefix, "venv")
        jupyter = os.path.join(venv, "bin", "jupyter-lab")
        self.assertTrue(os.path.exists(jupyter))
        self.assertEqual(self.result(), {**self.result(), "ok": True, "jupyter": jupyter, "error": None})
        self.assertFalse(os.path.exists(self.system_calls), "pip ran outside a venv (PEP 668)")
        with open(os.path.join(venv, "bin", "pip.calls")) as f:
            self.assertNotIn("--user", f.read())
        self.assertEqual(unix_http_get(self.sock, "/api/kernels", TOKEN)[0], 200)
        # A second run finds that venv and installs nothing more.
        r = self.bootstrap()
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(venv, "bin", "pip.calls")) as f:
            self.assertEqual(len(f.read().splitlines()), 1)

    def test_pytorch_image_uses_the_opt_pytorch_venv(self):
        pytorch = os.path.join(self.tmp, "opt", "pytorch")
        with open(self.venv_py) as f:
            write_exec(os.path.join(pytorch, "bin", "python3"), f.read())
        self.env["GPUBOX_FRAMEWORK_VENVS"] = pytorch
        r = self.bootstrap()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.result()["jupyter"], os.path.join(pytorch, "bin", "jupyter-lab"))
        self.assertFalse(os.path.exists(os.path.join(self.prefix, "venv")))
        self.assertTrue(wait_for(lambda: unix_http_get(self.sock, "/api/kernels")[0] == 200))

    def test_a_failed_install_is_reported(self):
        os.makedirs(os.path.join(self.prefix, "venv", "bin"))
        shutil.copy(self.venv_py, os.path.join(self.prefix, "venv", "bin", "python3"))
        open(os.path.join(self.prefix, "venv", "bin", "PIP_FAILS"), "w").close()
        r = self.bootstrap()
        self.assertNotEqual(r.returncode, 0)
        res = self.result()
        self.assertFalse(res["ok"])
        self.assertIsNone(res["jupyter"])
        self.assertIn("pip install", res["error"])
        self.assertIn("Could not find a version", self.log())

    def test_a_jupyter_that_never_listens_is_reported(self):
        write_exec(os.path.join(self.fakebin, "jupyter-lab"), DEAD_JUPYTER)
        self.env["GPUBOX_JUPYTER_START_TIMEOUT"] = "3"
        r = self.bootstrap()
        self.assertNotEqual(r.returncode, 0)
        res = self.result()
        self.assertFalse(res["ok"])
        self.assertIn("Jupyter did not start", res["error"])
        self.assertIn("No module named 'jupyterlab'", res["error"])  # its log's last line


if __name__ == "__main__":
    unittest.main()
