#!/usr/bin/env bash
# Fail when a tracked file under src/, tests/, cmake/, scripts/, .ci/ or a CMakeLists.txt refers
# to a path outside the repository (the reference folder beside a checkout, /work/..., a
# GPUBOX_SHARED_DIR define), so a plain clone builds and passes scripts/test.sh on its own. Run by
# ctest as repo.stands_alone.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
pattern='\.\./shared|/work/|GPUBOX_SHARED_DIR|PROJECT_SOURCE_DIR\}/\.\.'
mapfile -t files < <(git ls-files src tests cmake scripts .ci CMakeLists.txt '*/CMakeLists.txt' |
  grep -v '^scripts/check-standalone.sh$')
if hits=$(grep -nE "$pattern" "${files[@]}"); then
  echo "check-standalone: these lines refer to paths outside the repository:" >&2
  echo "$hits" >&2
  exit 1
fi
echo "check-standalone: ${#files[@]} files refer only to paths inside the repository"
