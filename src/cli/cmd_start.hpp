#pragma once
// gpubox start: the options and the run step, callable from tests/cli.

#include <optional>
#include <string>
#include <vector>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct StartOptions {
  std::string name;
  bool json = false;  // one JSON object on stdout
};

// Run `gpubox start` with `opts` against `env`: one core call, then render.
Result<void> run_start(const StartOptions& opts, Env& env);

}  // namespace gpubox::cli
