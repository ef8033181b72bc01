#pragma once
// Static facts about each AWS service gpubox talks to (from botocore's service-2.json metadata).

#include <string_view>

namespace gpubox::aws {

enum class Protocol { ec2_query, query, json_1_1, rest_json };

struct Service {
  std::string_view id;               // botocore service id, lowercased: "ec2", "service-quotas"
  std::string_view endpoint_prefix;  // host label: "ec2", "servicequotas", "api.pricing"
  std::string_view signing_name;     // credential scope service: "ec2", "pricing"
  std::string_view env_suffix;       // AWS_ENDPOINT_URL_<env_suffix>: "EC2", "SERVICE_QUOTAS"
  std::string_view config_key;       // key in a profile's services section: "ec2", "service_quotas"
  std::string_view api_version;      // "2016-11-15"
  Protocol protocol;
  std::string_view json_target_prefix;  // "AmazonSSM"; empty for query protocols
};

inline constexpr Service k_ec2{"ec2", "ec2", "ec2", "EC2", "ec2", "2016-11-15", Protocol::ec2_query,
                               ""};
inline constexpr Service k_sts{"sts", "sts",        "sts",           "STS",
                               "sts", "2011-06-15", Protocol::query, ""};
inline constexpr Service k_ssm{
    "ssm", "ssm", "ssm", "SSM", "ssm", "2014-11-06", Protocol::json_1_1, "AmazonSSM"};
inline constexpr Service k_service_quotas{
    "service-quotas", "servicequotas", "servicequotas",    "SERVICE_QUOTAS",
    "service_quotas", "2019-06-24",    Protocol::json_1_1, "ServiceQuotasV20190624"};
inline constexpr Service k_pricing{
    "pricing", "api.pricing", "pricing",          "PRICING",
    "pricing", "2017-10-15",  Protocol::json_1_1, "AWSPriceListService"};
// The IAM Identity Center portal (GetRoleCredentials); called with a bearer token, never signed.
inline constexpr Service k_sso{"sso", "portal.sso", "awsssoportal",      "SSO",
                               "sso", "2019-06-10", Protocol::rest_json, ""};

}  // namespace gpubox::aws
