#include "core/log.hpp"

#include <gtest/gtest.h>

namespace gpubox::log {
namespace {

TEST(RedactHeader, SigV4AuthorizationKeepsOnlyTheCredentialScope) {
  EXPECT_EQ(redact_header("Authorization",
                          "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/sts/aws4_request, "
                          "SignedHeaders=host;x-amz-date, Signature=abcdef0123"),
            "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/sts/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=REDACTED");
}

TEST(RedactHeader, BareAuthorizationTokensAreDroppedWhole) {
  // Container credentials send a bare token as Authorization.
  EXPECT_EQ(redact_header("authorization", "pod-identity-token"), "REDACTED");
}

TEST(RedactHeader, SessionImdsAndSsoTokensAreRedacted) {
  for (const char* name :
       {"X-Amz-Security-Token", "x-aws-ec2-metadata-token", "x-amz-sso_bearer_token"}) {
    EXPECT_EQ(redact_header(name, "SECRETVALUE"), "REDACTED") << name;
  }
  EXPECT_EQ(redact_header("User-Agent", "gpubox/0.1.0"), "gpubox/0.1.0");
}

}  // namespace
}  // namespace gpubox::log
