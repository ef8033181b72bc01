#pragma once
// gpubox push / pull: files to and from a box with rsync over the managed ssh. The options and
// run steps, callable from tests/cli.

#include <string>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct TransferOptions {
  std::string name;
  std::string from;  // push: local; pull: on the box
  std::string to;    // push: on the box (default: the home); pull: local (default: .)
  bool json = false;
};

// Run `gpubox push NAME LOCAL [REMOTE]`.
Result<void> run_push(const TransferOptions& opts, Env& env);

// Run `gpubox pull NAME REMOTE [LOCAL]`.
Result<void> run_pull(const TransferOptions& opts, Env& env);

}  // namespace gpubox::cli
