#pragma once
// The AssumeRoleFn the credential chain uses for profiles with role_arn: an STS client signed
// with the source profile's credentials.

#include "aws/credentials.hpp"
#include "aws/http.hpp"
#include "aws/settings.hpp"
#include "core/clock.hpp"

namespace gpubox::aws {

// Return a function that calls STS AssumeRole over `http` with the given source credentials.
// `settings` supplies endpoint overrides and retry settings; both references must outlive it.
AssumeRoleFn make_sts_assume_role(HttpClient& http, Clock& clock, const Settings& settings);

}  // namespace gpubox::aws
