#!/usr/bin/env bash
# Static checks: clang-tidy 19 with the repository's .clang-tidy over src/ (needs a configured
# build for compile_commands.json), then the include arrows of ARCHITECTURE.md
# (scripts/check-arch.py).
#   scripts/lint.sh                 every C++ file under src/ (about 20 min on 2 cores)
#   scripts/lint.sh FILE...         only these files
#   scripts/lint.sh --changed [REV] the .cpp files under src/ that differ from REV, and for each
#                                   changed header its own .cpp (REV: GPUBOX_LINT_BASE, else the
#                                   merge base with the upstream branch when HEAD is ahead of it,
#                                   else HEAD~1: the last commit). CI runs this; the whole tree
#                                   does not fit CI's 30 minutes next to the build and tests.
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
if [ "${1:-}" = "--changed" ]; then
  base=${2:-${GPUBOX_LINT_BASE:-}}
  if [ -z "$base" ]; then
    upstream=$(git merge-base HEAD '@{upstream}' 2>/dev/null || true)
    if [ -n "$upstream" ] && [ "$upstream" != "$(git rev-parse HEAD)" ]; then
      base=$upstream
    elif git rev-parse -q --verify HEAD~1 >/dev/null; then
      base=HEAD~1
    else
      echo "lint: no history to compare with (a shallow clone?): nothing linted; run scripts/lint.sh" >&2
      exit "$status"
    fi
  fi
  mapfile -t files < <(git diff --name-only --diff-filter=d "$base" -- 'src/*.cpp' 'src/*.hpp' |
                         sed -E 's/\.hpp$/.cpp/' | sort -u | while read -r f; do [ -f "$f" ] && echo "$f"; done)
  echo "lint: ${#files[@]} changed file(s) since $(git rev-parse --short "$base")"
  if [ "${#files[@]}" -eq 0 ]; then
    exit "$status"
  fi
elif [ "$#" -gt 0 ]; then
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
