"""Tests for onbox/check.py, the IMDB model/sample and the notebook."""
import gzip
import json
import os
import stat
import subprocess
import sys
import tempfile
import unittest

ONBOX = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "onbox"))
sys.path.insert(0, ONBOX)
import check  # noqa: E402
import make_imdb_sample  # noqa: E402

DEBIAN_PY = "/usr/bin/python3"
A10G_CSV = "0, NVIDIA A10G, 23028, 535.104.05, 0, 1710, 1710, 0x0000000000000000, 31\n"
BANNER = "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2     |\n"


def has_torch(py=DEBIAN_PY):
    return os.path.exists(py) and subprocess.run(
        [py, "-c", "import torch, numpy"], capture_output=True).returncode == 0


def by_name(checks):
    return {c["name"]: c for c in checks}


def run_check(args, path=None, env=None, timeout=600):
    """Runs check.py; returns (exit code, parsed --json output)."""
    e = dict(os.environ, GPUBOX_OFFLINE="1", **(env or {}))
    if path is not None:
        e["PATH"] = path
    p = subprocess.run([sys.executable, os.path.join(ONBOX, "check.py"), "--json"] + args,
                       capture_output=True, text=True, env=e, timeout=timeout)
    return p.returncode, json.loads(p.stdout)


class ParseTest(unittest.TestCase):
    def test_matching_a10g_passes_model_count_memory_driver(self):
        gpus = check.parse_gpu_csv(A10G_CSV)
        res = by_name(check.gpu_checks(gpus, check.parse_cuda_version(BANNER),
                                       {"model": "A10G", "count": 1, "memory_gib": 24}))
        for name in ("gpu.present", "gpu.model", "gpu.count", "gpu.memory", "gpu.driver",
                     "gpu.ecc", "gpu.clocks"):
            self.assertEqual(res[name]["status"], "PASS", res[name])
        self.assertIn("CUDA 12.2", res["gpu.driver"]["detail"])
        self.assertIn("535.104.05", res["gpu.driver"]["detail"])

    def test_mismatched_model_count_and_memory_fail(self):
        gpus = check.parse_gpu_csv(A10G_CSV)
        res = by_name(check.gpu_checks(gpus, "12.2", {"model": "T4", "count": 4, "memory_gib": 80}))
        for name in ("gpu.model", "gpu.count", "gpu.memory"):
            self.assertEqual(res[name]["status"], "FAIL", res[name])
        self.assertIn("expected T4, found NVIDIA A10G", res["gpu.model"]["detail"])
        self.assertIn("expected 4, found 1", res["gpu.count"]["detail"])

    def test_ecc_errors_and_thermal_throttle_fail_but_idle_throttle_passes(self):
        bad = check.parse_gpu_csv("0, Tesla T4, 15360, 470.1, 2, 585, 1590, 0x0000000000000040, 90\n")
        res = by_name(check.gpu_checks(bad, "11.4", {}))
        self.assertEqual(res["gpu.ecc"]["status"], "FAIL")
        self.assertEqual(res["gpu.clocks"]["status"], "FAIL")
        self.assertIn("hw thermal", res["gpu.clocks"]["detail"])
        idle = check.parse_gpu_csv("0, Tesla T4, 15360, 470.1, [N/A], 300, 1590, 0x0000000000000001, 40\n")
        res = by_name(check.gpu_checks(idle, "11.4", {}))
        self.assertEqual(res["gpu.clocks"]["status"], "PASS")
        self.assertEqual(res["gpu.ecc"]["status"], "SKIP")
        self.assertEqual(res["gpu.model"]["status"], "SKIP")

    def test_peak_table_picks_the_right_model(self):
        cases = {"NVIDIA A10G": 70, "Tesla T4": 65, "NVIDIA H100 80GB HBM3": 989,
                 "NVIDIA H100 PCIe": 756, "NVIDIA L40S": 362, "NVIDIA L4": 121,
                 "NVIDIA A100-SXM4-40GB": 312, "NVIDIA H200": 989, "Tesla V100-SXM2-16GB": 125,
                 "Quadro K620": None}
        for name, peak in cases.items():
            self.assertEqual(check.peak_for(name), peak, name)


class NvidiaSmiProcessTest(unittest.TestCase):
    def test_without_nvidia_smi_every_gpu_check_skips_with_a_reason(self):
        with tempfile.TemporaryDirectory() as empty:
            rc, out = run_check(["--quick", "--python", "/nonexistent"], path=empty + ":/bin")
        res = by_name(out["checks"])
        for name in check.GPU_CHECKS + ("gpu.matmul",):
            self.assertEqual(res[name]["status"], "SKIP", res[name])
            self.assertTrue(res[name]["detail"])
        self.assertIn("nvidia-smi not found", res["gpu.present"]["detail"])
        self.assertNotIn("FAIL", [c["status"] for c in out["checks"]])
        self.assertEqual(rc, 0)

    def test_each_stage_is_announced_on_stderr_and_stdout_stays_the_report(self):
        with tempfile.TemporaryDirectory() as empty:
            e = dict(os.environ, GPUBOX_OFFLINE="1", PATH=empty + ":/bin")
            p = subprocess.run([sys.executable, os.path.join(ONBOX, "check.py"), "--json",
                                "--quick", "--python", "/nonexistent"],
                               capture_output=True, text=True, env=e, timeout=600)
        stages = [l for l in p.stderr.splitlines() if l.startswith("gpubox-progress: ")]
        self.assertEqual(stages[:2], ["gpubox-progress: reading the GPUs (nvidia-smi)",
                                      "gpubox-progress: looking for PyTorch, TensorFlow and JAX"])
        self.assertNotIn("gpubox-progress", p.stdout)
        json.loads(p.stdout)  # stdout is still exactly one JSON document

    def test_expecting_a_gpu_without_nvidia_smi_fails(self):
        with tempfile.TemporaryDirectory() as empty:
            rc, out = run_check(["--quick", "--expect-gpu-count", "1"], path=empty + ":/bin")
        self.assertEqual(by_name(out["checks"])["gpu.present"]["status"], "FAIL")
        self.assertEqual(rc, 1)

    def test_fake_nvidia_smi_output_is_checked_against_expectations(self):
        with tempfile.TemporaryDirectory() as d:
            fake = os.path.join(d, "nvidia-smi")
            with open(fake, "w") as f:
                f.write("#!/bin/sh\nif [ $# -eq 0 ]; then printf '%%s' '%s'; else printf '%%s' '%s'; fi\n"
                        % (BANNER, A10G_CSV))
            os.chmod(fake, stat.S_IRWXU)
            rc, out = run_check(["--quick", "--expect-gpu-model", "A10G", "--expect-gpu-count", "2",
                                 "--expect-gpu-memory-gib", "24"], path=d + ":/usr/bin:/bin")
        res = by_name(out["checks"])
        self.assertEqual(res["gpu.model"]["status"], "PASS")
        self.assertEqual(res["gpu.memory"]["status"], "PASS")
        self.assertEqual(res["gpu.count"]["status"], "FAIL")
        self.assertEqual(res["gpu.driver"]["data"]["cuda"], "12.2")
        self.assertEqual(rc, 1)


class ImdbTest(unittest.TestCase):
    def test_sample_is_reproducible_balanced_and_ours(self):
        with open(os.path.join(ONBOX, "imdb_sample.tsv.gz"), "rb") as f:
            shipped = f.read()
        self.assertEqual(shipped, make_imdb_sample.make())
        rows = gzip.decompress(shipped).decode().splitlines()
        self.assertEqual(len(rows), 600)
        positives = sum(r.startswith("1\t") for r in rows)
        self.assertTrue(270 <= positives <= 330, positives)

    def test_notebook_is_nbformat4_without_outputs(self):
        with open(os.path.join(ONBOX, "imdb.ipynb")) as f:
            nb = json.load(f)
        self.assertEqual(nb["nbformat"], 4)
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        self.assertTrue(code)
        self.assertTrue(all(c["outputs"] == [] for c in code))
        self.assertTrue(any("imdb_model.run" in "".join(c["source"]) for c in code))

    @unittest.skipUnless(has_torch(), "needs torch and numpy in /usr/bin/python3")
    def test_pytorch_script_on_cpu_learns_the_sample(self):
        p = subprocess.run([DEBIAN_PY, os.path.join(ONBOX, "imdb_model.py"), "--framework", "torch"],
                           capture_output=True, text=True, timeout=600,
                           env=dict(os.environ, GPUBOX_OFFLINE="1"))
        self.assertEqual(p.returncode, 0, p.stderr)
        res = json.loads(p.stdout.strip().splitlines()[-1])
        print("\nIMDB script: %s" % res, file=sys.stderr)
        self.assertEqual((res["dataset"], res["framework"], res["device"]), ("sample", "torch", "cpu"))
        self.assertEqual((res["train_n"], res["test_n"]), (480, 120))
        self.assertGreaterEqual(res["accuracy"], 0.75)

    @unittest.skipUnless(has_torch(), "needs torch and numpy in /usr/bin/python3")
    def test_full_check_runs_the_notebook_headless_and_passes(self):
        rc, out = run_check(["--python", DEBIAN_PY])
        res = by_name(out["checks"])
        print("\nIMDB check: %s" % res["imdb"]["detail"], file=sys.stderr)
        self.assertEqual(res["framework.torch"]["status"], "PASS")
        self.assertEqual(res["imdb"]["status"], "PASS", res["imdb"])
        notebook = subprocess.run([DEBIAN_PY, "-c", "import nbclient, ipykernel"]).returncode == 0
        self.assertEqual(res["imdb"]["data"]["mode"], "notebook" if notebook else "script")
        self.assertGreaterEqual(res["imdb"]["data"]["accuracy"], 0.75)


if __name__ == "__main__":
    unittest.main()
