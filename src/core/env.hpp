#pragma once
// Environment variables are read through an EnvLookup, never getenv() below the CLI boundary, so
// tests pass a map and never see the real environment.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace gpubox {

// Look up one environment variable.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

// Return an EnvLookup over `vars` (for tests and for explicit overrides).
EnvLookup env_from_map(std::map<std::string, std::string> vars);

// Return an EnvLookup over the real process environment (the CLI boundary only).
EnvLookup process_environment();

// Return variable `name` trimmed, or nullopt when it is unset or blank (the AWS SDKs treat an
// empty variable as unset). A null `env` has no variables.
std::optional<std::string> env_value(const EnvLookup& env, std::string_view name);

}  // namespace gpubox
