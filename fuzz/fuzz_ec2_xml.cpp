// libFuzzer target: every EC2 and STS XML response parser, and the XML error parser, on one input.
// A parser may reject the input with an Error; it must never crash, throw or read out of bounds.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "aws/ec2.hpp"
#include "aws/ec2_catalog.hpp"
#include "aws/ec2_instances.hpp"
#include "aws/ec2_network.hpp"
#include "aws/errors.hpp"
#include "aws/sts.hpp"

namespace {

using namespace gpubox::aws;  // NOLINT: a fuzz entry point, not a header

void parse_everything(std::string_view xml) {
  (void)parse_describe_regions(xml);
  (void)parse_describe_availability_zones(xml);
  (void)parse_describe_instance_types(xml);
  (void)parse_describe_instance_type_offerings(xml);
  (void)parse_describe_images(xml);
  (void)parse_describe_spot_price_history(xml);
  (void)parse_run_instances(xml);
  (void)parse_describe_instances(xml);
  (void)parse_describe_instance_status(xml);
  (void)parse_start_instances(xml);
  (void)parse_stop_instances(xml);
  (void)parse_terminate_instances(xml);
  (void)parse_create_tags(xml);
  (void)parse_describe_volumes(xml);
  (void)parse_delete_volume(xml);
  (void)parse_get_console_output(xml);
  (void)parse_create_key_pair(xml);
  (void)parse_import_key_pair(xml);
  (void)parse_delete_key_pair(xml);
  (void)parse_describe_key_pairs(xml);
  (void)parse_create_security_group(xml);
  (void)parse_delete_security_group(xml);
  (void)parse_describe_security_groups(xml);
  (void)parse_authorize_security_group_ingress(xml);
  (void)parse_revoke_security_group_ingress(xml);
  (void)parse_return_flag(xml, "DeleteKeyPairResponse");
  (void)parse_get_caller_identity(xml);
  (void)parse_assume_role(xml);
  (void)parse_assume_role_with_web_identity(xml);
  AwsErrorFields fields;
  (void)parse_xml_error(xml, fields);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  parse_everything(input);
  for (int status : {400, 500, 503}) {
    (void)error_from_response(HttpResponse{status, {}, std::string(input)},
                              "DescribeInstances in us-east-1");
  }
  return 0;
}
