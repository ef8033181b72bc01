#pragma once
// gpubox status: the options and the run step, callable from tests/cli.

#include <optional>
#include <string>
#include <vector>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct StatusOptions {
  std::string name;
  bool json = false;
};

// Run `gpubox status` with `opts` against `env`: one core call, then render.
Result<void> run_status(const StatusOptions& opts, Env& env);

}  // namespace gpubox::cli
