#!/usr/bin/env bash
# Print a C++ compiler that can build gpubox: it must have C++23's <expected> (g++ 12 or newer,
# clang 19 or newer). $CXX wins when it qualifies; otherwise c++ (CMake's own default, so ccache
# entries stay shared with plain `cmake` builds), g++, g++-14..12, clang++-19 and newer are tried in
# that order. A compiler without <expected> (Debian 12's clang 14) is never picked.
set -euo pipefail
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '#include <expected>\nint main() { std::expected<int, int> e = 1; return *e - 1; }\n' >"$probe/t.cpp"
works() { "$1" -std=c++23 -fsyntax-only "$probe/t.cpp" >/dev/null 2>&1; }
candidates=()
[ -n "${CXX:-}" ] && candidates+=("$CXX")
candidates+=(c++ g++ g++-14 g++-13 g++-12 clang++-21 clang++-20 clang++-19)
for cxx in "${candidates[@]}"; do
  if command -v "$cxx" >/dev/null && works "$cxx"; then
    command -v "$cxx"
    exit 0
  fi
done
echo "find-cxx: no compiler with C++23 <expected> (need g++ >= 12 or clang >= 19; tried ${candidates[*]})" >&2
exit 1
