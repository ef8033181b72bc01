#pragma once
// EC2 VPCs and subnets: enough to know where an instance can go. Accounts made through AWS
// Organizations or Control Tower often have no default VPC, or a default VPC without a subnet in
// some zones; RunInstances without a subnet then fails.

#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"
#include "aws/ec2.hpp"

namespace gpubox::aws {

struct Vpc {
  std::string id;
  bool is_default = false;
};

struct Subnet {
  std::string id;
  std::string vpc_id;
  std::string zone;
  bool default_for_az = false;
  bool map_public_ip_on_launch = false;
  std::string state;
};

struct DescribeVpcsInput {
  std::vector<std::string> vpc_ids;
  std::vector<Filter> filters;
  std::string next_token;
};

struct VpcsPage {
  std::vector<Vpc> vpcs;
  std::string next_token;
};

struct DescribeSubnetsInput {
  std::vector<std::string> subnet_ids;
  std::vector<Filter> filters;
  std::string next_token;
};

struct SubnetsPage {
  std::vector<Subnet> subnets;
  std::string next_token;
};

// Return the wire parameters of DescribeVpcs for `in`.
QueryParams build_describe_vpcs(const DescribeVpcsInput& in);
// Parse one DescribeVpcs page.
Result<VpcsPage> parse_describe_vpcs(std::string_view xml);
// Describe VPCs, following every page.
Result<std::vector<Vpc>> describe_vpcs(AwsClient& client, std::string_view region,
                                       const DescribeVpcsInput& in);

// Return the wire parameters of DescribeSubnets for `in`.
QueryParams build_describe_subnets(const DescribeSubnetsInput& in);
// Parse one DescribeSubnets page.
Result<SubnetsPage> parse_describe_subnets(std::string_view xml);
// Describe subnets, following every page.
Result<std::vector<Subnet>> describe_subnets(AwsClient& client, std::string_view region,
                                             const DescribeSubnetsInput& in);

}  // namespace gpubox::aws
