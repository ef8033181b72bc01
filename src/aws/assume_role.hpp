#pragma once
// The STS calls the credential chain makes: AssumeRole for profiles with role_arn (signed with
// the source profile's credentials) and AssumeRoleWithWebIdentity (unsigned).

#include "aws/credentials.hpp"
#include "aws/http.hpp"
#include "aws/settings.hpp"
#include "core/clock.hpp"

namespace gpubox::aws {

// Return a function that calls STS AssumeRole over `http` with the given source credentials.
// `settings` supplies endpoint overrides and retry settings; both references must outlive it.
AssumeRoleFn make_sts_assume_role(HttpClient& http, Clock& clock, const Settings& settings);

// Return a function that calls STS AssumeRoleWithWebIdentity over `http`, unsigned.
WebIdentityFn make_sts_assume_role_with_web_identity(HttpClient& http, Clock& clock,
                                                     const Settings& settings);

}  // namespace gpubox::aws
