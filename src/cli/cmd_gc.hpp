#pragma once
// gpubox gc: the options and the run step, callable from tests/cli.

#include <optional>
#include <string>
#include <vector>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct GcOptions {
  bool yes = false;
  bool json = false;
};

// Run `gpubox gc` with `opts` against `env`: one core call, then render.
Result<void> run_gc(const GcOptions& opts, Env& env);

}  // namespace gpubox::cli
