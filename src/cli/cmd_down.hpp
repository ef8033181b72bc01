#pragma once
// gpubox down: the options and the run step, callable from tests/cli.

#include <string>
#include <vector>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct DownOptions {
  std::vector<std::string> names;  // the boxes, each found in the store or any region
  bool all = false;                // every EC2 box gpubox knows
  bool confirmed = false;          // --yes: do not ask
  bool json = false;               // one JSON array of what was removed
  bool report_on_stderr = false;   // `gpubox run --down`: stdout is the job's output
  bool delete_volumes = false;     // also delete the named volumes (`up --volume`) attached
};

// Run `gpubox down` with `opts` against `env`: find every box first ("no box named X" before
// anything is deleted), ask once with the full list unless confirmed, then box::down_box each
// (one that fails does not stop the others) and render.
Result<void> run_down(const DownOptions& opts, Env& env);

}  // namespace gpubox::cli
