"""scripts/check-arch.py finds includes that break the arrows of ARCHITECTURE.md."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SOURCE = os.environ.get("GPUBOX_SOURCE_DIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CHECK = os.path.join(SOURCE, "scripts", "check-arch.py")


class CheckArchTest(unittest.TestCase):
    def tree(self, files):
        root = tempfile.mkdtemp(prefix="gpubox-arch.")
        self.addCleanup(shutil.rmtree, root, True)
        for path, text in files.items():
            full = os.path.join(root, "src", path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write(text)
        return root

    def check(self, root):
        return subprocess.run([sys.executable, CHECK, "--root", root], capture_output=True,
                              text=True, timeout=60)

    def test_the_repository_follows_its_arrows(self):
        r = self.check(SOURCE)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_arrows_that_run_the_wrong_way_are_named(self):
        root = self.tree({
            "aws/client.cpp": '#include "box/names.hpp"\n#include "core/error.hpp"\n',
            "catalog/catalog.cpp": '#include "state/db.hpp"\n',
            "plan/offers.cpp": '#include "aws/ec2.hpp"\n',
            "box/launch/up.cpp": '#include "box/fleet/lifecycle.hpp"\n#include "box/access/x.hpp"\n',
            "box/onbox/status.cpp": '#include "box/access/known_hosts.hpp"\n',
            "box/money/cost.cpp": '#include "box/launch/up.hpp"\n',  # money is a leaf
            "box/names.cpp": '#include "box/onbox/status.hpp"\n',
            "core/log.cpp": '#include "core/strings.hpp"\n#include <fmt/format.h>\n',
        })
        r = self.check(root)
        self.assertEqual(r.returncode, 1, r.stdout)
        bad = sorted(line.split(":")[0] for line in r.stderr.splitlines()
                     if line.startswith("src/"))
        self.assertEqual(bad, ["src/aws/client.cpp", "src/box/launch/up.cpp",
                               "src/box/money/cost.cpp", "src/box/names.cpp",
                               "src/box/onbox/status.cpp", "src/catalog/catalog.cpp",
                               "src/plan/offers.cpp"], r.stderr)
        self.assertIn("box/launch must not include \"box/fleet/lifecycle.hpp\"", r.stderr)
        self.assertIn("7 include(s) break the arrows", r.stderr)

    def test_the_allowed_direction_passes(self):
        root = self.tree({
            "box/fleet/gc.cpp": '#include "box/launch/up.hpp"\n#include "box/money/cost.hpp"\n',
            "box/launch/up.cpp": '#include "box/access/known_hosts.hpp"\n#include "plan/offers.hpp"\n',
            "cli/cmd_up.cpp": '#include "box/launch/up.hpp"\n#include "aws/ec2.hpp"\n',
            "remote/ssh.cpp": '#include "state/box_store.hpp"\n',
        })
        r = self.check(root)
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest.main()
