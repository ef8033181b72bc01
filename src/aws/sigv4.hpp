#pragma once
// AWS Signature Version 4, as a pure function of (request, credentials, time).
// Reproduces AWS's official suites (tests/data/sigv4) and botocore byte for byte.

#include <chrono>
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
  // Add and sign `x-amz-content-sha256: <hex sha256(body)>` (aws-c-auth `sign_body`).
  bool add_content_sha256 = false;
  // Sign X-Amz-Security-Token (botocore); false adds it only after signing.
  bool sign_session_token = true;
  // Remove dot segments and repeated slashes from the path; false behaves like S3.
  bool normalize_path = true;
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

// Presign `request` in its query string (X-Amz-Algorithm ... X-Amz-Signature), valid for
// `expires`; the result's `authorization` is empty.
SigningResult presign(HttpRequest& request, const Credentials& creds, const SigningParams& params,
                      std::chrono::seconds expires);

// The eight steps of SigV4, as pure helpers (sign() and presign() compose them).

// Return `time` as an ISO 8601 basic UTC timestamp, "20150830T123600Z".
std::string amz_date(TimePoint time);
// Return `host` (from a URL authority) as SigV4 signs it: lower-case, no userinfo, no default port.
std::string canonical_host(std::string_view scheme, std::string_view authority);
// Return the canonical URI of the wire `path`: dot segments removed when `normalize`, then each
// segment percent-encoded once more (non-S3 "double encoding"); empty becomes "/".
std::string canonical_uri(std::string_view path, bool normalize);
// Return the canonical query string of the wire `query` (without '?'): pairs decoded, re-encoded
// per RFC 3986, sorted by key then value; a bare key becomes `key=`.
std::string canonical_query_string(std::string_view query);

struct CanonicalHeaders {
  std::string block;           // "name:value\n" lines, sorted by name
  std::string signed_headers;  // "content-type;host;x-amz-date"
};
// Return the canonical headers of `headers` (hop-by-hop and user-agent skipped, names
// lower-cased, values trimmed and squeezed, repeats comma-joined), with `host` added if absent.
CanonicalHeaders canonical_headers(const Headers& headers, std::string_view host);
// Join the six parts of a canonical request.
std::string canonical_request(std::string_view method, std::string_view uri, std::string_view query,
                              const CanonicalHeaders& headers, std::string_view payload_hash);
// Return the credential scope "YYYYMMDD/<region>/<service>/aws4_request".
std::string credential_scope(std::string_view date_stamp, const SigningParams& params);
// Return "AWS4-HMAC-SHA256\n<date>\n<scope>\n<hex sha256(canonical_request)>".
std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);
// Return the raw signing key derived from `secret` for the date stamp and the params' scope.
std::string signing_key(std::string_view secret, std::string_view date_stamp,
                        const SigningParams& params);
// Return the Authorization header value for `access_key_id`.
std::string authorization_header(std::string_view access_key_id, std::string_view scope,
                                 std::string_view signed_headers, std::string_view signature);

}  // namespace gpubox::aws
