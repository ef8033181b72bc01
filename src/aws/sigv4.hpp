#pragma once
// AWS Signature Version 4, as a pure function of (request, credentials, time).
// Reproduces AWS's official suites (../shared/testdata/sigv4) and botocore byte for byte.

#include <string>
#include <string_view>

#include "aws/credentials.hpp"
#include "aws/http.hpp"
#include "core/clock.hpp"

namespace gpubox::aws {

struct SigningParams {
  std::string region;
  std::string service;  // the signing name: "ec2", "sts", "ssm", "servicequotas", "pricing"
  TimePoint time;
};

// The intermediate products of signing, exposed for tests and --debug logging.
struct SigningResult {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // hex
  std::string authorization;  // the full Authorization header value
};

// Sign `request` in place: set X-Amz-Date, X-Amz-Security-Token (when the credentials have a
// session token; it is signed, as botocore does), and Authorization. The Host header is signed
// from the URL's authority when absent. Return the intermediate products.
SigningResult sign(HttpRequest& request, const Credentials& creds, const SigningParams& params);

}  // namespace gpubox::aws
