#include "core/env.hpp"

#include <cstdlib>

#include "core/strings.hpp"

namespace gpubox {

EnvLookup env_from_map(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

EnvLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    return v == nullptr ? std::nullopt : std::optional<std::string>(v);
  };
}

std::optional<std::string> env_value(const EnvLookup& env, std::string_view name) {
  auto v = env ? env(name) : std::nullopt;
  if (!v || trim(*v).empty()) {
    return std::nullopt;
  }
  return std::string(trim(*v));
}

}  // namespace gpubox
