#!/usr/bin/env bash
# Format the C++ sources with clang-format 19 and the repository's .clang-format.
#   scripts/format.sh           rewrite the files in place
#   scripts/format.sh --check   list the files that differ and exit 1 if any does (CI)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
tool=${CLANG_FORMAT:-clang-format-19}
if ! command -v "$tool" >/dev/null; then
  echo "format: $tool not found (scripts/deps.sh --install provides it)" >&2
  exit 2
fi
mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
case "${1:-}" in
  --check)
    bad=()
    for f in "${files[@]}"; do
      if ! "$tool" --dry-run --Werror "$f" >/dev/null 2>&1; then
        bad+=("$f")
      fi
    done
    if [ "${#bad[@]}" -ne 0 ]; then
      printf 'format: %s differs from .clang-format\n' "${bad[@]}" >&2
      echo "format: ${#bad[@]} of ${#files[@]} files differ; run scripts/format.sh" >&2
      exit 1
    fi
    echo "format: all ${#files[@]} C++ files match .clang-format"
    ;;
  "") "$tool" -i "${files[@]}" ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac
