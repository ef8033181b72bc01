#!/usr/bin/env bash
# Run gpubox's main job against a local AWS stand-in (see scripts/demo.py). Needs a build
# (scripts/build.sh) and the test packages (scripts/deps.sh --install).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${GPUBOX_BUILD_DIR:-$root/build}
python=$("$root/scripts/find-python.sh")
exec "$python" "$root/scripts/demo.py" "$build/gpubox"
