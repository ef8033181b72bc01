#pragma once
// gpubox ls: the options and the run step, callable from tests/cli.

#include <optional>
#include <string>
#include <vector>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct LsOptions {
  bool all_regions = false;
  bool json = false;
  bool status = false;  // also read each running box's watchdog view over ssh
  bool all_owners = false;
  bool nodes = false;  // a cluster's nodes one per line, not one "NAME (N nodes)" line  // also
                       // list other owners' boxes (read-only)
};

// Run `gpubox ls` with `opts` against `env`: one core call, then render.
Result<void> run_ls(const LsOptions& opts, Env& env);

}  // namespace gpubox::cli
