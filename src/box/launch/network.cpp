#include "box/launch/network.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace gpubox::box {
namespace {

Result<NetworkPlan> default_network(aws::AwsClient& client, std::string_view region,
                                    const std::vector<std::string>& zones) {
  aws::DescribeVpcsInput vpcs;
  vpcs.filters = {{"is-default", {"true"}}};
  GPUBOX_TRY_ASSIGN(found, aws::describe_vpcs(client, region, vpcs));
  if (found.empty()) {
    return fail(ErrorKind::invalid_input,
                fmt::format("{} has no default VPC in this account (usual for accounts made by "
                            "AWS Organizations or Control Tower), so gpubox does not know where "
                            "to launch; nothing was created",
                            region),
                fmt::format("pass --subnet subnet-... (a subnet whose route table reaches an "
                            "internet gateway; `aws ec2 describe-subnets --region {}` lists "
                            "them), or create a default VPC with `aws ec2 create-default-vpc "
                            "--region {}`",
                            region, region));
  }
  NetworkPlan plan;
  aws::DescribeSubnetsInput defaults;
  defaults.filters = {{"vpc-id", {found.front().id}}, {"default-for-az", {"true"}}};
  GPUBOX_TRY_ASSIGN(subnets, aws::describe_subnets(client, region, defaults));
  for (const auto& zone : zones) {
    bool has = std::ranges::any_of(subnets, [&](const aws::Subnet& s) { return s.zone == zone; });
    (has ? plan.zones : plan.skipped_zones).push_back(zone);
  }
  if (plan.zones.empty() && !zones.empty()) {
    return fail(ErrorKind::invalid_input,
                fmt::format("the default VPC in {} has no default subnet in any zone that offers "
                            "this type ({}); nothing was created",
                            region, fmt::join(zones, ", ")),
                fmt::format("pass --subnet subnet-... in one of those zones, or create one with "
                            "`aws ec2 create-default-subnet --region {} --availability-zone {}`",
                            region, zones.front()));
  }
  return plan;
}

}  // namespace

Result<NetworkPlan> resolve_network(aws::AwsClient& client, std::string_view region,
                                    std::string_view subnet_id,
                                    const std::vector<std::string>& zones) {
  if (subnet_id.empty()) {
    return default_network(client, region, zones);
  }
  aws::DescribeSubnetsInput one;
  one.subnet_ids = {std::string(subnet_id)};
  auto given = aws::describe_subnets(client, region, one);
  if (!given || given->empty()) {
    if (given || given.error().kind == ErrorKind::not_found) {
      return fail(ErrorKind::invalid_input,
                  fmt::format("subnet {} does not exist in {}", subnet_id, region),
                  "pass the subnet's region with --region, or another --subnet");
    }
    return fail(given.error());
  }
  const aws::Subnet chosen = given->front();
  NetworkPlan plan;
  plan.vpc_id = chosen.vpc_id;
  plan.zones.push_back(chosen.zone);
  plan.subnets[chosen.zone] = chosen;
  // Zone failover stays inside the chosen VPC: one subnet per other offered zone.
  aws::DescribeSubnetsInput in_vpc;
  in_vpc.filters = {{"vpc-id", {chosen.vpc_id}}};
  GPUBOX_TRY_ASSIGN(siblings, aws::describe_subnets(client, region, in_vpc));
  for (const auto& zone : zones) {
    if (plan.subnets.contains(zone)) {
      continue;
    }
    auto it = std::ranges::find_if(siblings, [&](const aws::Subnet& s) {
      return s.zone == zone && s.map_public_ip_on_launch == chosen.map_public_ip_on_launch;
    });
    if (it != siblings.end()) {
      plan.zones.push_back(zone);
      plan.subnets[zone] = *it;
    }
  }
  return plan;
}

}  // namespace gpubox::box
