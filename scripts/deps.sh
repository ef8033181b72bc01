#!/usr/bin/env bash
# The Debian packages gpubox needs to build and test, and the python stack of the
# end-to-end tests: the one list shared by .ci/run and the README.
#   scripts/deps.sh             print the package list
#   scripts/deps.sh --missing   print only the packages not installed
#   scripts/deps.sh --install   apt-get install the missing ones (quick no-op when none are),
#                               then provide moto (with its server), boto3 and awscli: the
#                               machine's python3 when it has them, else a virtual environment
#                               ($GPUBOX_VENV, default .venv) with the pinned versions below
#   scripts/deps.sh --python    only that second step
# Add test tools (e.g. jupyter-notebook python3-nbconvert chromium) to GPUBOX_TEST_PACKAGES.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

GPUBOX_BUILD_PACKAGES=(
  cmake ninja-build g++ ccache
  libcurl4-openssl-dev libssl-dev libpugixml-dev nlohmann-json3-dev
  libcli11-dev libfmt-dev libsqlite3-dev libgtest-dev libtomlplusplus-dev
  dpkg-dev groff-base          # cpack -G DEB; groff checks the man pages (scripts/package.sh)
)
GPUBOX_TEST_PACKAGES=(
  openssh-server openssh-client
  rsync                        # gpubox run --workdir, push and pull (here and on the loopback box)
  python3-venv python3-pip     # the e2e stack's virtual environment when python3 lacks it
  jupyter-notebook python3-nbconvert python3-nbclient python3-ipykernel python3-numpy python3-torch
  chromium
  clang-19 libclang-rt-19-dev  # scripts/fuzz.sh: libFuzzer; clang 14 cannot compile libstdc++ 12's <expected>
  clang-format-19              # scripts/format.sh --check in CI
  clang-tidy-19                # scripts/lint.sh in CI
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

# The e2e stack pinned to what the suites were written against: moto's server mode, and the
# boto3 that matches awscli 1.45.11's botocore (1.43.11).
GPUBOX_PYTHON_PINS=("moto[server]==5.2.1" "boto3==1.43.11" "awscli==1.45.11")

provide_python_stack() {
  local py venv missing existed=0
  if py=$(bash "$root/scripts/find-python.sh" 2>/dev/null); then
    echo "deps: e2e python stack present: $py"
    return 0
  fi
  venv=${GPUBOX_VENV:-$root/.venv}
  [ -e "$venv" ] && existed=1
  echo "deps: no python3 with moto, boto3 and awscli; creating $venv with ${GPUBOX_PYTHON_PINS[*]}"
  if python3 -m venv "$venv" &&
    "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check "${GPUBOX_PYTHON_PINS[@]}" &&
    py=$(GPUBOX_PYTHON="$venv/bin/python3" bash "$root/scripts/find-python.sh"); then
    echo "deps: e2e python stack: $py"
    return 0
  fi
  # Leave no half-made environment behind.
  [ "$existed" -eq 0 ] && rm -rf "$venv"
  mapfile -t missing < <(bash "$root/scripts/find-python.sh" --missing)
  echo "deps: cannot provide the e2e python stack; missing python modules: ${missing[*]}" >&2
  echo "deps: install them (pip install ${GPUBOX_PYTHON_PINS[*]}) and set GPUBOX_PYTHON" >&2
  return 1
}

# Only act when run, not when sourced.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    --install) install_missing && provide_python_stack ;;
    --python) provide_python_stack ;;
    --missing) missing_packages ;;
    "") printf '%s\n' "${GPUBOX_APT_PACKAGES[@]}" ;;
    *) echo "usage: $0 [--install|--missing|--python]" >&2; exit 2 ;;
  esac
fi
