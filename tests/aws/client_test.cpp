#include "aws/client.hpp"

#include <gtest/gtest.h>

#include "core/log.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_http_client.hpp"

namespace gpubox::aws {
namespace {

using testing::FakeClock;
using testing::FakeHttpClient;

const char* k_ok_xml =
    "<DescribeRegionsResponse><requestId>req-ok</requestId>"
    "</DescribeRegionsResponse>";

struct Harness {
  explicit Harness(Credentials c = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG", "", {}, "test"})
      : creds(std::move(c)) {
    settings.region = "us-east-1";
    client =
        std::make_unique<AwsClient>(ClientDeps{http, clock, creds, settings}, [] { return 0.5; });
  }
  FakeHttpClient http;
  FakeClock clock;
  StaticCredentialProvider creds;
  Settings settings;
  std::unique_ptr<AwsClient> client;
};

std::string header(const HttpRequest& r, std::string_view name) {
  return find_header(r.headers, name).value_or("<absent>");
}

TEST(AwsClient, QueryPostsTheExactFormBody) {
  Harness h;
  h.http.respond("DescribeInstances", 200, k_ok_xml);
  auto r = h.client->query(k_ec2, "us-east-1", "DescribeInstances",
                           {{"Filter.1.Name", "tag:gpubox:box"}, {"Filter.1.Value.1", "my box/1"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, k_ok_xml);
  auto reqs = h.http.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].url, "https://ec2.us-east-1.amazonaws.com/");
  EXPECT_EQ(reqs[0].body,
            "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag%3Agpubox%3Abox"
            "&Filter.1.Value.1=my+box%2F1");
  EXPECT_EQ(header(reqs[0], "Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_NE(header(reqs[0], "Authorization")
                .find("Credential=AKIDEXAMPLE/20150826/us-east-1/ec2/aws4_request"),
            std::string::npos);
}

TEST(AwsClient, AnonymousCredentialsSendTheRequestUnsigned) {
  FakeHttpClient http;
  FakeClock clock;
  AnonymousCredentialProvider anonymous;
  Settings settings;
  AwsClient client(ClientDeps{http, clock, anonymous, settings}, [] { return 0.5; });
  http.respond("AssumeRoleWithWebIdentity", 200, "<AssumeRoleWithWebIdentityResponse/>");
  ASSERT_TRUE(
      client.query(k_sts, "us-east-1", "AssumeRoleWithWebIdentity", {{"RoleArn", "arn:r"}}));
  auto req = http.requests().at(0);
  EXPECT_EQ(header(req, "Authorization"), "<absent>");
  EXPECT_EQ(header(req, "X-Amz-Date"), "<absent>");
  EXPECT_EQ(header(req, "X-Amz-Security-Token"), "<absent>");
  EXPECT_EQ(req.body, "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Ar");
}

TEST(AwsClient, UserAgentNamesGpuboxAndNoRegion) {
  Harness h;
  h.http.respond("GetCallerIdentity", 200, "<GetCallerIdentityResponse/>");
  ASSERT_TRUE(h.client->query(k_sts, "eu-west-1", "GetCallerIdentity", {}));
  auto ua = header(h.http.requests().at(0), "User-Agent");
  EXPECT_EQ(ua, std::string("gpubox/") + GPUBOX_VERSION);
  EXPECT_EQ(ua.find("region/"), std::string::npos);
  EXPECT_EQ(h.http.requests()[0].body, "Action=GetCallerIdentity&Version=2011-06-15");
}

TEST(AwsClient, JsonSendsTheTargetHeaderAndParsesTheReply) {
  Harness h;
  h.http.respond("AmazonSSM.GetParameter", 200, R"({"Parameter":{"Value":"ami-123"}})");
  auto r = h.client->json(k_ssm, "eu-west-1", "GetParameter", {{"Name", "/aws/x"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["Parameter"]["Value"], "ami-123");
  auto req = h.http.requests().at(0);
  EXPECT_EQ(header(req, "X-Amz-Target"), "AmazonSSM.GetParameter");
  EXPECT_EQ(header(req, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(req.body, R"({"Name":"/aws/x"})");
  EXPECT_NE(header(req, "Authorization").find("/eu-west-1/ssm/aws4_request"), std::string::npos);
}

TEST(AwsClient, JsonWithoutInputSendsAnEmptyObject) {
  Harness h;
  h.http.respond("ListServiceQuotas", 200, "");
  auto r = h.client->json(k_service_quotas, "us-east-1", "ListServiceQuotas", nlohmann::json{});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->is_object());
  EXPECT_EQ(h.http.requests().at(0).body, "{}");
  EXPECT_EQ(header(h.http.requests()[0], "X-Amz-Target"),
            "ServiceQuotasV20190624.ListServiceQuotas");
}

TEST(AwsClient, JsonReplyThatIsNotJsonIsARemoteError) {
  Harness h;
  h.http.respond("GetParameter", 200, "<html>oops</html>");
  auto r = h.client->json(k_ssm, "us-east-1", "GetParameter", {{"Name", "/x"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::remote);
}

TEST(AwsClient, EndpointOverrideIsUsed) {
  Harness h;
  h.settings.service_endpoints["ec2"] = "http://127.0.0.1:5000";
  h.http.respond("DescribeRegions", 200, k_ok_xml);
  ASSERT_TRUE(h.client->query(k_ec2, "us-west-2", "DescribeRegions", {}));
  EXPECT_EQ(h.http.requests().at(0).url, "http://127.0.0.1:5000/");
  // The signing region stays the configured one.
  EXPECT_NE(header(h.http.requests()[0], "Authorization").find("/us-west-2/ec2/"),
            std::string::npos);
}

TEST(AwsClient, ErrorsCarryTheOperationRegionAndRequestId) {
  Harness h;
  h.http.respond("DescribeInstances", 400,
                 "<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The "
                 "instance ID 'i-1' does not exist</Message></Error></Errors><RequestID>rq-7"
                 "</RequestID></Response>");
  auto r = h.client->query(k_ec2, "ap-south-1", "DescribeInstances", {{"InstanceId.1", "i-1"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::not_found);
  EXPECT_EQ(r.error().request_id, "rq-7");
  EXPECT_EQ(r.error().message.rfind("DescribeInstances in ap-south-1: ", 0), 0u);
}

TEST(AwsClient, ClockSkewIsCorrectedFromTheDateHeaderAndRetriedOnce) {
  Harness h;
  // The server is one hour ahead of the local clock (2015-08-26T11:56:00Z).
  h.http.respond("DescribeRegions", 400,
                 "<Response><Errors><Error><Code>RequestTimeTooSkewed</Code><Message>skew</Message>"
                 "</Error></Errors></Response>",
                 {{"Date", "Wed, 26 Aug 2015 12:56:00 GMT"}});
  h.http.respond("DescribeRegions", 200, k_ok_xml, {{"Date", "Wed, 26 Aug 2015 12:56:01 GMT"}});
  auto r = h.client->query(k_ec2, "us-east-1", "DescribeRegions", {});
  ASSERT_TRUE(r) << r.error().message;
  auto reqs = h.http.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(header(reqs[0], "X-Amz-Date"), "20150826T115600Z");
  EXPECT_EQ(header(reqs[1], "X-Amz-Date"), "20150826T125600Z");
  EXPECT_EQ(h.client->clock_offset(), Duration{std::chrono::hours{1}});
  EXPECT_TRUE(h.clock.sleeps.empty());
}

TEST(AwsClient, ClockSkewIsRetriedOnlyOnce) {
  Harness h;
  const char* skewed =
      "<Response><Errors><Error><Code>RequestTimeTooSkewed</Code><Message>skew</Message>"
      "</Error></Errors></Response>";
  h.http.respond("DescribeRegions", 400, skewed, {{"Date", "Wed, 26 Aug 2015 12:56:00 GMT"}});
  h.http.respond("DescribeRegions", 400, skewed, {{"Date", "Thu, 27 Aug 2015 12:56:00 GMT"}});
  h.http.respond("DescribeRegions", 200, k_ok_xml);
  auto r = h.client->query(k_ec2, "us-east-1", "DescribeRegions", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().aws_code, "RequestTimeTooSkewed");
  EXPECT_EQ(h.http.requests().size(), 2u);
  EXPECT_EQ(h.http.unused().size(), 1u);
}

TEST(AwsClient, AuthFailureWithoutSkewIsNotRetried) {
  Harness h;
  h.http.respond("DescribeRegions", 401,
                 "<ErrorResponse><Error><Type>Sender</Type><Code>AuthFailure</Code><Message>bad"
                 "</Message></Error></ErrorResponse>",
                 {{"Date", "Wed, 26 Aug 2015 11:56:02 GMT"}});
  auto r = h.client->query(k_ec2, "us-east-1", "DescribeRegions", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::auth);
  EXPECT_EQ(h.http.requests().size(), 1u);
  EXPECT_EQ(h.client->clock_offset(), Duration{0});
}

TEST(AwsClient, DebugLogShowsTheExchangeButNoSecrets) {
  Harness h(Credentials{"AKIDEXAMPLE", "SECRETKEYVALUE", "SESSIONTOKENVALUE", {}, "test"});
  h.http.respond("DescribeRegions", 200, k_ok_xml);
  log::set_enabled(true);
  ::testing::internal::CaptureStderr();
  auto r = h.client->query(k_ec2, "us-east-1", "DescribeRegions", {});
  std::string out = ::testing::internal::GetCapturedStderr();
  log::set_enabled(false);
  ASSERT_TRUE(r);
  auto req = h.http.requests().at(0);
  EXPECT_EQ(header(req, "X-Amz-Security-Token"), "SESSIONTOKENVALUE");
  auto authz = header(req, "Authorization");
  auto signature = authz.substr(authz.find("Signature=") + 10);
  ASSERT_EQ(signature.size(), 64u);
  EXPECT_NE(out.find("POST https://ec2.us-east-1.amazonaws.com/ DescribeRegions attempt 1/3"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("200 DescribeRegions attempt 1 request-id req-ok"), std::string::npos);
  EXPECT_NE(out.find("Signature=REDACTED"), std::string::npos);
  EXPECT_EQ(out.find("SESSIONTOKENVALUE"), std::string::npos);
  EXPECT_EQ(out.find("SECRETKEYVALUE"), std::string::npos);
  EXPECT_EQ(out.find(signature), std::string::npos);
}

TEST(AwsClient, PaginateQueryFollowsNextToken) {
  Harness h;
  h.http.respond("DescribeInstances", 200,
                 "<DescribeInstancesResponse><reservationSet/><nextToken>t1</nextToken>"
                 "</DescribeInstancesResponse>");
  h.http.respond("DescribeInstances", 200,
                 "<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse>");
  int pages = 0;
  auto r = paginate_query(*h.client, k_ec2, "us-east-1", "DescribeInstances", {{"MaxResults", "5"}},
                          [&](const std::string&) -> Result<void> {
                            ++pages;
                            return {};
                          });
  ASSERT_TRUE(r);
  EXPECT_EQ(pages, 2);
  auto reqs = h.http.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].body.find("NextToken"), std::string::npos);
  EXPECT_NE(reqs[1].body.find("&MaxResults=5&NextToken=t1"), std::string::npos);
}

TEST(AwsClient, PaginateJsonFollowsNextTokenAndStopsOnRepeats) {
  Harness h;
  h.http.respond("GetParametersByPath", 200, R"({"Parameters":[1],"NextToken":"a"})");
  h.http.respond("GetParametersByPath", 200, R"({"Parameters":[2],"NextToken":"a"})");
  std::vector<int> seen;
  auto r = paginate_json(*h.client, k_ssm, "us-east-1", "GetParametersByPath", {{"Path", "/p"}},
                         [&](const nlohmann::json& page) -> Result<void> {
                           seen.push_back(page["Parameters"][0]);
                           return {};
                         });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::remote);
  EXPECT_EQ(seen, (std::vector<int>{1, 2}));
  EXPECT_EQ(h.http.requests().at(1).body, R"({"NextToken":"a","Path":"/p"})");
}

}  // namespace
}  // namespace gpubox::aws
