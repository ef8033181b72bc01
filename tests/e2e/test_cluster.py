"""A cluster of machines you bring, end to end (issue 13 §2, §3): three unprivileged loopback
sshds are added as one cluster; `run --nodes all` syncs the workdir to every node and starts one
job on all of them with the environment PyTorch's env:// rendezvous reads, and a real
torch.distributed gloo all-reduce must see every rank. The first failing node's exit code wins
and stops the others; Ctrl-C stops the job on every node. Nothing leaves 127.0.0.1 (gloo is
pinned to the loopback interface); no AWS is involved."""
# ctest: RUN_SERIAL
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from localnet import wait_for
from sshd import Sshd, client_env, stop_box_services

GPUBOX = os.environ.get("GPUBOX_BIN", "gpubox")
HAS_JUPYTER = any(os.path.exists("/usr/bin/" + j)
                  for j in ("jupyter-lab", "jupyter-notebook", "jupyter-server"))
HAS_RSYNC = shutil.which("rsync") is not None
# Debian's python3-torch (1.13) lives in /usr/bin/python3's dist-packages.
SYSTEM_PYTHON = "/usr/bin/python3"


def has_torch():
    try:
        return subprocess.run([SYSTEM_PYTHON, "-c", "import torch.distributed as d; "
                               "assert d.is_available()"], capture_output=True,
                              timeout=120).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


ALLREDUCE = """\
import os
import torch
import torch.distributed as dist

dist.init_process_group("gloo", init_method="env://")
rank, world = dist.get_rank(), dist.get_world_size()
t = torch.tensor([float(rank + 1)])
dist.all_reduce(t)
seen = [None] * world
dist.all_gather_object(seen, os.environ["NODE_RANK"])
print(f"rank {rank} of {world}: sum {t.item():g}, ranks seen {','.join(seen)}", flush=True)
dist.destroy_process_group()
"""

N = 3


@unittest.skipUnless(HAS_JUPYTER, "Debian's Jupyter (jupyter-notebook) is not installed: "
                                  "`gpubox add` bootstraps it")
@unittest.skipUnless(HAS_RSYNC, "rsync is not installed (scripts/deps.sh --install)")
class ClusterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gpubox-e2e-cluster.")
        cls.home = os.path.join(cls.tmp, "home")
        os.makedirs(cls.home)
        cls.sshds, cls.infos, cls.box_homes = [], [], []
        for k in range(N):
            box_home = os.path.join(cls.tmp, f"node{k}")
            os.makedirs(box_home)
            with open(os.path.join(box_home, "whoami.txt"), "w") as f:
                f.write(f"node-{k}\n")
            sshd = Sshd(home=box_home,
                        env={"GPUBOX_NO_SYSTEMD": "1", "GPUBOX_WATCH_INTERVAL": "2"})
            cls.sshds.append(sshd)
            cls.infos.append(sshd.start())
            cls.box_homes.append(box_home)
        # One key reaches every node, as a team's one key would.
        with open(cls.infos[0].key_path + ".pub") as f:
            pub = f.read()
        for sshd in cls.sshds[1:]:
            with open(os.path.join(sshd.tmpdir, "authorized_keys"), "a") as f:
                f.write(pub)
        cls.env = client_env(cls.home)
        urls = [f"ssh://{i.user}@127.0.0.1:{i.port}" for i in cls.infos]
        cls.added = cls.gpubox("add", "trio", *urls, "--key", cls.infos[0].key_path,
                               "--json", timeout=600)

    @classmethod
    def tearDownClass(cls):
        cls.gpubox("rm", "trio", timeout=300)
        for box_home, sshd in zip(cls.box_homes, cls.sshds):
            stop_box_services(box_home)
            sshd.stop()
        if os.environ.get("GPUBOX_KEEP_TMP") != "1":
            shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def gpubox(cls, *args, timeout=180):
        return subprocess.run([GPUBOX, *args], env=cls.env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def setUp(self):
        self.assertEqual(self.added.returncode, 0, self.added.stderr)

    def by_rank(self, stdout):
        """{rank: [lines]} from `run --nodes all`'s prefixed output; every line has a prefix."""
        out = {}
        for line in stdout.splitlines():
            m = re.fullmatch(r"\[(\d+)\] (.*)", line)
            self.assertIsNotNone(m, f"a line without its node's prefix: {line!r}")
            out.setdefault(int(m.group(1)), []).append(m.group(2))
        return out

    def newest_job(self):
        r = self.gpubox("jobs", "trio", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)[0]

    def test_1_the_machines_are_one_cluster_and_each_node_is_reachable(self):
        added = json.loads(self.added.stdout)
        self.assertEqual([n["node"] for n in added["nodes"]], list(range(N)))
        r = self.gpubox("ls")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"trio ({N} nodes)", r.stdout)
        self.assertNotIn("trio:1", r.stdout)
        r = self.gpubox("ls", "--nodes")
        for k in range(N):
            self.assertIn(f"trio:{k}", r.stdout)
        r = self.gpubox("ls", "--json")
        rows = json.loads(r.stdout)
        self.assertEqual(sorted((row["cluster"], row["node"]) for row in rows),
                         [("trio", k) for k in range(N)])
        # `ssh NAME` is node 0, `ssh NAME:K` node K: each answers from its own home.
        for ref, k in (("trio", 0), ("trio:1", 1), ("trio:2", 2)):
            r = self.gpubox("ssh", ref, "--", "sh", "-c", "cat \"$HOME/whoami.txt\"")
            self.assertEqual((r.returncode, r.stdout.strip()), (0, f"node-{k}"), r.stderr)

    @unittest.skipUnless(has_torch(), "Debian's python3-torch is not installed")
    def test_2_a_gloo_all_reduce_sees_every_rank(self):
        work = os.path.join(self.tmp, "dist")
        os.makedirs(work, exist_ok=True)
        with open(os.path.join(work, "allreduce.py"), "w") as f:
            f.write(ALLREDUCE)
        r = self.gpubox("run", "trio", "--nodes", "all", "--workdir", work,
                        "--env", "GLOO_SOCKET_IFNAME=lo", "--",
                        SYSTEM_PYTHON, "allreduce.py", timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        lines = self.by_rank(r.stdout)
        total = sum(range(1, N + 1))
        for k in range(N):
            self.assertIn(f"rank {k} of {N}: sum {total}, ranks seen 0,1,2", lines[k])
            # The workdir reached every node.
            self.assertTrue(os.path.exists(os.path.join(
                self.box_homes[k], "gpubox", "workdirs", "dist", "allreduce.py")))

    def test_3_every_node_gets_the_rendezvous_environment(self):
        r = self.gpubox("run", "trio", "--nodes", "all", "--", "sh", "-c",
                        "echo $MASTER_ADDR $MASTER_PORT $WORLD_SIZE $RANK $NODE_RANK "
                        "$GPUBOX_NUM_NODES $GPUBOX_NODE_IPS $GPUBOX_GPUS_PER_NODE; cat whoami.txt")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = self.by_rank(r.stdout)
        ports = set()
        for k in range(N):
            addr, port, world, rank, node_rank, num, ips, _gpus = lines[k][0].split()
            self.assertEqual((addr, world, rank, node_rank, num),
                             ("127.0.0.1", str(N), str(k), str(k), str(N)))
            self.assertEqual(ips, ",".join(["127.0.0.1"] * N))
            self.assertEqual(lines[k][1], f"node-{k}")  # it ran on node k
            ports.add(port)
        self.assertEqual(len(ports), 1)  # one agreed port
        self.assertTrue(1 <= int(ports.pop()) <= 65535)

    def test_4_the_first_failing_node_sets_the_exit_code_and_stops_the_others(self):
        started = time.monotonic()
        r = self.gpubox("run", "trio", "--nodes", "all", "--", "sh", "-c",
                        'if [ "$NODE_RANK" = 1 ]; then echo failing; exit 5; fi; sleep 120')
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertLess(time.monotonic() - started, 100)  # the others did not run to the end
        self.assertIn("node 1", r.stderr)
        self.assertIn("[1] failing", r.stdout.splitlines())
        job = self.newest_job()
        self.assertEqual((job["state"], job["exit_code"]), ("failed", 5))
        states = {n["node"]: n["state"] for n in job["nodes"]}
        self.assertEqual(states, {0: "cancelled", 1: "failed", 2: "cancelled"})

    def test_5_ctrl_c_stops_the_job_on_every_node(self):
        p = subprocess.Popen([GPUBOX, "run", "trio", "--nodes", "all", "--", "sh", "-c",
                              "echo up; sleep 300"], env=self.env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                             start_new_session=True)

        def running_everywhere():
            job = self.newest_job()
            return job["state"] == "running" and all(
                n["state"] == "running" for n in job["nodes"]) and len(job["nodes"]) == N
        self.assertTrue(wait_for(running_everywhere, 60))
        os.killpg(p.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends
        _out, err = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 130, err)
        job = self.newest_job()
        self.assertEqual({n["state"] for n in job["nodes"]}, {"cancelled"}, err)

    def test_6_logs_and_cancel_reach_every_node(self):
        r = self.gpubox("run", "trio", "--nodes", "all", "--detach", "--", "sh", "-c",
                        "echo from-$NODE_RANK")
        self.assertEqual(r.returncode, 0, r.stderr)
        job_id = r.stdout.strip()
        r = self.gpubox("logs", "trio", job_id, "-f")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(r.stdout.splitlines()), [f"[{k}] from-{k}" for k in range(N)])
        r = self.gpubox("run", "trio", "--nodes", "all", "--detach", "--", "sleep", "300")
        job_id = r.stdout.strip()
        r = self.gpubox("cancel", "trio", job_id, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        job = self.newest_job()
        self.assertEqual(job["id"], job_id)
        self.assertEqual({n["state"] for n in job["nodes"]}, {"cancelled"})


if __name__ == "__main__":
    unittest.main()
