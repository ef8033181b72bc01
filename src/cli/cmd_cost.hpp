#pragma once
// gpubox cost: the options and the run step, callable from tests/cli.

#include <optional>
#include <string>
#include <vector>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct CostOptions {
  std::string name;
  std::string since;
  bool json = false;
  bool offline = false;
};

// Run `gpubox cost` with `opts` against `env`: one core call, then render.
Result<void> run_cost(const CostOptions& opts, Env& env);

}  // namespace gpubox::cli
