#pragma once
// AWS error classification and error-body parsing. One table (errors.cpp) maps an AWS error code
// and HTTP status to (ErrorKind, retryable, throttling); every parser below ends in that table.

#include <string>
#include <string_view>

#include "aws/http.hpp"
#include "core/error.hpp"

namespace gpubox::aws {

struct ErrorClass {
  ErrorKind kind = ErrorKind::remote;
  bool retryable = false;
  bool throttling = false;
};

// Return the class of an AWS error with `aws_code` (may be empty) answered with `http_status`.
ErrorClass classify(std::string_view aws_code, int http_status);

// Return true when `aws_code` is one of the throttling codes of the standard retry mode.
bool is_throttling_code(std::string_view aws_code);

// Return true when `aws_code` may mean the local clock is off (AWS JS SDK's clock-skew codes).
bool is_clock_skew_code(std::string_view aws_code);

// Return true when `error` is EC2's "DryRunOperation" answer, which means the dry run succeeded.
bool is_dry_run_success(const Error& error);

// The raw fields of an AWS error body; empty strings when a field is absent.
struct AwsErrorFields {
  std::string code;
  std::string message;
  std::string request_id;
};

// Parse the EC2 `<Response><Errors><Error>` and query `<ErrorResponse><Error>` XML shapes (the
// namespace is ignored); return false when `body` holds no XML error.
bool parse_xml_error(std::string_view body, AwsErrorFields& out);

// Parse the JSON 1.1 `{"__type": ..., "message": ...}` shape; return false when `body` is not a
// JSON object with `__type`.
bool parse_json_error(std::string_view body, AwsErrorFields& out);

// Parse the REST-JSON shape (the SSO portal): the code in the x-amzn-ErrorType header (or
// `__type` / `code` in the body), the message in the body; return false when there is no code.
bool parse_rest_json_error(const HttpResponse& response, AwsErrorFields& out);

// Turn a non-2xx `response` (any body: XML, JSON, HTML or empty) into a classified Error whose
// message starts with `context` ("DescribeInstances in us-east-1").
Error error_from_response(const HttpResponse& response, std::string_view context);

// Classify `error` in place from its aws_code and http_status.
void apply_class(Error& error);

}  // namespace gpubox::aws
