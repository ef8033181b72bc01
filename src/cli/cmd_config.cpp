// gpubox config: read and edit the defaults file ($XDG_CONFIG_HOME/gpubox/config.toml).

#include "cli/cmd_config.hpp"

#include <memory>
#include <ostream>

#include <fmt/format.h>

#include "cli/app.hpp"
#include "cli/user_config.hpp"
#include "core/env.hpp"

namespace gpubox::cli {
namespace {

// Return the value in effect for `key` without a flag, and where it comes from.
std::pair<std::string, std::string> effective(const ConfigKey& key, const ConfigValues& values,
                                              const EnvLookup& getenv) {
  if (auto v = env_value(getenv, key.env)) {
    return {*v, std::string(key.env)};
  }
  if (key.name == "region") {
    if (auto d = env_value(getenv, "AWS_DEFAULT_REGION")) {
      return {*d, "AWS_DEFAULT_REGION"};
    }
  }
  if (auto it = values.find(std::string(key.name)); it != values.end()) {
    return {it->second, "config"};
  }
  return {std::string(key.fallback), "default"};
}

}  // namespace

Result<void> run_config_list(const ConfigOptions& opts, Env& env) {
  const auto path = config_path(env.getenv);
  GPUBOX_TRY_ASSIGN(values, load_config(path));
  if (opts.json) {
    nlohmann::json doc = {{"path", path.string()}, {"keys", nlohmann::json::array()}};
    for (const auto& k : config_keys()) {
      auto [value, source] = effective(k, values, env.getenv);
      doc["keys"].push_back({{"key", k.name}, {"value", value}, {"source", source}});
    }
    print_json(env.streams, doc);
    return {};
  }
  Table t({"KEY", "VALUE", "FROM"});
  for (const auto& k : config_keys()) {
    auto [value, source] = effective(k, values, env.getenv);
    t.add_row({std::string(k.name), value, source});
  }
  env.streams.out << t.render(env.streams.out_is_tty);
  env.progress().say("config file: " + path.string());
  return {};
}

Result<void> run_config_get(const ConfigOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(key, find_config_key(opts.key));
  GPUBOX_TRY_ASSIGN(values, load_config(config_path(env.getenv)));
  auto it = values.find(opts.key);
  if (it == values.end()) {
    // Like `git config KEY`: nothing on stdout and exit 1, so scripts can test for it.
    return fail(ErrorKind::not_found, opts.key + " is not set in the config file",
                fmt::format("without it gpubox uses {} ({})", key->fallback, key->help));
  }
  env.streams.out << it->second << '\n';
  return {};
}

Result<void> run_config_set(const ConfigOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(key, find_config_key(opts.key));
  GPUBOX_TRY_ASSIGN(value, validate_config_value(*key, opts.value));
  const auto path = config_path(env.getenv);
  GPUBOX_TRY_ASSIGN(values, load_config(path, /*lenient=*/true));  // may repair a broken file
  values[opts.key] = value;
  GPUBOX_TRY(save_config(path, values));
  env.progress().say(fmt::format("{} = {} (in {})", opts.key, value, path.string()));
  return {};
}

Result<void> run_config_unset(const ConfigOptions& opts, Env& env) {
  GPUBOX_TRY(find_config_key(opts.key));
  const auto path = config_path(env.getenv);
  GPUBOX_TRY_ASSIGN(values, load_config(path, /*lenient=*/true));  // may repair a broken file
  if (values.erase(opts.key) == 0) {
    env.progress().say(opts.key + " was not set");
    return {};
  }
  GPUBOX_TRY(save_config(path, values));
  env.progress().say(opts.key + " unset (in " + path.string() + ")");
  return {};
}

namespace {

std::string keys_help() {
  std::string out = "Keys:\n";
  for (const auto& k : config_keys()) {
    out += fmt::format("  {:<11}{} (default: {}; env {})\n", k.name, k.help, k.fallback, k.env);
  }
  return out;
}

}  // namespace

void add_config_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<ConfigOptions>();
  auto* cmd = app.add_subcommand("config", "Show or change gpubox's defaults (config.toml)");
  set_details(cmd,
              "Defaults live in $XDG_CONFIG_HOME/gpubox/config.toml (~/.config/gpubox/config.toml; "
              "GPUBOX_CONFIG names another file). A flag beats the environment, which beats the "
              "file, which beats the built-in default.\n\n" +
                  keys_help());
  cmd->footer(
      "Examples:\n  gpubox config set region eu-west-1\n  gpubox config set idle 1h\n"
      "  gpubox config get region\n  gpubox config unset gpu\n  gpubox config list");
  cmd->require_subcommand(1);
  auto* list = cmd->add_subcommand("list", "Print every key, its value and where it comes from");
  list->add_flag("--json", opts->json, "Print one JSON object to stdout");
  list->callback([opts, &env] { run_guarded(env, [&] { return run_config_list(*opts, env); }); });
  auto* get = cmd->add_subcommand("get", "Print a key's value in the file (exit 1 when unset)");
  get->add_option("key", opts->key, "The key")->required();
  get->callback([opts, &env] { run_guarded(env, [&] { return run_config_get(*opts, env); }); });
  auto* set = cmd->add_subcommand("set", "Set a key in the file (the value is checked first)");
  set->add_option("key", opts->key, "The key")->required();
  set->add_option("value", opts->value, "The value")->required();
  set->callback([opts, &env] { run_guarded(env, [&] { return run_config_set(*opts, env); }); });
  auto* unset = cmd->add_subcommand("unset", "Remove a key from the file");
  unset->add_option("key", opts->key, "The key")->required();
  unset->callback([opts, &env] { run_guarded(env, [&] { return run_config_unset(*opts, env); }); });
}

}  // namespace gpubox::cli
