#pragma once
// STS (query protocol): who am I, and role assumption for profiles with role_arn.

#include <optional>
#include <string>
#include <string_view>

#include "aws/client.hpp"
#include "aws/credentials.hpp"

namespace gpubox::aws {

struct CallerIdentity {
  std::string account;
  std::string arn;
  std::string user_id;
};

struct AssumeRoleInput {
  std::string role_arn;
  std::string session_name;
  std::optional<long long> duration_seconds;
  std::string external_id;
  std::string serial_number;  // MFA device
  std::string token_code;     // MFA code
};

struct AssumeRoleOutput {
  Credentials credentials;  // with expiration; source "assume-role <role arn>"
  std::string assumed_role_arn;
  std::string assumed_role_id;
};

// Return the wire parameters of GetCallerIdentity (it has none).
QueryParams build_get_caller_identity();
// Parse a GetCallerIdentity reply.
Result<CallerIdentity> parse_get_caller_identity(std::string_view xml);
// Return the account and principal behind the client's credentials.
Result<CallerIdentity> get_caller_identity(AwsClient& client, std::string_view region);

struct AssumeRoleWithWebIdentityInput {
  std::string role_arn;
  std::string session_name;
  std::string web_identity_token;  // an OIDC token (EKS, GitHub Actions); never print or log
  std::optional<long long> duration_seconds;
};

// Return the wire parameters of AssumeRole for `in`.
QueryParams build_assume_role(const AssumeRoleInput& in);
// Parse an AssumeRole reply into temporary credentials.
Result<AssumeRoleOutput> parse_assume_role(std::string_view xml);
// Assume `in.role_arn` and return its temporary credentials.
Result<AssumeRoleOutput> assume_role(AwsClient& client, std::string_view region,
                                     const AssumeRoleInput& in);

// Return the wire parameters of AssumeRoleWithWebIdentity for `in`.
QueryParams build_assume_role_with_web_identity(const AssumeRoleWithWebIdentityInput& in);
// Parse an AssumeRoleWithWebIdentity reply into temporary credentials.
Result<AssumeRoleOutput> parse_assume_role_with_web_identity(std::string_view xml);
// Exchange `in.web_identity_token` for the role's temporary credentials. The call is unsigned
// (botocore's authtype "none"): give `client` AnonymousCredentialProvider.
Result<AssumeRoleOutput> assume_role_with_web_identity(AwsClient& client, std::string_view region,
                                                       const AssumeRoleWithWebIdentityInput& in);

}  // namespace gpubox::aws
