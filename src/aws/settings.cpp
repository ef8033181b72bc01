#include "aws/settings.hpp"

#include <array>
#include <charconv>
#include <cstdlib>

#include "aws/profile.hpp"
#include "aws/service.hpp"
#include "core/strings.hpp"

namespace gpubox::aws {
namespace {

// The region of gpubox's config.toml, handed in through the settings' environment lookup by
// cli::Env (never read from the process environment: Env answers it from the file).
constexpr std::string_view k_config_region_variable = "GPUBOX_CONFIG_FILE_REGION";

// AWS_ENDPOINT_URL_<SERVICE> can only be looked up by name, so these are the services checked.
constexpr std::array<const Service*, 6> k_known_services = {
    &k_ec2, &k_sts, &k_ssm, &k_service_quotas, &k_pricing, &k_sso};

// Return the value of `name`, treating an empty variable as unset (as the AWS SDKs do).
std::optional<std::string> env_value(const SettingsInput& input, std::string_view name) {
  return ::gpubox::env_value(input.env, name);
}

std::filesystem::path expand_home(const std::string& path, const std::filesystem::path& home) {
  if (path == "~") {
    return home;
  }
  if (path.starts_with("~/")) {
    return home / path.substr(2);
  }
  return path;
}

std::string where(const ProfileValue& v, std::string_view key) {
  return key.empty() ? v.file : std::string(key) + " in " + v.file + ":" + std::to_string(v.line);
}

Result<bool> parse_bool(std::string_view text, const std::string& source) {
  if (iequals(text, "true")) {
    return true;
  }
  if (iequals(text, "false")) {
    return false;
  }
  return fail(ErrorKind::invalid_input, source + " must be true or false");
}

Result<void> check_url(std::string_view url, const std::string& source) {
  if (!starts_with_ci(url, "http://") && !starts_with_ci(url, "https://")) {
    return fail(ErrorKind::invalid_input, "endpoint URL '" + std::string(url) + "' from " + source +
                                              " must start with http:// or https://");
  }
  return {};
}

void choose_profile(const SettingsInput& input, Settings& s) {
  if (!input.profile_flag.empty()) {
    s.profile = input.profile_flag;
    s.profile_source = "--profile";
    s.profile_explicit = true;
  } else if (auto p = env_value(input, "AWS_PROFILE")) {
    s.profile = *p;
    s.profile_source = "AWS_PROFILE";
  } else if (auto d = env_value(input, "AWS_DEFAULT_PROFILE")) {
    s.profile = *d;
    s.profile_source = "AWS_DEFAULT_PROFILE";
  } else {
    s.profile = "default";
    s.profile_source = "default";
  }
}

void choose_region(const SettingsInput& input, const Profile& profile, Settings& s) {
  if (!input.region_flag.empty()) {
    s.region = input.region_flag;
    s.region_source = "--region";
  } else if (auto r = env_value(input, "AWS_REGION")) {
    s.region = *r;
    s.region_source = "AWS_REGION";
  } else if (auto d = env_value(input, "AWS_DEFAULT_REGION")) {
    s.region = *d;
    s.region_source = "AWS_DEFAULT_REGION";
  } else if (auto c = env_value(input, std::string(k_config_region_variable))) {
    // gpubox's config.toml (cli/user_config.cpp): after the environment, before the profile.
    s.region = *c;
    s.region_source = "gpubox config";
  } else if (const ProfileValue* v = profile.find("region")) {
    s.region = v->value;
    s.region_source = "profile " + profile.name;
  }
}

Result<void> choose_retry(const SettingsInput& input, const Profile& profile, Settings& s) {
  std::string mode_source = "AWS_RETRY_MODE";
  std::optional<std::string> mode = env_value(input, "AWS_RETRY_MODE");
  if (const ProfileValue* v = profile.find("retry_mode"); !mode && v != nullptr) {
    mode = v->value;
    mode_source = where(*v, "retry_mode");
  }
  if (mode) {
    if (*mode != "standard" && *mode != "legacy" && *mode != "adaptive") {
      return fail(ErrorKind::invalid_input,
                  mode_source + " must be standard, legacy or adaptive, not '" + *mode + "'");
    }
    s.retry_mode = *mode;
  }
  std::string attempts_source = "AWS_MAX_ATTEMPTS";
  std::optional<std::string> attempts = env_value(input, "AWS_MAX_ATTEMPTS");
  if (const ProfileValue* v = profile.find("max_attempts"); !attempts && v != nullptr) {
    attempts = v->value;
    attempts_source = where(*v, "max_attempts");
  }
  if (attempts) {
    int n = 0;
    auto [end, ec] = std::from_chars(attempts->data(), attempts->data() + attempts->size(), n);
    if (ec != std::errc() || end != attempts->data() + attempts->size() || n < 1) {
      return fail(
          ErrorKind::invalid_input,
          attempts_source + " must be a whole number of at least 1, not '" + *attempts + "'");
    }
    s.max_attempts = n;
  }
  return {};
}

// Levels 4 and 5 of the endpoint precedence: the profile's services section and endpoint_url.
Result<void> profile_endpoints(const ProfileFiles& files, const Profile& profile, Settings& s,
                               bool global_from_env) {
  if (const ProfileValue* ref = profile.find("services"); ref != nullptr && !global_from_env) {
    const IniSection* section =
        files.config ? files.config->find("services " + ref->value) : nullptr;
    if (section == nullptr) {
      return fail(ErrorKind::invalid_input, "profile " + profile.name + " refers to [services " +
                                                ref->value + "] (" + where(*ref, "services") +
                                                "), which " + files.config_path.string() +
                                                " does not have");
    }
    for (const auto& [key, entry] : section->entries) {
      auto url = entry.nested.find("endpoint_url");
      if (url != entry.nested.end() && !s.service_endpoints.contains(key)) {
        std::string source = "[services " + ref->value + "] " + key + " in " +
                             files.config_path.string() + ":" + std::to_string(entry.line);
        GPUBOX_TRY(check_url(url->second, source));
        s.service_endpoints[key] = url->second;
      }
    }
  }
  if (const ProfileValue* url = profile.find("endpoint_url"); url != nullptr && !global_from_env) {
    GPUBOX_TRY(check_url(url->value, where(*url, "endpoint_url")));
    s.global_endpoint = url->value;
  }
  return {};
}

// Fill service_endpoints/global_endpoint so that resolve_endpoint can simply try the service's
// entry, then the global one: a level only lands there when no higher level is set.
Result<void> choose_endpoints(const SettingsInput& input, const ProfileFiles& files,
                              const Profile& profile, Settings& s) {
  s.endpoint_url_flag = input.endpoint_url_flag;
  if (!s.endpoint_url_flag.empty()) {
    GPUBOX_TRY(check_url(s.endpoint_url_flag, "--endpoint-url"));
  }
  if (auto v = env_value(input, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
    GPUBOX_TRY_ASSIGN(ignore, parse_bool(*v, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"));
    s.ignore_configured_endpoint_urls = ignore;
  } else if (const ProfileValue* p = profile.find("ignore_configured_endpoint_urls")) {
    GPUBOX_TRY_ASSIGN(ignore, parse_bool(p->value, where(*p, "ignore_configured_endpoint_urls")));
    s.ignore_configured_endpoint_urls = ignore;
  }
  if (s.ignore_configured_endpoint_urls) {
    return {};
  }
  for (const Service* service : k_known_services) {
    std::string name = "AWS_ENDPOINT_URL_" + std::string(service->env_suffix);
    if (auto url = env_value(input, name)) {
      GPUBOX_TRY(check_url(*url, name));
      s.service_endpoints[std::string(service->config_key)] = *url;
    }
  }
  if (auto url = env_value(input, "AWS_ENDPOINT_URL")) {
    GPUBOX_TRY(check_url(*url, "AWS_ENDPOINT_URL"));
    s.global_endpoint = *url;
  }
  return profile_endpoints(files, profile, s, !s.global_endpoint.empty());
}

}  // namespace

Result<Settings> load_settings(const SettingsInput& input) {
  Settings s;
  auto config = env_value(input, "AWS_CONFIG_FILE");
  auto credentials = env_value(input, "AWS_SHARED_CREDENTIALS_FILE");
  s.config_file = config ? expand_home(*config, input.home) : input.home / ".aws" / "config";
  s.credentials_file =
      credentials ? expand_home(*credentials, input.home) : input.home / ".aws" / "credentials";
  GPUBOX_TRY_ASSIGN(files, load_profile_files(s.config_file, s.credentials_file));
  choose_profile(input, s);
  Profile profile = find_profile(files, s.profile);
  if (!profile.exists() && s.profile_source != "default") {
    return fail(profile_not_found(files, s.profile, s.profile_source));
  }
  choose_region(input, profile, s);
  GPUBOX_TRY(choose_retry(input, profile, s));
  GPUBOX_TRY(choose_endpoints(input, files, profile, s));
  return s;
}

}  // namespace gpubox::aws
