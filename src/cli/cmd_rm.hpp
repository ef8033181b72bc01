#pragma once
// gpubox rm: the options and the run step, callable from tests/cli.

#include <optional>
#include <string>
#include <vector>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct RmOptions {
  std::string name;
  bool keep_services = false;
  bool json = false;
};

// Run `gpubox rm` with `opts` against `env`: one core call, then render.
Result<void> run_rm(const RmOptions& opts, Env& env);

}  // namespace gpubox::cli
