#include "aws/ssm.hpp"

#include "aws/json_fields.hpp"
#include "aws/paging.hpp"
#include "aws/service.hpp"

namespace gpubox::aws {

namespace {

Parameter to_parameter(const nlohmann::json& j) {
  Parameter p;
  p.name = json_string(j, "Name");
  p.type = json_string(j, "Type");
  p.value = json_string(j, "Value");
  p.version = static_cast<long long>(json_number(j, "Version"));
  p.last_modified = json_time(j, "LastModifiedDate");
  p.arn = json_string(j, "ARN");
  p.data_type = json_string(j, "DataType");
  return p;
}

}  // namespace

nlohmann::json build_get_parameter(const GetParameterInput& in) {
  nlohmann::json body = {{"Name", in.name}};
  if (in.with_decryption) {
    body["WithDecryption"] = *in.with_decryption;
  }
  return body;
}

Result<Parameter> parse_get_parameter(const nlohmann::json& reply) {
  if (!reply.is_object() || !reply.contains("Parameter") || !reply["Parameter"].is_object()) {
    return fail(ErrorKind::remote, "GetParameter reply has no Parameter object");
  }
  return to_parameter(reply["Parameter"]);
}

Result<Parameter> get_parameter(AwsClient& client, std::string_view region,
                                const GetParameterInput& in) {
  GPUBOX_TRY_ASSIGN(reply, client.json(k_ssm, region, "GetParameter", build_get_parameter(in)));
  return parse_get_parameter(reply);
}

nlohmann::json build_get_parameters_by_path(const GetParametersByPathInput& in) {
  nlohmann::json body = {{"Path", in.path}};
  if (in.recursive) {
    body["Recursive"] = *in.recursive;
  }
  if (in.with_decryption) {
    body["WithDecryption"] = *in.with_decryption;
  }
  if (in.max_results) {
    body["MaxResults"] = *in.max_results;
  }
  if (!in.next_token.empty()) {
    body["NextToken"] = in.next_token;
  }
  return body;
}

Result<ParametersPage> parse_get_parameters_by_path(const nlohmann::json& reply) {
  if (!reply.is_object()) {
    return fail(ErrorKind::remote, "GetParametersByPath reply is not a JSON object");
  }
  ParametersPage page;
  for (const nlohmann::json& p : json_array(reply, "Parameters")) {
    page.parameters.push_back(to_parameter(p));
  }
  page.next_token = json_string(reply, "NextToken");
  return page;
}

Result<ParametersPage> get_parameters_by_path(AwsClient& client, std::string_view region,
                                              const GetParametersByPathInput& in) {
  const PagedJson<GetParametersByPathInput, ParametersPage, Parameter> op{
      &k_ssm, "GetParametersByPath", build_get_parameters_by_path, parse_get_parameters_by_path,
      &ParametersPage::parameters};
  return json_all_pages(client, region, op, in);
}

}  // namespace gpubox::aws
