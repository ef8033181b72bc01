#!/usr/bin/env python3
"""Check that the include arrows of ARCHITECTURE.md hold in src/.

    scripts/check-arch.py [--root DIR]     exit 0 when every #include "..." follows the arrows,
                                           1 with one line per violation otherwise

Modules are the folders under src/; box/ is split into its rooms (box/launch, box/access, ...)
and its root (box/names.hpp, box/tags.hpp). Each may include only what ARCHITECTURE.md allows:
  core     -> nothing else
  catalog  -> core                    plan   -> catalog, core
  aws      -> core                    state  -> core          remote -> state, core
  box rooms, one way: fleet -> launch -> access -> onbox -> (box root); money is a leaf that
            fleet, launch and cli use; jobs -> access, onbox; volumes -> onbox, money, used by
            fleet, launch and cli; every room may use aws, catalog,
            plan, remote, state, core
  cli      -> everything              main.cpp -> cli
Python 3 standard library only.
"""
import argparse
import os
import re
import sys

LOWER = {"aws", "catalog", "plan", "remote", "state", "core"}
BOX = LOWER | {"box"}
ALLOWED = {
    "core": set(),
    "catalog": {"core"},
    "plan": {"catalog", "core"},
    "aws": {"core"},
    "state": {"core"},
    "remote": {"state", "core"},
    "box": LOWER,
    "box/onbox": BOX,
    "box/access": BOX | {"box/onbox"},
    "box/volumes": BOX | {"box/onbox", "box/money"},
    "box/launch": BOX | {"box/onbox", "box/access", "box/money", "box/volumes"},
    "box/fleet": BOX | {"box/onbox", "box/access", "box/launch", "box/money", "box/volumes"},
    "box/money": BOX,
    "box/jobs": BOX | {"box/onbox", "box/access"},
    "cli": BOX | {"box/onbox", "box/access", "box/launch", "box/fleet", "box/money", "box/jobs",
                  "box/volumes"},
    "main.cpp": {"cli"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def module_of(path):
    """The module of a path relative to src/ ("box/launch/up.cpp" -> "box/launch")."""
    parts = path.split("/")
    if parts[0] == "box":
        return "box" if len(parts) == 2 else "box/" + parts[1]
    return parts[0]


def violations(src):
    out = []
    for root, _, files in os.walk(src):
        for name in sorted(files):
            if not name.endswith((".cpp", ".hpp", ".h", ".cpp.in")):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, src).replace(os.sep, "/")
            mod = module_of(rel)
            if mod not in ALLOWED:
                out.append(f"src/{rel}: module '{mod}' is not in ARCHITECTURE.md")
                continue
            with open(path, encoding="utf-8", errors="replace") as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m or "/" not in m.group(1):
                        continue  # a generated header next to the file, or a system one
                    target = module_of(m.group(1))
                    if target != mod and target not in ALLOWED[mod]:
                        out.append(f"src/{rel}:{lineno}: {mod} must not include "
                                   f"\"{m.group(1)}\" ({target})")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--root", default=os.path.join(here, ".."), help="the repository root")
    args = ap.parse_args()
    src = os.path.join(args.root, "src")
    if not os.path.isdir(src):
        print(f"check-arch: no src/ under {args.root}", file=sys.stderr)
        return 2
    bad = violations(src)
    for line in bad:
        print(line, file=sys.stderr)
    if bad:
        print(f"check-arch: {len(bad)} include(s) break the arrows of ARCHITECTURE.md",
              file=sys.stderr)
        return 1
    print("check-arch: every include follows the arrows of ARCHITECTURE.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
