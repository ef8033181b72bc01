#pragma once
// gpubox jobs / logs / cancel: the jobs on a box (started by `gpubox run`), their output, and
// stopping one. The options and run steps, callable from tests/cli.

#include <string>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct JobsOptions {
  std::string name;
  bool json = false;
};

struct LogsOptions {
  std::string name;
  std::string id;  // empty: the newest job
  bool follow = false;
};

struct CancelOptions {
  std::string name;
  std::string id;
  bool json = false;
};

// Run `gpubox jobs`: one table (or JSON list) of the box's jobs, newest first.
Result<void> run_jobs(const JobsOptions& opts, Env& env);

// Run `gpubox logs`: the job's output on stdout; with --follow until it ends, exiting with the
// job's exit code.
Result<void> run_logs(const LogsOptions& opts, Env& env);

// Run `gpubox cancel`: SIGTERM, then SIGKILL after a grace period.
Result<void> run_cancel(const CancelOptions& opts, Env& env);

}  // namespace gpubox::cli
