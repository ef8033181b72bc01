#include "aws/errors.hpp"

#include <gtest/gtest.h>

namespace gpubox::aws {
namespace {

HttpResponse response(int status, std::string body, Headers headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

TEST(Errors, ParsesTheEc2ResponseShapeWithoutMatchingTheNamespace) {
  // moto's namespace has no trailing slash; real AWS has none at all on errors.
  auto e = error_from_response(
      response(400,
               "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
               "<Response xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15\"><Errors><Error>"
               "<Code>InvalidKeyPair.Duplicate</Code><Message>The keypair 'gpubox-rsa' already "
               "exists.</Message></Error></Errors><RequestID>req-123</RequestID></Response>"),
      "CreateKeyPair in us-east-1");
  EXPECT_EQ(e.aws_code, "InvalidKeyPair.Duplicate");
  EXPECT_EQ(e.request_id, "req-123");
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.kind, ErrorKind::conflict);
  EXPECT_FALSE(e.retryable);
  EXPECT_EQ(e.message,
            "CreateKeyPair in us-east-1: InvalidKeyPair.Duplicate: The keypair 'gpubox-rsa' "
            "already exists.");
}

TEST(Errors, ParsesTheQueryErrorResponseShape) {
  auto e = error_from_response(
      response(403,
               "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
               "<Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token "
               "included in the request is invalid.</Message></Error><RequestId>abc-1</RequestId>"
               "</ErrorResponse>"),
      "GetCallerIdentity in us-east-1");
  EXPECT_EQ(e.aws_code, "InvalidClientTokenId");
  EXPECT_EQ(e.request_id, "abc-1");
  EXPECT_EQ(e.http_status, 403);
  EXPECT_EQ(e.kind, ErrorKind::auth);
  EXPECT_NE(e.message.find("security token included"), std::string::npos);
}

TEST(Errors, ParsesTheJsonTypeShapeAndTakesTheRequestIdFromTheHeader) {
  auto e = error_from_response(
      response(400,
               R"({"__type":"com.amazonaws.ssm#ParameterNotFound:http://internal",)"
               R"("message":"Parameter /x not found."})",
               {{"x-amzn-RequestId", "rid-9"}}),
      "GetParameter in eu-west-1");
  EXPECT_EQ(e.aws_code, "ParameterNotFound");
  EXPECT_EQ(e.request_id, "rid-9");
  EXPECT_EQ(e.kind, ErrorKind::not_found);
  EXPECT_EQ(e.message, "GetParameter in eu-west-1: ParameterNotFound: Parameter /x not found.");
}

TEST(Errors, JsonCapitalMessageIsAccepted) {
  AwsErrorFields f;
  ASSERT_TRUE(parse_json_error(R"({"__type":"NoSuchResourceException","Message":"gone"})", f));
  EXPECT_EQ(f.code, "NoSuchResourceException");
  EXPECT_EQ(f.message, "gone");
}

TEST(Errors, QueryErrorHeaderOverridesTheJsonCode) {
  auto e = error_from_response(response(400, R"({"__type":"SomethingGeneric","message":"m"})",
                                        {{"x-amzn-query-error", "Throttling;Sender"}}),
                               "X in us-east-1");
  EXPECT_EQ(e.aws_code, "Throttling");
  EXPECT_EQ(e.kind, ErrorKind::throttled);
  EXPECT_TRUE(e.retryable);
}

TEST(Errors, HtmlFiveHundredPageFallsBackToTheStatus) {
  auto e = error_from_response(
      response(500,
               "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
               "<h1>Internal Server Error</h1>\n<p>The server encountered an internal error.</p>\n",
               {{"Content-Type", "text/html; charset=utf-8"}}),
      "CreatePlacementGroup in us-east-1");
  EXPECT_EQ(e.aws_code, "");
  EXPECT_EQ(e.http_status, 500);
  EXPECT_EQ(e.kind, ErrorKind::remote);
  EXPECT_TRUE(e.retryable);
  EXPECT_NE(e.message.find("CreatePlacementGroup in us-east-1: HTTP 500"), std::string::npos);
  EXPECT_NE(e.message.find("Internal Server Error"), std::string::npos);
  EXPECT_EQ(e.message.find('<'), std::string::npos);
}

TEST(Errors, EmptyBodyUsesTheStatus) {
  auto e = error_from_response(response(403, ""), "X in us-east-1");
  EXPECT_EQ(e.kind, ErrorKind::auth);
  EXPECT_EQ(e.message, "X in us-east-1: HTTP 403");
}

TEST(Errors, XmlWithoutCodeIsNotAnError) {
  AwsErrorFields f;
  EXPECT_FALSE(parse_xml_error("<DescribeRegionsResponse/>", f));
  EXPECT_FALSE(parse_xml_error("not xml", f));
  EXPECT_FALSE(parse_json_error("[1,2]", f));
}

struct Row {
  const char* code;
  int status;
  ErrorKind kind;
  bool retryable;
  bool throttling;
};

TEST(Errors, ClassificationTable) {
  const Row rows[] = {
      {"RequestLimitExceeded", 503, ErrorKind::throttled, true, true},
      {"Throttling", 400, ErrorKind::throttled, true, true},
      {"TooManyRequestsException", 400, ErrorKind::throttled, true, true},
      {"ThrottlingException", 400, ErrorKind::throttled, true, true},
      {"InsufficientInstanceCapacity", 500, ErrorKind::capacity, false, false},
      {"Unsupported", 400, ErrorKind::capacity, false, false},
      {"VcpuLimitExceeded", 400, ErrorKind::quota, false, false},
      {"MaxSpotInstanceCountExceeded", 400, ErrorKind::quota, false, false},
      {"InstanceLimitExceeded", 400, ErrorKind::quota, false, false},
      {"AuthFailure", 401, ErrorKind::auth, false, false},
      {"UnauthorizedOperation", 403, ErrorKind::auth, false, false},
      {"AccessDeniedException", 400, ErrorKind::auth, false, false},
      {"AccessDenied", 403, ErrorKind::auth, false, false},
      {"InvalidClientTokenId", 403, ErrorKind::auth, false, false},
      {"SignatureDoesNotMatch", 403, ErrorKind::auth, false, false},
      {"ExpiredToken", 400, ErrorKind::auth, false, false},
      {"InvalidInstanceID.NotFound", 400, ErrorKind::not_found, false, false},
      {"ParameterNotFound", 400, ErrorKind::not_found, false, false},
      {"NoSuchResourceException", 400, ErrorKind::not_found, false, false},
      {"InvalidParameterValue", 400, ErrorKind::invalid_input, false, false},
      {"InvalidAMIID.Malformed", 400, ErrorKind::invalid_input, false, false},
      {"ValidationException", 400, ErrorKind::invalid_input, false, false},
      {"InvalidInstanceType", 400, ErrorKind::invalid_input, false, false},
      {"DependencyViolation", 400, ErrorKind::conflict, false, false},
      {"InvalidGroup.InUse", 400, ErrorKind::conflict, false, false},
      {"InvalidGroup.Duplicate", 400, ErrorKind::conflict, false, false},
      {"IncorrectInstanceState", 400, ErrorKind::conflict, false, false},
      {"RequestTimeout", 400, ErrorKind::remote, true, false},
      {"InternalError", 500, ErrorKind::remote, true, false},
      {"", 500, ErrorKind::remote, true, false},
      {"", 502, ErrorKind::remote, true, false},
      {"", 503, ErrorKind::remote, true, false},
      {"", 504, ErrorKind::remote, true, false},
      {"", 501, ErrorKind::remote, false, false},
      {"", 429, ErrorKind::throttled, true, true},
      {"SomeBrandNewCode", 400, ErrorKind::invalid_input, false, false},
      {"SomeBrandNewCode", 503, ErrorKind::remote, true, false},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(std::string(row.code) + " " + std::to_string(row.status));
    auto c = classify(row.code, row.status);
    EXPECT_EQ(c.kind, row.kind);
    EXPECT_EQ(c.retryable, row.retryable);
    EXPECT_EQ(c.throttling, row.throttling);
  }
}

TEST(Errors, ClockSkewCodes) {
  EXPECT_TRUE(is_clock_skew_code("RequestTimeTooSkewed"));
  EXPECT_TRUE(is_clock_skew_code("SignatureDoesNotMatch"));
  EXPECT_TRUE(is_clock_skew_code("AuthFailure"));
  EXPECT_FALSE(is_clock_skew_code("UnauthorizedOperation"));
  EXPECT_FALSE(is_clock_skew_code(""));
}

TEST(Errors, DryRunOperationIsRecognisedAsSuccess) {
  auto e = error_from_response(
      response(412,
               "<Response><Errors><Error><Code>DryRunOperation</Code><Message>Request would have "
               "succeeded, but DryRun flag is set.</Message></Error></Errors></Response>"),
      "RunInstances in us-east-1");
  EXPECT_TRUE(is_dry_run_success(e));
  EXPECT_FALSE(e.retryable);
}

TEST(Errors, RestJsonErrorsTakeTheCodeFromTheHeader) {
  HttpResponse r{401,
                 {{"x-amzn-ErrorType", "UnauthorizedException:http://internal.amazon.com/coral/"},
                  {"x-amzn-RequestId", "req-9"}},
                 R"({"message":"Session token not found or invalid"})"};
  AwsErrorFields f;
  ASSERT_TRUE(parse_rest_json_error(r, f));
  EXPECT_EQ(f.code, "UnauthorizedException");
  EXPECT_EQ(f.message, "Session token not found or invalid");
  EXPECT_EQ(f.request_id, "req-9");
  Error e = error_from_response(r, "GetRoleCredentials in us-east-1");
  EXPECT_EQ(
      e.message,
      "GetRoleCredentials in us-east-1: UnauthorizedException: Session token not found or invalid");
  EXPECT_EQ(e.aws_code, "UnauthorizedException");
  AwsErrorFields none;
  EXPECT_FALSE(parse_rest_json_error(HttpResponse{500, {}, "<html>oops</html>"}, none));
}

}  // namespace
}  // namespace gpubox::aws
