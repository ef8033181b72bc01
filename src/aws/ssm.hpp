#pragma once
// SSM Parameter Store (JSON 1.1): public parameters such as the Deep Learning AMI ids.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/client.hpp"
#include "core/clock.hpp"

namespace gpubox::aws {

struct GetParameterInput {
  std::string name;
  std::optional<bool> with_decryption;
};

struct Parameter {
  std::string name;
  std::string type;  // "String", "StringList", "SecureString"
  std::string value;
  long long version = 0;
  std::optional<TimePoint> last_modified;
  std::string arn;
  std::string data_type;  // "text", "aws:ec2:image"
};

struct GetParametersByPathInput {
  std::string path;  // "/aws/service/deeplearning/ami/x86_64/"
  std::optional<bool> recursive;
  std::optional<bool> with_decryption;
  std::optional<long long> max_results;  // at most 10
  std::string next_token;
};

struct ParametersPage {
  std::vector<Parameter> parameters;
  std::string next_token;
};

// Return the JSON body of GetParameter for `in`.
nlohmann::json build_get_parameter(const GetParameterInput& in);
// Parse a GetParameter reply.
Result<Parameter> parse_get_parameter(const nlohmann::json& reply);
// Read one parameter.
Result<Parameter> get_parameter(AwsClient& client, std::string_view region,
                                const GetParameterInput& in);

// Return the JSON body of GetParametersByPath for `in`.
nlohmann::json build_get_parameters_by_path(const GetParametersByPathInput& in);
// Parse one GetParametersByPath page.
Result<ParametersPage> parse_get_parameters_by_path(const nlohmann::json& reply);
// Read every parameter under `in.path`, following every page.
Result<ParametersPage> get_parameters_by_path(AwsClient& client, std::string_view region,
                                              const GetParametersByPathInput& in);

}  // namespace gpubox::aws
