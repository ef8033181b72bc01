#!/usr/bin/env python3
"""gpubox check: is this box's GPU, driver and ML stack healthy? Each check is PASS, FAIL or SKIP.

Runs on the box (over ssh) or locally. Exit status 1 when any check FAILs. Python 3 standard
library only; frameworks are probed in subprocesses of whichever interpreters have them
(this file re-runs itself with --probe/--matmul/--run-notebook there).
GPU checks SKIP without nvidia-smi, unless --expect-gpu-count > 0 says a GPU must be there.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FRAMEWORKS = ("tensorflow", "torch", "jax")
# Dense FP16/BF16 tensor-core peak TFLOPS per GPU (vendor datasheets; A10G is AWS's cut of A10).
PEAK_TFLOPS = {"GH200": 989, "H200": 989, "H100 PCIE": 756, "H100": 989, "A100": 312,
               "L40S": 362, "L40": 181, "A10G": 70, "A10": 125, "A40": 150, "L4": 121,
               "V100": 125, "T4": 65}
GPU_FIELDS = ("index,name,memory.total,driver_version,ecc.errors.uncorrected.volatile.total,"
              "clocks.sm,clocks.max.sm,clocks_throttle_reasons.active,temperature.gpu")
GPU_CHECKS = ("gpu.present", "gpu.model", "gpu.count", "gpu.memory", "gpu.driver", "gpu.ecc",
              "gpu.clocks")
BAD_THROTTLE = {0x8: "hw slowdown", 0x20: "sw thermal", 0x40: "hw thermal", 0x80: "power brake"}


def progress(stage):
    """Says on stderr which stage starts; gpubox check shows it as its progress line."""
    print("gpubox-progress: " + stage, file=sys.stderr, flush=True)


def result(name, status, detail, **data):
    """One check's outcome."""
    return {"name": name, "status": status, "detail": detail, "data": data}


def parse_gpu_csv(text):
    """Parses `nvidia-smi --query-gpu=GPU_FIELDS --format=csv,noheader,nounits` output."""
    names = GPU_FIELDS.split(",")
    gpus = []
    for line in text.strip().splitlines():
        cols = [c.strip() for c in line.split(",")]
        if len(cols) >= 4:
            gpus.append(dict(zip(names, cols)))
    return gpus


def parse_cuda_version(banner):
    """Returns the 'CUDA Version: X.Y' from plain nvidia-smi output, or None."""
    m = re.search(r"CUDA Version:\s*([0-9.]+)", banner or "")
    return m.group(1) if m else None


def peak_for(name):
    """Spec peak TFLOPS for a GPU name, or None."""
    upper = name.upper()
    for key in sorted(PEAK_TFLOPS, key=len, reverse=True):
        if re.search(r"(^|[^A-Z0-9])" + re.escape(key) + r"($|[^A-Z0-9])", upper):
            return PEAK_TFLOPS[key]
    return None


def gpu_checks(gpus, cuda, expect):
    """Checks parsed nvidia-smi rows against the expected model, count and memory (GiB)."""
    out = []
    names = sorted({g["name"] for g in gpus})
    out.append(result("gpu.present", "PASS" if gpus else "FAIL",
                      "%d x %s" % (len(gpus), ", ".join(names)) if gpus else "nvidia-smi lists no GPU",
                      count=len(gpus), names=names))
    if expect.get("model"):
        bad = [g["name"] for g in gpus if expect["model"].upper() not in g["name"].upper()]
        ok = gpus and not bad
        out.append(result("gpu.model", "PASS" if ok else "FAIL", "expected %s, found %s"
                          % (expect["model"], ", ".join(names) or "none"), expected=expect["model"]))
    else:
        out.append(result("gpu.model", "SKIP", "no expected model given; found %s" % ", ".join(names)))
    if expect.get("count") is not None:
        ok = len(gpus) == expect["count"]
        out.append(result("gpu.count", "PASS" if ok else "FAIL",
                          "expected %d, found %d" % (expect["count"], len(gpus))))
    else:
        out.append(result("gpu.count", "SKIP", "no expected count given; found %d" % len(gpus)))
    mems = [float(g["memory.total"]) / 1024 for g in gpus if re.match(r"^[0-9.]+$", g["memory.total"])]
    if expect.get("memory_gib") and gpus:
        want = expect["memory_gib"]
        ok = len(mems) == len(gpus) and all(0.9 * want <= m <= 1.1 * want for m in mems)
        out.append(result("gpu.memory", "PASS" if ok else "FAIL", "expected %g GiB per GPU, found %s"
                          % (want, ", ".join("%.1f GiB" % m for m in mems) or "unknown")))
    else:
        out.append(result("gpu.memory", "SKIP", "no expected memory given; found %s"
                          % ", ".join("%.1f GiB" % m for m in mems)))
    drivers = sorted({g["driver_version"] for g in gpus})
    out.append(result("gpu.driver", "PASS" if drivers and cuda else "FAIL",
                      "driver %s, CUDA %s" % (", ".join(drivers) or "?", cuda or "?"),
                      driver=drivers[0] if drivers else None, cuda=cuda))
    ecc = [g.get("ecc.errors.uncorrected.volatile.total", "") for g in gpus]
    counts = [int(e) for e in ecc if e.isdigit()]
    if not counts:
        out.append(result("gpu.ecc", "SKIP", "ECC counters not reported (ECC off or unsupported)"))
    else:
        out.append(result("gpu.ecc", "FAIL" if sum(counts) else "PASS",
                          "%d uncorrected volatile ECC error(s)" % sum(counts)))
    out.append(clock_check(gpus))
    return out


def clock_check(gpus):
    """Fails on hardware slowdown or thermal throttling; reports SM clocks."""
    bad, clocks = [], []
    for g in gpus:
        reasons = g.get("clocks_throttle_reasons.active", "")
        if reasons.startswith("0x"):
            bits = int(reasons, 16)
            bad += ["gpu%s %s" % (g["index"], v) for k, v in BAD_THROTTLE.items() if bits & k]
        clocks.append("gpu%s %s/%s MHz %sC" % (g["index"], g.get("clocks.sm", "?"),
                                             g.get("clocks.max.sm", "?"), g.get("temperature.gpu", "?")))
    if not any(g.get("clocks_throttle_reasons.active") for g in gpus):
        return result("gpu.clocks", "SKIP", "throttle reasons not reported")
    return result("gpu.clocks", "FAIL" if bad else "PASS",
                  ("throttled: " + ", ".join(bad) + "; " if bad else "") + "; ".join(clocks))


def run_cmd(cmd, timeout=60, env=None):
    """Runs cmd; returns (returncode, stdout, stderr); FileNotFoundError propagates."""
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    return p.returncode, p.stdout, p.stderr


def unavailable(first_status, why):
    """gpu.present with first_status and why; every other GPU check SKIPs with the same reason."""
    return [result(GPU_CHECKS[0], first_status, why)] + [result(n, "SKIP", why) for n in GPU_CHECKS[1:]]


def nvidia_checks(expect):
    """Returns (checks, gpus) from nvidia-smi, or SKIP/FAIL results when it is missing/broken."""
    need = (expect.get("count") or 0) > 0
    try:
        rc, out, err = run_cmd(["nvidia-smi", "--query-gpu=" + GPU_FIELDS, "--format=csv,noheader,nounits"])
        if rc != 0 and "not a valid field" in (out + err):
            base = ",".join(GPU_FIELDS.split(",")[:4])
            rc, out, err = run_cmd(["nvidia-smi", "--query-gpu=" + base, "--format=csv,noheader,nounits"])
    except FileNotFoundError:
        why = "nvidia-smi not found: no NVIDIA driver on this machine"
        return unavailable("FAIL" if need else "SKIP", why), []
    except subprocess.TimeoutExpired:
        return unavailable("FAIL", "nvidia-smi timed out"), []
    if rc != 0:
        return unavailable("FAIL", "nvidia-smi failed: " + (out + err).strip()[:300]), []
    gpus = parse_gpu_csv(out)
    try:
        banner = run_cmd(["nvidia-smi"])[1]
    except Exception:
        banner = ""
    return gpu_checks(gpus, parse_cuda_version(banner), expect), gpus


def interpreters(extra):
    """Candidate Python interpreters: given ones first, then the usual DLAMI/Debian places."""
    cands = list(extra) + os.environ.get("GPUBOX_PYTHONS", "").split(":") + [
        sys.executable, "/usr/bin/python3", "/opt/conda/bin/python", "/opt/pytorch/bin/python",
        "/opt/tensorflow/bin/python"] + sorted(glob.glob("/opt/conda/envs/*/bin/python"))
    seen, out = set(), []
    for c in cands:
        if c and os.path.exists(c) and os.path.realpath(c) not in seen:
            seen.add(os.path.realpath(c))
            out.append(c)
    return out


def find_frameworks(interps):
    """Maps each installed framework (and nbclient) to the first interpreter that has it."""
    code = ("import importlib.util as u, json; print(json.dumps({n: u.find_spec(n) is not None "
            "for n in %r}))" % ((FRAMEWORKS + ("nbclient", "ipykernel")),))
    where = {}
    for py in interps:
        try:
            rc, out, _ = run_cmd([py, "-c", code], timeout=30)
            found = json.loads(out) if rc == 0 else {}
        except Exception:
            found = {}
        for name, ok in found.items():
            if ok:
                where.setdefault(name, []).append(py)
    return where


def self_run(py, args, timeout, env=None):
    """Runs this file under py with args; returns its last stdout line as JSON (or error dict)."""
    try:
        rc, out, err = run_cmd([py, os.path.abspath(__file__)] + args, timeout=timeout, env=env)
        lines = out.strip().splitlines()
        if lines and lines[-1].startswith("{"):
            return json.loads(lines[-1])
        return {"error": (err.strip().splitlines() or ["exit %d" % rc])[-1][:300]}
    except subprocess.TimeoutExpired:
        return {"error": "timed out after %ds" % timeout}


def framework_checks(where, n_gpus):
    """One check per framework: version, interpreter, and whether it sees the GPU."""
    out, seeing = [], {}
    for fw in FRAMEWORKS:
        if fw not in where:
            out.append(result("framework." + fw, "SKIP", "not installed"))
            continue
        py = where[fw][0]
        progress("importing %s and asking it for the GPUs" % fw)
        info = self_run(py, ["--probe", fw], timeout=300)
        if "error" in info:
            out.append(result("framework." + fw, "FAIL", "%s: %s" % (py, info["error"]), python=py))
            continue
        sees = info.get("gpus", 0)
        if sees:
            seeing[fw] = py
        status = "FAIL" if n_gpus and not sees else "PASS"
        detail = "%s %s (%s), sees %d GPU(s)%s" % (fw, info.get("version"), py, sees,
                                                   "" if n_gpus else "; no GPU on this machine")
        out.append(result("framework." + fw, status, detail, python=py, **info))
    return out, seeing


def matmul_check(seeing, gpus, min_fraction):
    """Times a large matmul on the GPU with the first framework that sees it."""
    if not gpus:
        return result("gpu.matmul", "SKIP", "no GPU")
    fw = next((f for f in ("torch", "tensorflow", "jax") if f in seeing), None)
    if fw is None:
        return result("gpu.matmul", "SKIP", "no installed framework sees the GPU")
    progress("timing a matmul on the GPU (%s)" % fw)
    info = self_run(seeing[fw], ["--matmul", fw], timeout=300)
    if "error" in info:
        return result("gpu.matmul", "FAIL", "%s: %s" % (fw, info["error"]))
    peak = peak_for(gpus[0]["name"])
    got = info["tflops"]
    if peak is None:
        return result("gpu.matmul", "PASS", "%.1f TFLOPS %s (%s); no spec peak known for %s"
                      % (got, info["dtype"], fw, gpus[0]["name"]), **info)
    frac = got / peak
    return result("gpu.matmul", "PASS" if frac >= min_fraction else "FAIL",
                  "%.1f TFLOPS %s (%s) = %.0f%% of %s spec peak %d" % (
                      got, info["dtype"], fw, 100 * frac, gpus[0]["name"], peak),
                  peak_tflops=peak, fraction=round(frac, 3), **info)


def imdb_check(where, min_accuracy, timeout):
    """The tutorial's IMDB model: a headless notebook where Jupyter is installed, else a script."""
    fw = "tensorflow" if "tensorflow" in where else "torch" if "torch" in where else None
    if fw is None:
        return result("imdb", "SKIP", "neither tensorflow nor torch is installed")
    py = where[fw][0]
    notebook = py in where.get("nbclient", []) and py in where.get("ipykernel", [])
    fd, path = tempfile.mkstemp(prefix="gpubox-imdb-", suffix=".json")
    os.close(fd)
    env = dict(os.environ, GPUBOX_IMDB_RESULT=path, GPUBOX_ONBOX_DIR=HERE, GPUBOX_IMDB_FRAMEWORK=fw)
    progress("training the IMDB model with %s in a %s (minutes without a GPU)"
             % (fw, "notebook" if notebook else "script"))
    try:
        if notebook:
            info = self_run(py, ["--run-notebook", os.path.join(HERE, "imdb.ipynb")], timeout, env)
        else:
            info = {}
            rc, _, err = run_cmd([py, os.path.join(HERE, "imdb_model.py"), "--framework", fw],
                                 timeout=timeout, env=env)
            if rc != 0:
                info = {"error": (err.strip().splitlines() or ["exit %d" % rc])[-1][:300]}
        with open(path) as f:
            res = json.load(f) if os.path.getsize(path) else info or {"error": "no result"}
    except subprocess.TimeoutExpired:
        res = {"error": "timed out after %ds" % timeout}
    finally:
        os.unlink(path)
    if "error" in res:
        return result("imdb", "FAIL", "%s (%s): %s" % (fw, "notebook" if notebook else "script",
                                                    res["error"]))
    need = min_accuracy.get(res["dataset"], 0.75)
    detail = ("accuracy %.3f (need %.2f) on %s (%d train / %d test), %d epochs in %.1f s, %s on %s, %s"
              % (res["accuracy"], need, res["dataset"], res["train_n"], res["test_n"], res["epochs"],
                 res["train_seconds"], res["framework"], res["device"], res["mode"]))
    return result("imdb", "PASS" if res["accuracy"] >= need else "FAIL", detail, **res)


def probe(fw):
    """Prints {version, gpus} for one framework (runs in the framework's interpreter)."""
    if fw == "torch":
        import torch
        n = torch.cuda.device_count() if torch.cuda.is_available() else 0
        return {"version": torch.__version__, "gpus": n, "cuda_build": torch.version.cuda}
    if fw == "tensorflow":
        import tensorflow as tf
        return {"version": tf.__version__, "gpus": len(tf.config.list_physical_devices("GPU")),
                "cuda_build": tf.test.is_built_with_cuda()}
    import jax
    return {"version": jax.__version__, "gpus": len([d for d in jax.devices() if d.platform == "gpu"])}


def matmul(fw, n=8192, seconds=2.0):
    """Returns achieved TFLOPS of n x n matmuls on the GPU."""
    if fw == "torch":
        import torch
        dtype = torch.bfloat16 if torch.cuda.get_device_capability()[0] >= 8 else torch.float16
        a, b = (torch.randn(n, n, device="cuda", dtype=dtype) for _ in range(2))
        step = lambda: torch.mm(a, b)
        sync = torch.cuda.synchronize
        name = str(dtype).replace("torch.", "")
    elif fw == "tensorflow":
        import tensorflow as tf
        with tf.device("/GPU:0"):
            a, b = (tf.random.normal((n, n), dtype=tf.float16) for _ in range(2))
        step = lambda: tf.matmul(a, b)
        sync = lambda: None
        name = "float16"
    else:
        import jax
        import jax.numpy as jnp
        a = b = jnp.ones((n, n), dtype=jnp.bfloat16)
        f = jax.jit(jnp.dot)
        step = lambda: f(a, b)
        sync = lambda: None
        name = "bfloat16"
    for _ in range(3):
        r = step()
    _ = r.numpy() if fw == "tensorflow" else (r.block_until_ready() if fw == "jax" else sync())
    count, start = 0, time.time()
    while time.time() - start < seconds:
        for _ in range(10):
            r = step()
        _ = r.numpy()[0, 0] if fw == "tensorflow" else (r.block_until_ready() if fw == "jax" else sync())
        count += 10
    elapsed = time.time() - start
    return {"tflops": round(2 * n ** 3 * count / elapsed / 1e12, 1), "dtype": name, "n": n}


def run_notebook(path):
    """Executes a notebook headless with nbclient (the IMDB result goes to GPUBOX_IMDB_RESULT)."""
    import nbclient
    import nbformat
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(nb, timeout=1800, kernel_name="python3",
                            resources={"metadata": {"path": os.path.dirname(path)}}).execute()
    return {"ok": True}


def render(checks):
    """Human-readable table."""
    lines = ["%-20s %-4s  %s" % (c["name"], c["status"], c["detail"]) for c in checks]
    fails = sum(c["status"] == "FAIL" for c in checks)
    lines.append("%d check(s): %d FAIL" % (len(checks), fails))
    return "\n".join(lines)


def main(argv):
    ap = argparse.ArgumentParser(description="gpubox check: GPU, driver, frameworks, IMDB test")
    ap.add_argument("--json", action="store_true", help="print JSON")
    ap.add_argument("--quick", action="store_true", help="skip the matmul and IMDB runs")
    ap.add_argument("--local", action="store_true", help="accepted for symmetry with gpubox check")
    ap.add_argument("--expect-gpu-model")
    ap.add_argument("--expect-gpu-count", type=int)
    ap.add_argument("--expect-gpu-memory-gib", type=float)
    ap.add_argument("--python", action="append", default=[], help="interpreter to probe first")
    ap.add_argument("--min-matmul-fraction", type=float, default=0.25)
    ap.add_argument("--imdb-timeout", type=int, default=1800)
    ap.add_argument("--probe", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    ap.add_argument("--matmul", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    ap.add_argument("--run-notebook", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    internal = a.probe and probe or a.matmul and matmul or a.run_notebook and run_notebook
    if internal:
        print(json.dumps(internal(a.probe or a.matmul or a.run_notebook)))
        return 0
    expect = {"model": a.expect_gpu_model, "count": a.expect_gpu_count,
              "memory_gib": a.expect_gpu_memory_gib}
    progress("reading the GPUs (nvidia-smi)")
    checks, gpus = nvidia_checks(expect)
    progress("looking for PyTorch, TensorFlow and JAX")
    where = find_frameworks(interpreters(a.python))
    fw_checks, seeing = framework_checks(where, len(gpus))
    checks += fw_checks
    if a.quick:
        checks.append(result("gpu.matmul", "SKIP", "--quick"))
        checks.append(result("imdb", "SKIP", "--quick"))
    else:
        checks.append(matmul_check(seeing, gpus, a.min_matmul_fraction))
        checks.append(imdb_check(where, {"sample": 0.75, "imdb": 0.80}, a.imdb_timeout))
    failed = any(c["status"] == "FAIL" for c in checks)
    if a.json:
        print(json.dumps({"ok": not failed, "checks": checks}, indent=1))
    else:
        print(render(checks))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
