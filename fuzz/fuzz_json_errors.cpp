// libFuzzer target: the JSON 1.1 error parser, error_from_response, and the SSM, Service Quotas
// and Pricing reply parsers on any JSON document. They must never crash or let an exception out.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aws/errors.hpp"
#include "aws/pricing.hpp"
#include "aws/service_quotas.hpp"
#include "aws/ssm.hpp"

namespace {

using namespace gpubox::aws;  // NOLINT: a fuzz entry point, not a header

void parse_replies(const nlohmann::json& reply) {
  (void)parse_get_parameter(reply);
  (void)parse_get_parameters_by_path(reply);
  (void)parse_get_service_quota(reply);
  (void)parse_list_service_quotas(reply);
  (void)parse_request_service_quota_increase(reply);
  (void)parse_list_requested_service_quota_change_history(reply);
  (void)parse_get_products(reply);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  AwsErrorFields fields;
  (void)parse_json_error(body, fields);
  for (int status : {400, 429, 500}) {
    HttpResponse resp{status, {{"Content-Type", "application/x-amz-json-1.1"}}, body};
    (void)error_from_response(resp, "GetParametersByPath in us-east-1");
  }
  auto reply = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!reply.is_discarded()) {
    parse_replies(reply);
  }
  return 0;
}
