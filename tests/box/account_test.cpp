#include "box/account.hpp"

#include <gtest/gtest.h>

#include "aws/aws_fixtures.hpp"
#include "box/up_fixtures.hpp"

namespace gpubox::box {
namespace {

using testing::aws_fixture;
using up_testing::AwsHarness;

TEST(Whoami, CombinesTheCallerWithTheSettingsAndTheCredentialSource) {
  AwsHarness h;
  h.settings.region_source = "AWS_REGION";
  h.settings.profile = "dev";
  h.http.respond("GetCallerIdentity", 200, aws_fixture("sts/get_caller_identity.xml"));
  auto me = whoami(*h.client, h.creds, h.settings);
  ASSERT_TRUE(me) << me.error().message;
  EXPECT_EQ(me->account, "123456789012");
  EXPECT_EQ(me->arn, "arn:aws:sts::123456789012:user/moto");
  EXPECT_EQ(me->user_id, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(me->region, "us-east-1");
  EXPECT_EQ(me->region_source, "AWS_REGION");
  EXPECT_EQ(me->profile, "dev");
  EXPECT_EQ(me->credential_source, "test");
  EXPECT_EQ(h.calls(), (std::vector<std::string>{"GetCallerIdentity"}));
}

TEST(CallerArn, IsTheArnOfGetCallerIdentityAndFailsWithIt) {
  AwsHarness h;
  h.http.respond("GetCallerIdentity", 200, aws_fixture("sts/get_caller_identity.xml"));
  EXPECT_EQ(caller_arn(*h.client, "eu-west-1"), "arn:aws:sts::123456789012:user/moto");
  EXPECT_NE(h.http.requests().at(0).url.find("eu-west-1"), std::string::npos)
      << h.http.requests().at(0).url;
  h.http.respond("GetCallerIdentity", 403,
                 "<ErrorResponse><Error><Code>ExpiredToken</Code><Message>expired</Message>"
                 "</Error></ErrorResponse>");
  auto r = caller_arn(*h.client, "eu-west-1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().aws_code, "ExpiredToken");
}

TEST(EnabledRegions, LeavesOutRegionsNotOptedInAndNamesTheRest) {
  AwsHarness h;
  h.http.respond(
      "DescribeRegions", 200,
      "<DescribeRegionsResponse><regionInfo>"
      "<item><optInStatus>not-opted-in</optInStatus><regionName>af-south-1</regionName>"
      "<regionEndpoint>ec2.af-south-1.amazonaws.com</regionEndpoint></item>"
      "<item><optInStatus>opt-in-not-required</optInStatus><regionName>eu-west-1</regionName>"
      "<regionEndpoint>ec2.eu-west-1.amazonaws.com</regionEndpoint></item>"
      "</regionInfo></DescribeRegionsResponse>");
  auto regions = enabled_regions(*h.client, "us-east-1");
  ASSERT_TRUE(regions) << regions.error().message;
  ASSERT_EQ(regions->size(), 1u);
  EXPECT_EQ(regions->at(0).name, "eu-west-1");
  EXPECT_EQ(regions->at(0).display_name, "Europe (Ireland)");
  EXPECT_EQ(regions->at(0).opt_in_status, "opt-in-not-required");
  EXPECT_EQ(regions->at(0).endpoint, "ec2.eu-west-1.amazonaws.com");
}

}  // namespace
}  // namespace gpubox::box
