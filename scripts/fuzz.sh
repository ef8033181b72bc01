#!/usr/bin/env bash
# Build the libFuzzer targets (fuzz/) with clang + ASan + UBSan in their own build directory
# and run each one briefly, seeded from tests/fixtures/aws and fuzz/corpus.
#   scripts/fuzz.sh                 build, then run every fuzzer for GPUBOX_FUZZ_SECONDS (20)
#   scripts/fuzz.sh fuzz_ini        only the named fuzzers
# Environment: GPUBOX_FUZZ_BUILD_DIR (default build-fuzz/), GPUBOX_FUZZ_SECONDS (20),
# GPUBOX_FUZZ_CXX / GPUBOX_FUZZ_CC (clang++-19 / clang-19), GPUBOX_JOBS (2).
# Crashes are written to <build>/artifacts/ and make the script fail.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${GPUBOX_FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${GPUBOX_FUZZ_SECONDS:-20}
jobs=${GPUBOX_JOBS:-2}
cxx=${GPUBOX_FUZZ_CXX:-clang++-19}
cc=${GPUBOX_FUZZ_CC:-clang-19}
all=(fuzz_ec2_xml fuzz_json_errors fuzz_ini)
targets=("${@:-${all[@]}}")

command -v "$cxx" >/dev/null || { echo "fuzz.sh: $cxx not found (scripts/deps.sh --install)" >&2; exit 1; }
CC=$cc CXX=$cxx cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DGPUBOX_FUZZ=ON -DGPUBOX_BUILD_TESTS=OFF >/dev/null
if ! cmake --build "$build" -j"$jobs" --target "${targets[@]}" > "$build/fuzz-build.log" 2>&1; then
  tail -n 80 "$build/fuzz-build.log"
  echo "fuzz.sh: build failed (log: $build/fuzz-build.log)" >&2
  exit 1
fi

fixtures=$root/tests/fixtures/aws
seeds() {
  case "$1" in
    fuzz_ec2_xml) echo "$fixtures/ec2 $fixtures/sts $root/fuzz/corpus/xml" ;;
    fuzz_json_errors) echo "$fixtures/ssm $fixtures/service_quotas $fixtures/pricing $root/fuzz/corpus/json" ;;
    fuzz_ini) echo "$root/fuzz/corpus/ini" ;;
  esac
}

mkdir -p "$build/artifacts"
failed=()
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t   # new inputs land here, never in the source tree
  mkdir -p "$corpus"
  echo "fuzz.sh: $t for ${seconds}s"
  # shellcheck disable=SC2046
  if ! "$build/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" "$corpus" $(seeds "$t") \
      > "$build/$t.log" 2>&1; then
    failed+=("$t")
    tail -n 60 "$build/$t.log"
  fi
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb)|^#[0-9]+ +DONE" "$build/$t.log" || true
done

if [ "${#failed[@]}" -ne 0 ]; then
  echo "fuzz.sh: FAILED: ${failed[*]} (inputs in $build/artifacts/)" >&2
  exit 1
fi
echo "fuzz.sh: ${targets[*]} ran ${seconds}s each without a crash"
