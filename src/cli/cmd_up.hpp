#pragma once
// gpubox up: the options and the run step, callable from tests/cli.

#include <optional>
#include <string>
#include <vector>

#include "box/launch/up.hpp"
#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct UpOptions {
  box::UpRequest req;
  std::string idle = "30m";
  std::string host_key_wait = "10m";
  bool trust_first_use = false;
  bool dry_run = false;
  bool any_region = false;     // --gpu may search beyond the configured region
  bool no_ssh_config = false;  // never touch ~/.ssh/config
  bool gpu_from_flag = false;  // --gpu given, not a default from the environment or config
  bool yes = false;            // answer yes to every question (the plan, the ssh Include)
  bool json = false;
  // `gpubox run --gpu`: a one-line summary on stderr (stdout is the job's) and ~/.ssh/config
  // left alone.
  bool for_a_job = false;
};

// Run `gpubox up` with `opts` against `env`: one core call, then render.
Result<void> run_up(UpOptions& opts, Env& env);

}  // namespace gpubox::cli
