#pragma once
// gpubox ssh: the options and the run step, callable from tests/cli.

#include <optional>
#include <string>
#include <vector>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct SshOptions {
  std::string name;
  std::vector<std::string> command;
};

// Run `gpubox ssh` with `opts` against `env`: one core call, then render.
Result<void> run_ssh(const SshOptions& opts, Env& env);

}  // namespace gpubox::cli
