#pragma once
// The user's defaults: $XDG_CONFIG_HOME/gpubox/config.toml (else ~/.config/gpubox/config.toml,
// or $GPUBOX_CONFIG). Precedence, as in gh and the AWS CLI: a flag, then the environment
// (AWS_REGION, GPUBOX_<KEY>), then this file, then the built-in default.

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

// One key of the file: the option of `gpubox up` it sets, its variable and what it means.
struct ConfigKey {
  std::string_view name;    // "max_hours"
  std::string_view option;  // "--max-hours"
  std::string_view env;     // "GPUBOX_MAX_HOURS" ("AWS_REGION" for region)
  std::string_view help;
  std::string_view fallback;  // the built-in default, in words
};

// Keys and values as written in the file (every value as its text).
using ConfigValues = std::map<std::string, std::string>;

// Return every key the file may hold, in the order `config list` prints them.
const std::vector<ConfigKey>& config_keys();

// Return the key called `name`; an Error naming the known keys when there is none.
Result<const ConfigKey*> find_config_key(std::string_view name);

// Return where the file lives for `getenv`.
std::filesystem::path config_path(const EnvLookup& getenv);

// Read the file at `path`: empty values when it does not exist; an Error with the line for
// malformed TOML, an unknown key or an invalid value. `lenient` (for `config set|unset`, which
// must be able to repair the file) skips unknown keys and keeps invalid values as written.
Result<ConfigValues> load_config(const std::filesystem::path& path, bool lenient = false);

// Write `values` to `path` (mode 0600, atomically), creating its directory.
Result<void> save_config(const std::filesystem::path& path, const ConfigValues& values);

// Return `value` checked and in canonical form for `key` ("30M" -> "30m"), or why it is invalid.
Result<std::string> validate_config_value(const ConfigKey& key, std::string_view value);

// Make the config file's values (and GPUBOX_<KEY> variables, which beat it) the defaults of the
// matching options of `gpubox up` in `app`, so a flag still wins and --help shows them. The
// region is not applied here: aws::load_settings places it after AWS_REGION. An invalid
// variable is an Error naming it.
Result<void> apply_config_defaults(CLI::App& app, const ConfigValues& values,
                                   const EnvLookup& getenv);

}  // namespace gpubox::cli
