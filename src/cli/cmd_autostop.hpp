#pragma once
// gpubox autostop: the options and the run step, callable from tests/cli.

#include <string>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct AutostopOptions {
  std::string name;
  std::string idle;       // a duration (30m, 2h) or off; empty: unchanged
  std::string max_hours;  // hours (8, 1.5), a duration (90m) or off; empty: unchanged
  bool json = false;
};

// Run `gpubox autostop` with `opts` against `env`: without --idle/--max-hours print the box's
// settings; otherwise change them live on the box (box::change_autostop) and print the result.
Result<void> run_autostop(const AutostopOptions& opts, Env& env);

}  // namespace gpubox::cli
