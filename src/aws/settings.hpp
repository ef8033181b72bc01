#pragma once
// Resolved AWS settings: profile, region and endpoint overrides, following the AWS SDKs'
// precedence (command-line flag > environment > profile in ~/.aws/config).

#include <map>
#include <optional>
#include <string>

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
};

}  // namespace gpubox::aws
