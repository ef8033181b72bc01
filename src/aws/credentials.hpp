#pragma once
// AWS credentials and the standard provider chain, in botocore's order:
// environment -> profile role_arn (STS AssumeRole via source_profile / credential_source, or
// AssumeRoleWithWebIdentity via web_identity_token_file) -> AWS_WEB_IDENTITY_TOKEN_FILE +
// AWS_ROLE_ARN -> IAM Identity Center (SSO) token cache -> shared credentials file keys ->
// credential_process -> config file keys -> container credentials (ECS, EKS Pod Identity) ->
// IMDSv2 (only when on EC2; never in tests).

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/http.hpp"
#include "aws/settings.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/process.hpp"

namespace gpubox::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;  // never print or log
  std::string session_token;      // empty when none; never print or log
  std::optional<TimePoint> expiration;
  std::string
      source;  // where they came from, e.g. "environment", "profile dev (~/.aws/credentials)"
  bool anonymous = false;  // no keys: the request goes unsigned (AssumeRoleWithWebIdentity)
};

class CredentialProvider {
public:
  virtual ~CredentialProvider() = default;
  // Return credentials valid at the time of the call (refreshing cached ones near expiry).
  virtual Result<Credentials> get() = 0;
};

// A provider that always returns the same credentials (tests, and resolved static keys).
class StaticCredentialProvider final : public CredentialProvider {
public:
  explicit StaticCredentialProvider(Credentials c) : m_creds(std::move(c)) {}
  Result<Credentials> get() override { return m_creds; }

private:
  Credentials m_creds;
};

// No credentials: requests go unsigned. Only for calls AWS accepts unsigned (botocore's authtype
// "none"), i.e. STS AssumeRoleWithWebIdentity.
class AnonymousCredentialProvider final : public CredentialProvider {
public:
  Result<Credentials> get() override {
    Credentials c;
    c.source = "anonymous";
    c.anonymous = true;
    return c;
  }
};

// What an STS AssumeRole call needs besides the source credentials (from a profile's role_arn).
struct AssumeRoleRequest {
  std::string role_arn;
  std::string role_session_name;        // the profile's, or "gpubox-<epoch seconds>"
  std::string external_id;              // empty when none
  std::string mfa_serial;               // empty when none
  std::string mfa_code;                 // the code typed for mfa_serial; empty when none
  std::optional<int> duration_seconds;  // nullopt: STS's default (1 hour)
  std::string region;                   // where to call STS: the resolved region, or us-east-1
  std::string profile;                  // the profile that holds role_arn, for messages
};

// Call STS AssumeRole with `source` credentials (implemented next to the STS client).
using AssumeRoleFn =
    std::function<Result<Credentials>(const Credentials& source, const AssumeRoleRequest&)>;

// Ask the person at the terminal `question` and return the line typed (an MFA code). An Error
// when nobody can answer (stdin is not a terminal).
using PromptFn = std::function<Result<std::string>(const std::string& question)>;

// What an STS AssumeRoleWithWebIdentity call needs (from a profile or the environment).
struct WebIdentityRequest {
  std::string role_arn;
  std::string role_session_name;  // the profile's / AWS_ROLE_SESSION_NAME, or "gpubox-<epoch>"
  std::string token;              // the token file's contents; never print or log
  std::optional<int> duration_seconds;
  std::string region;
  std::string origin;  // "profile dev" or "environment", for messages
};

// Call STS AssumeRoleWithWebIdentity (unsigned).
using WebIdentityFn = std::function<Result<Credentials>(const WebIdentityRequest&)>;

struct CredentialDeps {
  Clock& clock;
  ProcessRunner& processes;  // runs credential_process
  HttpClient& http;          // EC2 instance metadata, container credentials, the SSO portal
  AssumeRoleFn assume_role;
  EnvLookup env;
  // Where to read board_asset_tag and sys_vendor to tell whether we run on EC2.
  std::filesystem::path dmi_dir = "/sys/devices/virtual/dmi/id";
  WebIdentityFn assume_role_with_web_identity;
  // Where assumed-role credentials are kept between runs (0600 JSON files), so a command with a
  // role profile costs no STS call while they are valid; empty: kept in memory only.
  std::filesystem::path role_cache_dir;
  // IAM Identity Center token cache, as `aws sso login` writes it (~/.aws/sso/cache).
  std::filesystem::path sso_cache_dir;
  // Asks for the MFA code of a role profile with mfa_serial; empty: such profiles fail.
  PromptFn ask_mfa_code;
};

// Return the standard chain for `settings`, in botocore's order: the environment's keys (unless
// --profile was given); AWS_WEB_IDENTITY_TOKEN_FILE (unless --profile was given or the profile
// has a role_arn); the profile (role_arn via source_profile, credential_source or
// web_identity_token_file, then IAM Identity Center, credentials-file keys, credential_process,
// config-file keys); the container endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI);
// then EC2 instance metadata when on EC2. Assumed roles are cached in `deps.role_cache_dir`
// between runs; results that expire are cached until 5 minutes before their expiry. Thread-safe.
std::unique_ptr<CredentialProvider> make_default_credential_provider(const Settings& settings,
                                                                     CredentialDeps deps);

// Split a credential_process command line shell-style (quotes, backslashes; no expansion).
Result<std::vector<std::string>> split_command_line(std::string_view command);

}  // namespace gpubox::aws
