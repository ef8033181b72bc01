#pragma once
// `gpubox check`: run onbox/check.py on a box (uploaded over ssh) or on this machine (extracted
// to a temporary directory), with the GPU the box's instance type promises.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.hpp"
#include "core/error.hpp"
#include "core/process.hpp"
#include "core/progress.hpp"
#include "remote/ssh.hpp"

namespace gpubox::box {

struct CheckOptions {
  bool json = false;
  bool quick = false;
  std::string expect_gpu_model;  // empty: not checked
  int expect_gpu_count = 0;      // 0: not checked
  double expect_gpu_memory_gib = 0;
};

// Return `options` with the GPU model, count and memory that `spec` promises (a fractional GPU
// count, a slice of one GPU, is left unchecked).
CheckOptions with_expectations(CheckOptions options, const catalog::InstanceSpec& spec);

// Return check.py's arguments for `options`.
std::vector<std::string> check_args(const CheckOptions& options);

// check.py starts each stage (reading the GPUs, probing a framework, the matmul, the IMDB
// training) with a line on stderr that begins with this prefix.
inline constexpr std::string_view k_check_progress_prefix = "gpubox-progress: ";

// Upload the onbox files to `target` and run check.py there; the result carries its output and
// exit code (1 when a check failed). Each stage check.py starts is a phase of `progress` as it
// happens; those lines are not in the result's stderr_text.
Result<ProcessResult> run_remote_check(ProcessRunner& runner, const remote::SshTarget& target,
                                       const CheckOptions& options,
                                       ProgressSink& progress = null_progress());

// Extract the onbox files into a fresh directory under `tmp_root`, run check.py with
// /usr/bin/python3 (else python3 on PATH) and remove the directory again; stages as above.
Result<ProcessResult> run_local_check(ProcessRunner& runner, const std::filesystem::path& tmp_root,
                                      const CheckOptions& options,
                                      ProgressSink& progress = null_progress());

}  // namespace gpubox::box
