"""onbox/bootstrap.sh makes sure rsync is on the box (gpubox syncs workdirs and pushes/pulls
files with it), with a fake apt-get on PATH that records its arguments and "installs" a fake
rsync. The install branch runs only as root (as on a fresh EC2 box's user-data), so those tests
skip elsewhere. Also: job.py is installed next to the watchdog, whose config names the jobs
directory of the user the box's jobs run as.
"""
import json
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import unittest

ONBOX = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "onbox"))

# Records its arguments and DEBIAN_FRONTEND; fails like a missing package when APT_FAILS exists
# next to it; else `install ... rsync` puts a fake rsync next to it.
FAKE_APT = """#!/bin/bash
here=$(cd "$(dirname "$0")" && pwd)
echo "DEBIAN_FRONTEND=${DEBIAN_FRONTEND:-} $*" >>"$here/apt-get.calls"
if [ -e "$here/APT_FAILS" ]; then echo "E: Unable to locate package rsync" >&2; exit 100; fi
case " $* " in
  *" install "*rsync*) printf '#!/bin/sh\\necho fake rsync\\n' >"$here/rsync"; chmod +x "$here/rsync" ;;
esac
exit 0
"""


def write_exec(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


class BootstrapRsyncTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gpubox-bootstrap-rsync-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.home = os.path.join(self.tmp, "home")
        os.mkdir(self.home)
        self.prefix = os.path.join(self.home, ".gpubox")
        # PATH: the fakes, then every system tool except rsync, apt-get and Jupyter.
        self.fakebin = os.path.join(self.tmp, "fakebin")
        os.mkdir(self.fakebin)
        tools = os.path.join(self.tmp, "tools")
        os.mkdir(tools)
        for d in ("/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"):
            for name in os.listdir(d) if os.path.isdir(d) else []:
                if name.startswith(("rsync", "apt-get", "jupyter", "ipython")):
                    continue
                link = os.path.join(tools, name)
                if not os.path.lexists(link):
                    os.symlink(os.path.join(d, name), link)
        self.calls = os.path.join(self.fakebin, "apt-get.calls")
        self.env = {"HOME": self.home, "PATH": self.fakebin + ":" + tools, "GPUBOX_NO_SYSTEMD": "1",
                    "GPUBOX_FRAMEWORK_VENVS": "", "LANG": "C.UTF-8"}
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
        return subprocess.run(["bash", os.path.join(ONBOX, "bootstrap.sh"), "--mode", "byo",
                               "--interval", "60"],
                              env=self.env, capture_output=True, text=True, timeout=180)

    def log(self):
        with open(os.path.join(self.prefix, "log", "bootstrap.log")) as f:
            return f.read()

    def apt_calls(self):
        if not os.path.exists(self.calls):
            return []
        with open(self.calls) as f:
            return f.read().splitlines()

    def watchdog_config(self):
        with open(os.path.join(self.prefix, "etc", "watchdog.json")) as f:
            return json.load(f)

    @unittest.skipUnless(os.geteuid() == 0, "installing rsync with apt-get needs root")
    def test_missing_rsync_is_installed_with_apt_get_as_root_once(self):
        write_exec(os.path.join(self.fakebin, "apt-get"), FAKE_APT)
        r = self.bootstrap()
        self.assertEqual(r.returncode, 0, r.stderr)
        calls = self.apt_calls()
        self.assertEqual(len(calls), 1, calls)
        self.assertTrue(calls[0].startswith("DEBIAN_FRONTEND=noninteractive "), calls)
        self.assertRegex(calls[0], r" -y -q install rsync$")
        self.assertIn("installed rsync\n", self.log())
        # Next run: rsync is there, apt-get is not asked again.
        r = self.bootstrap()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.apt_calls()), 1)

    @unittest.skipUnless(os.geteuid() == 0, "installing rsync with apt-get needs root")
    def test_a_failed_install_is_logged_and_the_bootstrap_goes_on(self):
        write_exec(os.path.join(self.fakebin, "apt-get"), FAKE_APT)
        open(os.path.join(self.fakebin, "APT_FAILS"), "w").close()
        r = self.bootstrap()
        self.assertEqual(r.returncode, 0, r.stderr)
        calls = [c.split(" ", 1)[1] for c in self.apt_calls()]
        self.assertEqual(len(calls), 3, calls)  # install, update (no package lists yet?), install
        self.assertRegex(calls[0], r" -y -q install rsync$")
        self.assertRegex(calls[1], r" -y -q update$")
        self.assertRegex(calls[2], r" -y -q install rsync$")
        self.assertIn("error: no rsync (gpubox push, pull, run --workdir need it)", self.log())
        self.assertIn("Unable to locate package rsync", self.log())  # apt-get's own words
        self.assertIn("idle_seconds", self.watchdog_config())  # it went on to the watchdog

    def test_without_apt_get_a_missing_rsync_is_only_logged(self):
        r = self.bootstrap()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("error: no rsync (gpubox push, pull, run --workdir need it)", self.log())
        self.assertEqual(self.apt_calls(), [])

    def test_job_py_is_installed_and_the_watchdog_knows_the_jobs_dir(self):
        write_exec(os.path.join(self.fakebin, "rsync"), "#!/bin/sh\n")
        write_exec(os.path.join(self.fakebin, "apt-get"), FAKE_APT)
        r = self.bootstrap()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.apt_calls(), [])  # rsync is there
        self.assertNotIn("rsync", self.log())
        with open(os.path.join(ONBOX, "job.py"), "rb") as a, \
                open(os.path.join(self.prefix, "bin", "job.py"), "rb") as b:
            self.assertEqual(a.read(), b.read())
        self.assertEqual(self.watchdog_config()["jobs_dir"], os.path.join(self.home, ".gpubox", "jobs"))


if __name__ == "__main__":
    unittest.main()
