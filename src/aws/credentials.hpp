#pragma once
// AWS credentials and the standard provider chain:
// environment -> shared credentials/config profile (static keys, credential_process,
// role_arn + source_profile via STS AssumeRole) -> IMDSv2 (only when on EC2; never in tests).

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace gpubox::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;  // never print or log
  std::string session_token;      // empty when none; never print or log
  std::optional<TimePoint> expiration;
  std::string source;  // where they came from, e.g. "environment", "profile dev (~/.aws/credentials)"
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

}  // namespace gpubox::aws
