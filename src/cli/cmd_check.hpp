#pragma once
// gpubox check: the options and the run step, callable from tests/cli.

#include <optional>
#include <string>
#include <vector>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct CheckCliOptions {
  std::string name;
  bool local = false;
  bool json = false;
  bool quick = false;
};

// Run `gpubox check` with `opts` against `env`: one core call, then render.
Result<void> run_check(const CheckCliOptions& opts, Env& env);

}  // namespace gpubox::cli
