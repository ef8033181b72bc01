// Every request builder, with every optional field filled, checked against botocore's service
// models by tests/support/check_model.py. moto ignores parameters it does not know, so a
// misspelt wire name would pass every moto test and fail only on real AWS.

#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aws/ec2_catalog.hpp"
#include "aws/ec2_instances.hpp"
#include "aws/ec2_network.hpp"
#include "aws/ec2_spot.hpp"
#include "aws/ec2_volumes.hpp"
#include "aws/ec2_vpc.hpp"
#include "aws/pricing.hpp"
#include "aws/service_quotas.hpp"
#include "aws/ssm.hpp"
#include "aws/sts.hpp"
#include "aws/xml.hpp"
#include "core/iso8601.hpp"
#include "fakes/temp_dir.hpp"

namespace gpubox::aws {
namespace {

nlohmann::json query_request(std::string service, std::string operation, const QueryParams& p) {
  nlohmann::json params = nlohmann::json::array();
  for (const auto& [name, value] : p) {
    params.push_back({name, value});
  }
  return {{"service", service}, {"operation", operation}, {"params", params}};
}

nlohmann::json json_request(std::string service, std::string operation, nlohmann::json body) {
  return {{"service", service}, {"operation", operation}, {"body", std::move(body)}};
}

const std::vector<Filter> k_filters = {{"instance-type", {"g5.xlarge", "g6.xlarge"}},
                                       {"tag:gpubox", {"managed"}}};
const Tags k_tags = {{"Name", "gpubox-1"}, {"gpubox", "managed"}};

RunInstancesInput full_run_input() {
  RunInstancesInput in;
  in.image_id = "ami-0123456789abcdef0";
  in.instance_type = "g5.xlarge";
  in.min_count = 1;
  in.max_count = 1;
  in.key_name = "gpubox";
  in.security_group_ids = {"sg-1", "sg-2"};
  in.subnet_id = "subnet-1";
  in.client_token = "gpubox-token";
  in.dry_run = true;
  in.shutdown_behavior = "terminate";
  in.availability_zone = "us-east-1b";
  in.block_devices = {{"/dev/sda1", 200, "gp3", 3000, 125, true, true}};
  in.instance_tags = k_tags;
  in.volume_tags = k_tags;
  in.http_tokens = "required";
  in.http_endpoint = "enabled";
  in.http_hop_limit = 2;
  in.spot = true;
  in.spot_max_price = "1.50";
  in.spot_instance_type = "one-time";
  in.spot_interruption_behavior = "terminate";
  in.spot_request_tags = k_tags;
  in.user_data = "#!/bin/bash\necho hi\n";
  return in;
}

std::vector<nlohmann::json> ec2_catalog_requests() {
  DescribeSpotPriceHistoryInput spot{{"g5.xlarge"},
                                     {"Linux/UNIX"},
                                     k_filters,
                                     "us-east-1a",
                                     parse_iso8601("2026-01-01T00:00:00Z"),
                                     parse_iso8601("2026-01-02T00:00:00Z"),
                                     10,
                                     "tok"};
  return {
      query_request("ec2", "DescribeRegions",
                    build_describe_regions({{"us-east-1"}, k_filters, true})),
      query_request("ec2", "DescribeAvailabilityZones",
                    build_describe_availability_zones({{"us-east-1a"}, k_filters, true})),
      query_request(
          "ec2", "DescribeInstanceTypes",
          build_describe_instance_types({{"g5.xlarge", "p5.48xlarge"}, k_filters, 10, "tok"})),
      query_request(
          "ec2", "DescribeInstanceTypeOfferings",
          build_describe_instance_type_offerings({"availability-zone", k_filters, 10, "tok"})),
      query_request(
          "ec2", "DescribeImages",
          build_describe_images({{"amazon"}, {"ami-1"}, {"self"}, k_filters, true, 10, "tok"})),
      query_request("ec2", "DescribeSpotPriceHistory", build_describe_spot_price_history(spot)),
  };
}

std::vector<nlohmann::json> ec2_network_requests() {
  const IngressInput ingress{
      "sg-1",
      {{"tcp", 22, 22, {{"203.0.113.7/32", "ssh"}}, {"sg-2"}, {"::/0"}, {"pl-1"}},
       {"udp", 60000, 61000, {{"0.0.0.0/0", "mosh"}}, {}, {}, {}}}};
  return {
      query_request("ec2", "CreateKeyPair", build_create_key_pair({"k", "ed25519", "pem", k_tags})),
      query_request("ec2", "ImportKeyPair",
                    build_import_key_pair({"k", "ssh-ed25519 AAAAC3Nza gpubox", k_tags})),
      query_request("ec2", "DeleteKeyPair", build_delete_key_pair({"k", "key-1"})),
      query_request("ec2", "DescribeKeyPairs",
                    build_describe_key_pairs({{"k"}, {"key-1"}, k_filters, true})),
      query_request("ec2", "CreateSecurityGroup",
                    build_create_security_group({"gpubox-ssh", "gpubox ssh", "vpc-1", k_tags})),
      query_request("ec2", "DeleteSecurityGroup",
                    build_delete_security_group({"sg-1", "gpubox-ssh"})),
      query_request(
          "ec2", "DescribeSecurityGroups",
          build_describe_security_groups({{"sg-1"}, {"gpubox-ssh"}, k_filters, 10, "tok"})),
      query_request("ec2", "AuthorizeSecurityGroupIngress",
                    build_authorize_security_group_ingress(ingress)),
      query_request("ec2", "RevokeSecurityGroupIngress",
                    build_revoke_security_group_ingress(ingress)),
  };
}

std::vector<nlohmann::json> ec2_instance_requests() {
  const InstanceIdsInput ids{{"i-1", "i-2"}, true, true};
  return {
      query_request("ec2", "RunInstances", build_run_instances(full_run_input())),
      query_request("ec2", "DescribeInstances",
                    build_describe_instances({{"i-1"}, k_filters, 10, "tok"})),
      query_request("ec2", "DescribeInstanceStatus",
                    build_describe_instance_status({{"i-1"}, k_filters, true, 10, "tok"})),
      query_request("ec2", "StartInstances", build_start_instances(ids)),
      query_request("ec2", "StopInstances", build_stop_instances(ids)),
      query_request("ec2", "TerminateInstances", build_terminate_instances(ids)),
      query_request("ec2", "CreateTags", build_create_tags({{"i-1", "vol-1"}, k_tags})),
      query_request("ec2", "DescribeVolumes",
                    build_describe_volumes({{"vol-1"}, k_filters, 10, "tok"})),
      query_request("ec2", "DeleteVolume", build_delete_volume("vol-1")),
      query_request("ec2", "CreateVolume",
                    build_create_volume({"us-east-1b", 200, "gp3", true, "tok", k_tags})),
      query_request("ec2", "AttachVolume", build_attach_volume({"vol-1", "i-1", "/dev/sdf"})),
      query_request("ec2", "GetConsoleOutput", build_get_console_output({"i-1", true})),
      query_request("ec2", "DescribeSpotInstanceRequests",
                    build_describe_spot_requests({{"sir-1"}, k_filters, "tok"})),
      query_request("ec2", "CancelSpotInstanceRequests",
                    build_cancel_spot_requests({"sir-1", "sir-2"})),
      query_request("ec2", "DescribeVpcs", build_describe_vpcs({{"vpc-1"}, k_filters, "tok"})),
      query_request("ec2", "DescribeSubnets",
                    build_describe_subnets({{"subnet-1"}, k_filters, "tok"})),
  };
}

std::vector<nlohmann::json> other_requests() {
  AssumeRoleInput role{"arn:aws:iam::123456789012:role/gpubox", "gpubox", 3600, "ext",
                       "arn:aws:iam::123456789012:mfa/me",      "123456"};
  GetProductsInput products{
      "AmazonEC2", {{"TERM_MATCH", "instanceType", "g5.xlarge"}}, "aws_v1", 10, "tok"};
  return {
      query_request("sts", "GetCallerIdentity", build_get_caller_identity()),
      query_request("sts", "AssumeRole", build_assume_role(role)),
      query_request("sts", "AssumeRoleWithWebIdentity",
                    build_assume_role_with_web_identity(
                        {"arn:aws:iam::123456789012:role/ci", "ci", "eyJ.token.sig", 900})),
      json_request("ssm", "GetParameter", build_get_parameter({"/a/b", true})),
      json_request("ssm", "GetParametersByPath",
                   build_get_parameters_by_path({"/a/", true, true, 10, "tok"})),
      json_request("service-quotas", "GetServiceQuota",
                   build_get_service_quota({"ec2", "L-DB2E81BA"})),
      json_request("service-quotas", "ListServiceQuotas",
                   build_list_service_quotas({"ec2", "L-DB2E81BA", 10, "tok"})),
      json_request("service-quotas", "RequestServiceQuotaIncrease",
                   build_request_service_quota_increase({"ec2", "L-DB2E81BA", 32, true})),
      json_request(
          "service-quotas", "ListRequestedServiceQuotaChangeHistory",
          build_list_requested_service_quota_change_history({"ec2", "PENDING", 10, "tok"})),
      json_request("pricing", "GetProducts", build_get_products(products)),
  };
}

std::vector<nlohmann::json> all_requests() {
  std::vector<nlohmann::json> out;
  for (auto part : {ec2_catalog_requests(), ec2_network_requests(), ec2_instance_requests(),
                    other_requests()}) {
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

// Count the `build_*(` declarations in the service headers, so a new builder that is left out of
// this test makes it fail.
size_t declared_builders() {
  size_t count = 0;
  const std::regex decl(R"(^(QueryParams|nlohmann::json) build_[a-z_]+\()");
  for (const char* header : {"ec2_catalog", "ec2_network", "ec2_instances", "ec2_volumes",
                             "ec2_spot", "ec2_vpc", "sts", "ssm", "service_quotas", "pricing"}) {
    std::ifstream in(std::string(GPUBOX_SOURCE_DIR) + "/src/aws/" + header + ".hpp");
    for (std::string line; std::getline(in, line);) {
      count += std::regex_search(line, decl) ? 1 : 0;
    }
  }
  return count;
}

struct CheckerRun {
  int exit_code = -1;
  std::string output;
};

CheckerRun run_checker(const std::filesystem::path& file, const std::string& extra = "") {
  const std::string cmd = "python3 '" + std::string(GPUBOX_SOURCE_DIR) +
                          "/tests/support/check_model.py' '" + file.string() + "' " + extra +
                          " 2>&1";
  CheckerRun run;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) {
    return run;
  }
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) {
    run.output.append(buf, n);
  }
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::filesystem::path write_requests(const std::filesystem::path& dir, const std::string& name,
                                     const std::vector<nlohmann::json>& requests) {
  const auto path = dir / name;
  std::ofstream(path) << nlohmann::json{{"requests", requests}}.dump(1);
  return path;
}

TEST(ModelConformance, EveryBuilderProducesARequestBotocoreAccepts) {
  testing::ScopedTempDir dir;
  const auto requests = all_requests();
  std::set<std::string> operations;
  for (const auto& r : requests) {
    operations.insert(r["service"].get<std::string>() + "." + r["operation"].get<std::string>());
  }
  ASSERT_EQ(requests.size(), declared_builders());
  ASSERT_EQ(operations.size(), requests.size());
  const CheckerRun run = run_checker(write_requests(dir.path(), "requests.json", requests));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  const std::string summary = "checked " + std::to_string(requests.size()) + " operations (" +
                              std::to_string(requests.size()) + " distinct), 0 with problems";
  EXPECT_NE(run.output.find(summary), std::string::npos) << run.output;
}

TEST(ModelConformance, CheckerRejectsAMisspeltWireName) {
  testing::ScopedTempDir dir;
  QueryParams params = build_run_instances(full_run_input());
  for (auto& [name, value] : params) {
    if (name == "BlockDeviceMapping.1.Ebs.VolumeSize") {
      name = "BlockDeviceMapping.1.Ebs.VolumeSzie";
    }
  }
  const CheckerRun run = run_checker(
      write_requests(dir.path(), "bad.json", {query_request("ec2", "RunInstances", params)}));
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("no member 'VolumeSzie' in EbsBlockDevice"), std::string::npos)
      << run.output;
}

TEST(ModelConformance, CheckerRejectsEachKindOfMistake) {
  testing::ScopedTempDir dir;
  QueryParams no_max = {{"ImageId", "ami-1"}, {"MinCount", "1"}};
  const std::vector<nlohmann::json> bad = {
      query_request("ec2", "RunInstances", {{"MinCount", "one"}, {"MaxCount", "1"}}),
      query_request(
          "ec2", "RunInstances",
          {{"MinCount", "1"}, {"MaxCount", "1"}, {"MetadataOptions.HttpTokens", "mandatory"}}),
      query_request("ec2", "RunInstances", no_max),
      query_request("ec2", "StopInstances", {{"InstanceId.2", "i-1"}}),
      query_request("ec2", "DescribeInstances", {{"DryRun", "yes"}}),
      query_request("ec2", "DescribeImages", {{"Filter.1.Values.1", "x"}}),
      query_request("sts", "AssumeRole",
                    {{"RoleArnn", "arn:aws:iam::1:role/x"}, {"RoleSessionName", "gpubox"}}),
      json_request("service-quotas", "RequestServiceQuotaIncrease",
                   {{"ServiceCode", "ec2"}, {"QuotaCode", "L-1"}, {"DesiredValue", "32"}}),
      json_request("ssm", "GetParametersByPath", {{"Path", "/a"}, {"MaxResults", 11}}),
      json_request("pricing", "GetProducts", {{"ServiceCode", "AmazonEC2"}, {"Filter", {}}}),
      json_request("ssm", "GetParameterz", {{"Name", "/a"}}),
  };
  const CheckerRun run =
      run_checker(write_requests(dir.path(), "bad.json", bad), "--expect-each-to-fail");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find(std::to_string(bad.size()) + " with problems"), std::string::npos)
      << run.output;
}

}  // namespace
}  // namespace gpubox::aws
