#pragma once
// gpubox add: the options and the run step, callable from tests/cli.

#include <optional>
#include <string>
#include <vector>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct AddOptions {
  std::string name;
  std::vector<std::string> urls;  // one machine, or a cluster's nodes in rank order
  std::string key;
  std::string idle = "off";       // a duration (30m, 2h) or off
  std::string max_hours = "off";  // hours (8, 1.5), a duration (90m) or off
  int jupyter_port = 0;           // ignored: Jupyter listens on a Unix socket
  bool json = false;
};

// Run `gpubox add` with `opts` against `env`: one core call, then render.
Result<void> run_add(const AddOptions& opts, Env& env);

}  // namespace gpubox::cli
