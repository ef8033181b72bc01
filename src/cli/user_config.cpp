#include "cli/user_config.hpp"

#include <regex>
#include <sstream>

#include <fmt/format.h>

// toml++ header-only in this one translation unit: no shared library to install with gpubox.
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include "box/access/caller_ip.hpp"
#include "box/launch/image.hpp"
#include "core/duration.hpp"
#include "core/paths.hpp"
#include "core/strings.hpp"

namespace gpubox::cli {
namespace {

std::string key_list() {
  std::string out;
  for (const auto& k : config_keys()) {
    out += (out.empty() ? "" : ", ") + std::string(k.name);
  }
  return out;
}

bool matches(std::string_view value, const char* pattern) {
  return std::regex_match(std::string(value), std::regex(pattern));
}

}  // namespace

const std::vector<ConfigKey>& config_keys() {
  static const std::vector<ConfigKey> keys = {
      {"region", "--region", "AWS_REGION", "AWS region for new boxes", "the AWS profile's region"},
      {"gpu", "--gpu", "GPUBOX_GPU", "GPU for `up` when neither --gpu nor --type is given", "none"},
      {"idle", "--idle", "GPUBOX_IDLE", "stop a box after this long idle: 30m, 2h or off", "30m"},
      {"max_hours", "--max-hours", "GPUBOX_MAX_HOURS", "stop a box after this many hours, or off",
       "off"},
      {"subnet", "--subnet", "GPUBOX_SUBNET", "subnet to launch into (subnet-...)",
       "the default VPC's"},
      {"key", "--key", "GPUBOX_KEY", "OpenSSH public key to import (a .pub file)",
       "~/.ssh/id_ed25519.pub or id_rsa.pub, else a new key pair"},
      {"framework", "--framework", "GPUBOX_FRAMEWORK", "pytorch, tensorflow or base", "pytorch"},
      {"allow_from", "--allow-from", "GPUBOX_ALLOW_FROM", "CIDR admitted to ssh",
       "your address/32"},
  };
  return keys;
}

Result<const ConfigKey*> find_config_key(std::string_view name) {
  for (const auto& k : config_keys()) {
    if (k.name == name) {
      return &k;
    }
  }
  return fail(ErrorKind::invalid_input, "unknown config key '" + std::string(name) + "'",
              "known keys: " + key_list());
}

std::filesystem::path config_path(const EnvLookup& getenv) {
  if (auto p = env_value(getenv, "GPUBOX_CONFIG")) {
    return *p;
  }
  if (auto x = env_value(getenv, "XDG_CONFIG_HOME")) {
    return std::filesystem::path(*x) / "gpubox" / "config.toml";
  }
  return std::filesystem::path(env_value(getenv, "HOME").value_or("/")) / ".config" / "gpubox" /
         "config.toml";
}

Result<std::string> validate_config_value(const ConfigKey& key, std::string_view raw) {
  std::string value(trim(raw));
  const std::string what = "invalid " + std::string(key.name) + " '" + value + "'";
  if (key.name == "region") {
    if (!matches(value, "[a-z]{2}(-[a-z]+)+-[0-9]+")) {
      return fail(ErrorKind::invalid_input, what,
                  "use a region code like us-east-1 (`gpubox regions` lists them)");
    }
  } else if (key.name == "gpu") {
    if (!matches(value, "[A-Za-z0-9][A-Za-z0-9-]*(:[0-9]+)?")) {
      return fail(ErrorKind::invalid_input, what,
                  "use a GPU name with an optional count, like T4 or A10G:4");
    }
  } else if (key.name == "idle") {
    GPUBOX_TRY_ASSIGN(d, parse_duration_or_off(value, key.option));
    return d ? format_duration(*d) : std::string("off");
  } else if (key.name == "max_hours") {
    if (to_lower(value) == "off") {
      return std::string("off");
    }
    if (!matches(value, "[0-9]+(\\.[0-9]+)?") || std::stod(value) <= 0) {
      return fail(ErrorKind::invalid_input, what, "use a number of hours like 8, or off");
    }
  } else if (key.name == "subnet") {
    if (!matches(value, "subnet-[0-9a-f]+")) {
      return fail(ErrorKind::invalid_input, what, "use a subnet id like subnet-0123456789abcdef0");
    }
  } else if (key.name == "key") {
    if (value.empty()) {
      return fail(ErrorKind::invalid_input, what, "use the path of an OpenSSH public key (.pub)");
    }
  } else if (key.name == "framework") {
    GPUBOX_TRY(box::parse_framework(value));
    return to_lower(value);
  } else if (key.name == "allow_from") {
    return box::validate_cidr(value);
  }
  return value;
}

Result<ConfigValues> load_config(const std::filesystem::path& path, bool lenient) {
  auto text = read_file(path);
  if (!text) {
    if (text.error().kind == ErrorKind::not_found) {
      return ConfigValues{};
    }
    return fail(text.error());
  }
  toml::parse_result parsed = toml::parse(*text, path.string());
  if (!parsed) {
    const auto& err = parsed.error();
    return fail(ErrorKind::invalid_input,
                path.string() + ":" + std::to_string(err.source().begin.line) + ": " +
                    std::string(err.description()),
                "fix the file's syntax, or remove it");
  }
  ConfigValues values;
  for (const auto& [k, node] : parsed.table()) {
    const std::string name(k.str());
    const std::string where = path.string() + ":" + std::to_string(k.source().begin.line);
    auto key = find_config_key(name);
    if (!key) {
      if (lenient) {
        continue;  // dropped when the file is saved again
      }
      return fail(ErrorKind::invalid_input, fmt::format("{}: unknown key '{}'", where, name),
                  fmt::format("{}; `gpubox config unset {}` removes it", key.error().hint, name));
    }
    std::string text_value;
    if (auto s = node.value<std::string>(); s && node.is_string()) {
      text_value = *s;
    } else if (auto n = node.value<double>();
               n && (node.is_integer() || node.is_floating_point())) {
      text_value = fmt::format("{:g}", *n);
    } else {
      return fail(ErrorKind::invalid_input,
                  fmt::format("{}: {} must be a string or a number", where, name));
    }
    auto ok = validate_config_value(**key, text_value);
    if (!ok && lenient) {
      values[name] = text_value;  // kept as written, so that `config unset` can repair the file
      continue;
    }
    if (!ok) {
      Error e = ok.error();
      e.message = where + ": " + e.message;
      e.hint +=
          fmt::format("{}`gpubox config unset {}` resets it", e.hint.empty() ? "" : "; or ", name);
      return fail(std::move(e));
    }
    values[name] = *ok;
  }
  return values;
}

Result<void> save_config(const std::filesystem::path& path, const ConfigValues& values) {
  std::ostringstream out;
  out << "# gpubox defaults; `gpubox config set KEY VALUE` edits this file.\n"
         "# A flag beats the environment, which beats this file.\n";
  // Keys in the documented order, each a TOML string (toml++ quotes and escapes them).
  for (const auto& k : config_keys()) {
    if (auto it = values.find(std::string(k.name)); it != values.end()) {
      toml::table one;
      one.insert(k.name, it->second);
      out << one << '\n';
    }
  }
  GPUBOX_TRY(ensure_private_dir(path.parent_path()));
  return write_file_atomic(path, out.str(), 0600);
}

Result<void> apply_config_defaults(CLI::App& app, const ConfigValues& values,
                                   const EnvLookup& getenv) {
  auto subs = app.get_subcommands([](const CLI::App* s) { return s->get_name() == "up"; });
  if (subs.empty()) {
    return {};
  }
  CLI::App* up = subs.front();
  for (const auto& k : config_keys()) {
    if (k.name == "region") {
      continue;
    }
    std::optional<std::string> value = env_value(getenv, k.env);
    if (value) {
      auto ok = validate_config_value(k, *value);
      if (!ok) {
        Error e = ok.error();
        e.message = std::string(k.env) + ": " + e.message;
        return fail(std::move(e));
      }
      value = *ok;
    } else {
      if (auto it = values.find(std::string(k.name)); it != values.end()) {
        value = it->second;
      }
    }
    CLI::Option* opt = up->get_option_no_throw(std::string(k.option));
    if (!value || opt == nullptr) {
      continue;
    }
    opt->default_val(*value);
  }
  return {};
}

}  // namespace gpubox::cli
