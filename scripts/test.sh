#!/usr/bin/env bash
# Configure (Release, Ninja), build and run every test (unit + e2e) with ctest.
#   scripts/test.sh [extra ctest args, e.g. -L e2e or -R Sigv4]
# Environment: GPUBOX_BUILD_DIR (default build/), GPUBOX_JOBS (default 2), CXX (scripts/find-cxx.sh),
# GPUBOX_PYTHON (python3 with moto; found by scripts/find-python.sh if unset).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${GPUBOX_BUILD_DIR:-$root/build}
jobs=${GPUBOX_JOBS:-2}

python=$("$root/scripts/find-python.sh")
export GPUBOX_PYTHON=$python
echo "test.sh: build dir $build, python $python"

cxx=$("$root/scripts/find-cxx.sh")
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$cxx" -DGPUBOX_PYTHON="$python"
cmake --build "$build" -j"$jobs"
ctest --test-dir "$build" --output-on-failure -j"$jobs" "$@"
