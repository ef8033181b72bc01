#pragma once
// gpubox whoami: the options and the run step, callable from tests/cli.

#include <optional>
#include <string>
#include <vector>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct WhoamiOptions {
  bool json = false;
};

// Run `gpubox whoami` with `opts` against `env`: one core call, then render.
Result<void> run_whoami(const WhoamiOptions& opts, Env& env);

}  // namespace gpubox::cli
