#pragma once
// gpubox down: the options and the run step, callable from tests/cli.

#include "box/fleet/lifecycle.hpp"
#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

// Run `gpubox down` with `opts` (box::DownOptions, which the flags bind into) against `env`: ask
// unless confirmed, one core call, then render.
Result<void> run_down(box::DownOptions opts, Env& env);

}  // namespace gpubox::cli
