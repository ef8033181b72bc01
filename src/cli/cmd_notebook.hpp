#pragma once
// gpubox notebook: the options and the run step, callable from tests/cli.

#include <optional>
#include <string>
#include <vector>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct NotebookOptions {
  std::string name;
  int port = 0;
  bool open = false;
  bool background = false;
  bool stop = false;
};

// Run `gpubox notebook` with `opts` against `env`: one core call, then render.
Result<void> run_notebook(const NotebookOptions& opts, Env& env);

}  // namespace gpubox::cli
