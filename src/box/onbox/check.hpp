#pragma once
// `gpubox check`: run onbox/check.py on a box (uploaded over ssh) or on this machine (extracted
// to a temporary directory), with the GPU the box's instance type promises.

#include <filesystem>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "core/error.hpp"
#include "core/process.hpp"
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

// Upload the onbox files to `target` and run check.py there; the result carries its output and
// exit code (1 when a check failed).
Result<ProcessResult> run_remote_check(ProcessRunner& runner, const remote::SshTarget& target,
                                       const CheckOptions& options);

// Extract the onbox files into a fresh directory under `tmp_root`, run check.py with
// /usr/bin/python3 (else python3 on PATH) and remove the directory again.
Result<ProcessResult> run_local_check(ProcessRunner& runner, const std::filesystem::path& tmp_root,
                                      const CheckOptions& options);

}  // namespace gpubox::box
