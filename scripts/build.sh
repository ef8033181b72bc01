#!/usr/bin/env bash
# Configure (Release, Ninja) and build gpubox into build/ (or $GPUBOX_BUILD_DIR).
# The binary is build/gpubox; `cmake --install build` puts it in /usr/local/bin.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${GPUBOX_BUILD_DIR:-$root/build}
cxx=$("$root/scripts/find-cxx.sh")
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
cmake --build "$build" -j"${GPUBOX_JOBS:-2}" --target gpubox
echo "built $build/gpubox ($("$build/gpubox" --version))"
