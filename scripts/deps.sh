#!/usr/bin/env bash
# The Debian packages gpubox needs to build and test: the one list shared by
# .ci/run and the README.
#   scripts/deps.sh             print the package list
#   scripts/deps.sh --missing   print only the packages not installed
#   scripts/deps.sh --install   apt-get install the missing ones (quick no-op when none are)
# Add test tools (e.g. jupyter-notebook python3-nbconvert chromium) to GPUBOX_TEST_PACKAGES.
set -euo pipefail

GPUBOX_BUILD_PACKAGES=(
  cmake ninja-build g++ ccache
  libcurl4-openssl-dev libssl-dev libpugixml-dev nlohmann-json3-dev
  libcli11-dev libfmt-dev libsqlite3-dev libgtest-dev
)
GPUBOX_TEST_PACKAGES=(
  openssh-server openssh-client
  jupyter-notebook python3-nbconvert python3-nbclient python3-ipykernel python3-numpy python3-torch
  chromium
  clang-19 libclang-rt-19-dev  # scripts/fuzz.sh: libFuzzer; clang 14 cannot compile libstdc++ 12's <expected>
  clang-format-19              # scripts/format.sh --check in CI
  hyperfine time               # bench/foundation_bench.py and friends
)
GPUBOX_APT_PACKAGES=("${GPUBOX_BUILD_PACKAGES[@]}" "${GPUBOX_TEST_PACKAGES[@]}")

missing_packages() {
  local pkg
  for pkg in "${GPUBOX_APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
      echo "$pkg"
    fi
  done
}

install_missing() {
  local missing sudo=()
  mapfile -t missing < <(missing_packages)
  if [ "${#missing[@]}" -eq 0 ]; then
    echo "deps: all ${#GPUBOX_APT_PACKAGES[@]} Debian packages present"
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "deps: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Only act when run, not when sourced.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    --install) install_missing ;;
    --missing) missing_packages ;;
    "") printf '%s\n' "${GPUBOX_APT_PACKAGES[@]}" ;;
    *) echo "usage: $0 [--install|--missing]" >&2; exit 2 ;;
  esac
fi
