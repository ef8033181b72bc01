#pragma once
// gpubox regions: the options and the run step, callable from tests/cli.

#include <optional>
#include <string>
#include <vector>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct RegionsOptions {
  bool json = false;
};

// Run `gpubox regions` with `opts` against `env`: one core call, then render.
Result<void> run_regions(const RegionsOptions& opts, Env& env);

}  // namespace gpubox::cli
