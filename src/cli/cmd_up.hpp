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
  bool yes = false;
  bool json = false;
};

// Run `gpubox up` with `opts` against `env`: one core call, then render.
Result<void> run_up(UpOptions& opts, Env& env);

}  // namespace gpubox::cli
