#pragma once
// gpubox stop: the options and the run step, callable from tests/cli.

#include <optional>
#include <string>
#include <vector>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct StopOptions {
  std::string name;
  bool json = false;  // one JSON object on stdout
};

// Run `gpubox stop` with `opts` against `env`: one core call, then render.
Result<void> run_stop(const StopOptions& opts, Env& env);

}  // namespace gpubox::cli
