#!/usr/bin/env python3
"""Run one unittest module as ctest does (`python -m unittest -v MODULE`), and make skips loud.

    run_suite.py MODULE        (from the module's folder)

A test that cannot run here (no chromium, not root, no Jupyter) is skipped by unittest; ctest
would still show the file as passed. So each skip is printed as "SKIPPED <test>: <reason>" at
the end of the output, and appended to $GPUBOX_SKIP_LOG when set (one line per skip), which
.ci/run prints in its summary. Exits 1 when a test failed, 0 otherwise.
"""
import os
import sys
import unittest


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    module = sys.argv[1]
    sys.path.insert(0, os.getcwd())
    suite = unittest.defaultTestLoader.loadTestsFromName(module)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    lines = [f"{test.id()}: {reason}" for test, reason in result.skipped]
    for line in lines:
        print(f"SKIPPED {line}")
    log = os.environ.get("GPUBOX_SKIP_LOG")
    if lines and log:
        with open(log, "a") as f:
            f.write("".join(line + "\n" for line in lines))
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
