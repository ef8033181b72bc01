#pragma once
// Every AWS operation gpubox sends, in one list: AwsClient refuses any other, `gpubox iam-policy`
// is built from it, and a test checks that every call site in src/aws/ names an entry. Adding a
// call means adding it here, with the IAM action it needs.

#include <span>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aws/service.hpp"

namespace gpubox::aws {

// Which resources an operation's IAM statement may be narrowed to.
enum class IamScope {
  none,               // needs no IAM permission (sts:GetCallerIdentity, the role-assuming calls)
  any,                // "*": Describe* calls and creation, which have no resource to name yet
  tagged_instance,    // instances carrying the gpubox:box tag
  public_parameters,  // AWS's public SSM parameters (/aws/service/...)
};

struct Operation {
  const Service* service;
  std::string_view name;        // wire name: "RunInstances"
  std::string_view iam_action;  // "ec2:RunInstances"; empty for IamScope::none
  IamScope scope;
  std::string_view purpose;  // what gpubox uses it for, in the policy's statement ids
};

// Return every operation gpubox may send.
std::span<const Operation> operations();

// Return the entry for `name` of `service`, or nullptr when gpubox does not send it.
const Operation* find_operation(const Service& service, std::string_view name);

// Return the least-privilege IAM policy document for every operation: no service-wide
// wildcards, instance lifecycle calls limited to gpubox-tagged instances.
nlohmann::json iam_policy();

}  // namespace gpubox::aws
