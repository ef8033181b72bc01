#pragma once
// IAM Identity Center (SSO) credentials, as botocore's SSOProvider: a profile names an account
// and role plus a portal (sso_session, or the legacy sso_start_url/sso_region keys); the access
// token that `aws sso login` cached is exchanged for role credentials with GetRoleCredentials.

#include <filesystem>

#include "aws/credentials.hpp"
#include "aws/http.hpp"
#include "aws/profile.hpp"
#include "aws/settings.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"

namespace gpubox::aws {

// Return whether `profile` is an SSO profile (it sets sso_session or sso_start_url).
bool profile_uses_sso(const Profile& profile);

// Return where the AWS CLI caches SSO tokens under the user's `home`: ~/.aws/sso/cache.
std::filesystem::path default_sso_cache_dir(const std::filesystem::path& home);

// Exchange the cached SSO access token of `profile` for role credentials. The token file in
// `sso_cache_dir` is named by the SHA-1 of the sso-session name (or, for legacy profiles, of
// sso_start_url). A missing, unreadable or expired token (by `clock`) and a 401/403 from the
// portal are auth Errors whose hint is `aws sso login --profile NAME`; gpubox never refreshes
// the token itself. The portal endpoint honours AWS_ENDPOINT_URL_SSO and AWS_ENDPOINT_URL
// (from `settings`), but not --endpoint-url, which is for the service being called.
Result<Credentials> credentials_from_sso(const ProfileFiles& files, const Profile& profile,
                                         HttpClient& http, const Settings& settings, Clock& clock,
                                         const std::filesystem::path& sso_cache_dir);

}  // namespace gpubox::aws
