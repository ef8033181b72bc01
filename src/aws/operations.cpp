#include "aws/operations.hpp"

#include <array>
#include <map>

namespace gpubox::aws {
namespace {

using enum IamScope;

constexpr auto k_operations = std::to_array<Operation>({
    // EC2: what the catalog, placement, launch and discovery read.
    {&k_ec2, "DescribeRegions", "ec2:DescribeRegions", any, "Read"},
    {&k_ec2, "DescribeAvailabilityZones", "ec2:DescribeAvailabilityZones", any, "Read"},
    {&k_ec2, "DescribeInstanceTypes", "ec2:DescribeInstanceTypes", any, "Read"},
    {&k_ec2, "DescribeInstanceTypeOfferings", "ec2:DescribeInstanceTypeOfferings", any, "Read"},
    {&k_ec2, "DescribeSpotPriceHistory", "ec2:DescribeSpotPriceHistory", any, "Read"},
    {&k_ec2, "DescribeImages", "ec2:DescribeImages", any, "Read"},
    {&k_ec2, "DescribeInstances", "ec2:DescribeInstances", any, "Read"},
    {&k_ec2, "DescribeInstanceStatus", "ec2:DescribeInstanceStatus", any, "Read"},
    {&k_ec2, "DescribeKeyPairs", "ec2:DescribeKeyPairs", any, "Read"},
    {&k_ec2, "DescribeSecurityGroups", "ec2:DescribeSecurityGroups", any, "Read"},
    {&k_ec2, "DescribeVolumes", "ec2:DescribeVolumes", any, "Read"},
    {&k_ec2, "DescribeSpotInstanceRequests", "ec2:DescribeSpotInstanceRequests", any, "Read"},
    {&k_ec2, "DescribeVpcs", "ec2:DescribeVpcs", any, "Read"},
    {&k_ec2, "DescribeSubnets", "ec2:DescribeSubnets", any, "Read"},
    // EC2: what `up` creates (nothing exists yet to name) and `down`/`gc` delete.
    {&k_ec2, "RunInstances", "ec2:RunInstances", any, "Launch"},
    {&k_ec2, "CreateTags", "ec2:CreateTags", any, "Launch"},
    {&k_ec2, "CreateSecurityGroup", "ec2:CreateSecurityGroup", any, "Launch"},
    {&k_ec2, "AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupIngress", any, "Launch"},
    {&k_ec2, "RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", any, "Launch"},
    {&k_ec2, "CreateKeyPair", "ec2:CreateKeyPair", any, "Launch"},
    {&k_ec2, "ImportKeyPair", "ec2:ImportKeyPair", any, "Launch"},
    // `up --volume`: a named EBS volume that outlives the box, attached to it.
    {&k_ec2, "CreateVolume", "ec2:CreateVolume", any, "Launch"},
    {&k_ec2, "AttachVolume", "ec2:AttachVolume", any, "Launch"},
    {&k_ec2, "DeleteSecurityGroup", "ec2:DeleteSecurityGroup", any, "Remove"},
    {&k_ec2, "DeleteKeyPair", "ec2:DeleteKeyPair", any, "Remove"},
    {&k_ec2, "DeleteVolume", "ec2:DeleteVolume", any, "Remove"},
    // A spot box's request is cancelled before its instance is terminated (a persistent one
    // would launch a replacement).
    {&k_ec2, "CancelSpotInstanceRequests", "ec2:CancelSpotInstanceRequests", any, "Remove"},
    // EC2: the lifecycle of gpubox's own instances only.
    {&k_ec2, "StartInstances", "ec2:StartInstances", tagged_instance, "OwnInstances"},
    {&k_ec2, "StopInstances", "ec2:StopInstances", tagged_instance, "OwnInstances"},
    {&k_ec2, "TerminateInstances", "ec2:TerminateInstances", tagged_instance, "OwnInstances"},
    {&k_ec2, "GetConsoleOutput", "ec2:GetConsoleOutput", tagged_instance, "OwnInstances"},
    // STS: who am I (never denied), and the role-assuming calls of the credential chain, which
    // the role's trust policy governs rather than this one.
    {&k_sts, "GetCallerIdentity", "", none, ""},
    {&k_sts, "AssumeRole", "", none, ""},
    {&k_sts, "AssumeRoleWithWebIdentity", "", none, ""},
    // SSM: the Deep Learning AMI ids AWS publishes as public parameters.
    {&k_ssm, "GetParameter", "ssm:GetParameter", public_parameters, "Images"},
    {&k_ssm, "GetParametersByPath", "ssm:GetParametersByPath", public_parameters, "Images"},
    // Service Quotas: the GPU vCPU quotas, and asking for more.
    {&k_service_quotas, "GetServiceQuota", "servicequotas:GetServiceQuota", any, "Quotas"},
    {&k_service_quotas, "ListServiceQuotas", "servicequotas:ListServiceQuotas", any, "Quotas"},
    {&k_service_quotas, "GetAWSDefaultServiceQuota", "servicequotas:GetAWSDefaultServiceQuota", any,
     "Quotas"},
    {&k_service_quotas, "ListAWSDefaultServiceQuotas", "servicequotas:ListAWSDefaultServiceQuotas",
     any, "Quotas"},
    {&k_service_quotas, "RequestServiceQuotaIncrease", "servicequotas:RequestServiceQuotaIncrease",
     any, "Quotas"},
    {&k_service_quotas, "ListRequestedServiceQuotaChangeHistory",
     "servicequotas:ListRequestedServiceQuotaChangeHistory", any, "Quotas"},
    // Pricing: `catalog refresh`.
    {&k_pricing, "GetProducts", "pricing:GetProducts", any, "Prices"},
});

}  // namespace

std::span<const Operation> operations() { return k_operations; }

const Operation* find_operation(const Service& service, std::string_view name) {
  for (const Operation& op : k_operations) {
    if (op.service->id == service.id && op.name == name) {
      return &op;
    }
  }
  return nullptr;
}

nlohmann::json iam_policy() {
  // One statement per purpose and scope, actions in list order, each listed once.
  std::map<std::pair<std::string_view, IamScope>, nlohmann::json> statements;
  std::vector<std::pair<std::string_view, IamScope>> order;
  for (const Operation& op : k_operations) {
    if (op.scope == none) {
      continue;
    }
    auto key = std::make_pair(op.purpose, op.scope);
    if (!statements.contains(key)) {
      order.push_back(key);
      statements[key] = nlohmann::json::array();
    }
    statements[key].push_back(op.iam_action);
  }
  nlohmann::json doc = {{"Version", "2012-10-17"}, {"Statement", nlohmann::json::array()}};
  for (const auto& key : order) {
    nlohmann::json s = {{"Sid", "Gpubox" + std::string(key.first)},
                        {"Effect", "Allow"},
                        {"Action", statements[key]}};
    switch (key.second) {
      case tagged_instance:
        s["Resource"] = "arn:aws:ec2:*:*:instance/*";
        s["Condition"] = {{"StringLike", {{"aws:ResourceTag/gpubox:box", "*"}}}};
        break;
      case public_parameters:
        s["Resource"] = "arn:aws:ssm:*::parameter/aws/service/*";
        break;
      default:
        s["Resource"] = "*";
    }
    doc["Statement"].push_back(std::move(s));
  }
  return doc;
}

}  // namespace gpubox::aws
