#!/usr/bin/env bash
# Static checks: clang-tidy 19 with the repository's .clang-tidy over src/ (needs a configured
# build for compile_commands.json), then the include arrows of ARCHITECTURE.md
# (scripts/check-arch.py).
#   scripts/lint.sh                 every C++ file under src/
#   scripts/lint.sh FILE...         only these files (e.g. the ones a change touched)
# Environment: GPUBOX_BUILD_DIR (default build/), GPUBOX_JOBS (default 2), CLANG_TIDY
# (default clang-tidy-19). Exits 1 when clang-tidy reports a warning or an arrow is broken.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build=${GPUBOX_BUILD_DIR:-$root/build}
jobs=${GPUBOX_JOBS:-2}
tool=${CLANG_TIDY:-clang-tidy-19}

status=0
python3 scripts/check-arch.py || status=1

if ! command -v "$tool" >/dev/null; then
  echo "lint: $tool not found (scripts/deps.sh --install provides it)" >&2
  exit 2
fi
if [ ! -f "$build/compile_commands.json" ]; then
  echo "lint: no $build/compile_commands.json; configure first (scripts/build.sh)" >&2
  exit 2
fi
if [ "$#" -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(git ls-files 'src/*.cpp')
fi
log=$(mktemp -t gpubox-lint.XXXXXX)
trap 'rm -f "$log"' EXIT
# The generated catalog_data.cpp and friends are not in git: only tracked sources are checked.
printf '%s\n' "${files[@]}" |
  xargs -P "$jobs" -n 4 "$tool" -p "$build" --quiet 2>/dev/null >"$log" || true
warnings=$(grep -cE '^/.*: (warning|error): ' "$log" || true)
if [ "$warnings" -ne 0 ]; then
  grep -E '^/.*: (warning|error): ' "$log" | sort -u >&2
  echo "lint: clang-tidy found $warnings problem(s) in ${#files[@]} file(s)" >&2
  status=1
else
  echo "lint: clang-tidy is clean on ${#files[@]} file(s)"
fi
exit "$status"
