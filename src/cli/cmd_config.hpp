#pragma once
// gpubox config: the options and the run step, callable from tests/cli.

#include <string>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct ConfigOptions {
  std::string key;
  std::string value;
  bool json = false;
};

// `gpubox config list`: every key, the value in effect without a flag, and where it comes from.
Result<void> run_config_list(const ConfigOptions& opts, Env& env);
// `gpubox config get KEY`: the file's value on stdout; not_found (exit 1) when unset.
Result<void> run_config_get(const ConfigOptions& opts, Env& env);
// `gpubox config set KEY VALUE`: check the value, then write the file.
Result<void> run_config_set(const ConfigOptions& opts, Env& env);
// `gpubox config unset KEY`: remove the key from the file.
Result<void> run_config_unset(const ConfigOptions& opts, Env& env);

}  // namespace gpubox::cli
