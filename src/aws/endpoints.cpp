#include "aws/endpoints.hpp"

#include <algorithm>
#include <array>
#include <regex>

namespace gpubox::aws {
namespace {

struct Partition {
  std::string_view id;
  std::regex region_regex;
  std::string_view dns_suffix;
};

// From botocore's data/partitions.json (aws-reference.md 3.1); only the partitions gpubox serves.
const std::array<Partition, 3>& partitions() {
  static const std::array<Partition, 3> k_partitions = {
      Partition{"aws", std::regex(R"(^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$)"), "amazonaws.com"},
      Partition{"aws-cn", std::regex(R"(^cn\-\w+\-\d+$)"), "amazonaws.com.cn"},
      Partition{"aws-us-gov", std::regex(R"(^us\-gov\-\w+\-\d+$)"), "amazonaws.com"},
  };
  return k_partitions;
}

// The only regions with a Pricing endpoint (botocore data/endpoints.json api.pricing).
constexpr std::array<std::string_view, 4> k_pricing_regions = {"us-east-1", "eu-central-1",
                                                               "ap-south-1", "cn-northwest-1"};

std::string strip_trailing_slash(std::string url) {
  while (url.size() > 1 && url.back() == '/') {
    url.pop_back();
  }
  return url;
}

// Return the override for `service`, following the precedence load_settings prepared.
std::string configured_override(const Service& service, const Settings& settings) {
  if (!settings.endpoint_url_flag.empty()) {
    return settings.endpoint_url_flag;
  }
  auto it = settings.service_endpoints.find(std::string(service.config_key));
  if (it != settings.service_endpoints.end()) {
    return it->second;
  }
  return settings.global_endpoint;
}

std::unexpected<Error> no_region(const Settings& settings) {
  return fail(ErrorKind::invalid_input, "no AWS region is set",
              "pass --region REGION, set AWS_REGION, run `gpubox config set region REGION`, or "
              "add region to profile " +
                  settings.profile + " in " + settings.config_file.string());
}

}  // namespace

std::string_view dns_suffix_for(std::string_view region) {
  std::string r(region);
  for (const Partition& p : partitions()) {
    if (std::regex_match(r, p.region_regex)) {
      return p.dns_suffix;
    }
  }
  return {};
}

std::string_view pricing_region_for(std::string_view region) {
  if (region.starts_with("cn-")) {
    return "cn-northwest-1";
  }
  if (region.starts_with("eu-") || region.starts_with("me-") || region.starts_with("af-") ||
      region.starts_with("il-")) {
    return "eu-central-1";
  }
  if (region.starts_with("ap-")) {
    return "ap-south-1";
  }
  return "us-east-1";
}

Result<std::string> resolve_endpoint(const Service& service, std::string_view region,
                                     const Settings& settings) {
  if (region.empty()) {
    return no_region(settings);
  }
  std::string configured = configured_override(service, settings);
  if (!configured.empty()) {
    return strip_trailing_slash(std::move(configured));
  }
  std::string_view suffix = dns_suffix_for(region);
  if (suffix.empty()) {
    return fail(ErrorKind::invalid_input, "unknown AWS region '" + std::string(region) +
                                              "' (expected a name like us-east-1)");
  }
  if (service.id == k_pricing.id &&
      std::ranges::find(k_pricing_regions, region) == k_pricing_regions.end()) {
    return fail(ErrorKind::invalid_input,
                "the AWS Pricing API exists only in us-east-1, eu-central-1 and ap-south-1 "
                "(and cn-northwest-1 in China), not in " +
                    std::string(region));
  }
  // STS: always the regional endpoint (botocore's sts_regional_endpoints = regional default),
  // so the standard template applies to every service here.
  return "https://" + std::string(service.endpoint_prefix) + "." + std::string(region) + "." +
         std::string(suffix);
}

}  // namespace gpubox::aws
