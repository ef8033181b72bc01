#pragma once
// Resolved AWS settings: profile, region and endpoint overrides, following the AWS SDKs'
// precedence (command-line flag > environment > profile in ~/.aws/config).

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/env.hpp"
#include "core/error.hpp"

namespace gpubox::aws {

struct Settings {
  std::string profile = "default";
  std::string region;         // empty when none is configured
  std::string region_source;  // "--region", "AWS_REGION", "AWS_DEFAULT_REGION", "profile dev"
  // Endpoint overrides, by Service::config_key ("ec2"), and the global one.
  std::map<std::string, std::string> service_endpoints;
  std::string global_endpoint;
  std::string retry_mode = "standard";  // standard | legacy | adaptive (gpubox implements standard)
  int max_attempts = 3;
  bool debug = false;
  // Where the settings came from (added by load_settings; consumed by credentials and endpoints).
  std::string profile_source;     // "--profile", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "default"
  bool profile_explicit = false;  // --profile was given: environment credentials are skipped
  std::filesystem::path config_file;       // AWS_CONFIG_FILE or ~/.aws/config
  std::filesystem::path credentials_file;  // AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials
  std::string
      endpoint_url_flag;  // --endpoint-url: beats every other override, even the ignore flag
  bool ignore_configured_endpoint_urls = false;
};

using ::gpubox::env_from_map;
using ::gpubox::EnvLookup;
using ::gpubox::process_environment;

struct SettingsInput {
  EnvLookup env;
  std::string profile_flag;       // --profile; empty when not given
  std::string region_flag;        // --region; empty when not given
  std::string endpoint_url_flag;  // --endpoint-url; empty when not given
  std::filesystem::path home;     // the user's home directory, for ~/.aws/...
};

// Resolve profile, region, endpoint overrides and retry settings from flags, the environment
// and the shared config/credentials files. Malformed files, a named profile that does not exist
// and invalid values are Errors; a missing region is not (resolve_endpoint reports it).
Result<Settings> load_settings(const SettingsInput& input);

}  // namespace gpubox::aws
