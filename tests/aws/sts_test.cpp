#include "aws/sts.hpp"

#include <gtest/gtest.h>

#include "aws/aws_fixtures.hpp"
#include "aws/xml.hpp"
#include "core/iso8601.hpp"

namespace gpubox::aws {
namespace {

using testing::aws_fixture;

TEST(Sts, GetCallerIdentityHasNoParamsAndParsesTheAccount) {
  EXPECT_TRUE(build_get_caller_identity().empty());
  auto id = parse_get_caller_identity(aws_fixture("sts/get_caller_identity.xml"));
  ASSERT_TRUE(id);
  EXPECT_EQ(id->account, "123456789012");
  EXPECT_EQ(id->arn, "arn:aws:sts::123456789012:user/moto");
  EXPECT_EQ(id->user_id, "AKIAIOSFODNN7EXAMPLE");
}

TEST(Sts, AssumeRoleBuilderSendsOnlyGivenMembers) {
  AssumeRoleInput in;
  in.role_arn = "arn:aws:iam::123456789012:role/gpubox";
  in.session_name = "gpubox";
  in.duration_seconds = 3600;
  EXPECT_EQ(build_assume_role(in), (QueryParams{{"RoleArn", in.role_arn},
                                                {"RoleSessionName", "gpubox"},
                                                {"DurationSeconds", "3600"}}));
}

TEST(Sts, AssumeRoleReturnsCredentialsWithExpiration) {
  auto out = parse_assume_role(aws_fixture("sts/assume_role.xml"));
  ASSERT_TRUE(out) << out.error().message;
  const Credentials& c = out->credentials;
  EXPECT_TRUE(c.access_key_id.starts_with("ASIA"));
  EXPECT_FALSE(c.secret_access_key.empty());
  EXPECT_FALSE(c.session_token.empty());
  ASSERT_TRUE(c.expiration.has_value());
  EXPECT_EQ(format_iso8601(*c.expiration), "2026-11-26T07:21:58Z");
  EXPECT_EQ(out->assumed_role_arn, "arn:aws:sts::123456789012:assumed-role/gpubox/gpubox");
  EXPECT_NE(c.source.find("assumed-role/gpubox"), std::string::npos);
}

TEST(Sts, AssumeRoleWithoutCredentialsIsARemoteError) {
  auto out = parse_assume_role("<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::remote);
}

TEST(Sts, AssumeRoleWithWebIdentityBuilderCarriesTheToken) {
  AssumeRoleWithWebIdentityInput in{"arn:aws:iam::123456789012:role/ci", "build-7", "eyJ.t.s", {}};
  EXPECT_EQ(build_assume_role_with_web_identity(in),
            (QueryParams{{"RoleArn", in.role_arn},
                         {"RoleSessionName", "build-7"},
                         {"WebIdentityToken", "eyJ.t.s"}}));
  in.duration_seconds = 900;
  EXPECT_EQ(build_assume_role_with_web_identity(in).back(),
            (std::pair<std::string, std::string>{"DurationSeconds", "900"}));
}

TEST(Sts, AssumeRoleWithWebIdentityReplyIsParsedLikeAssumeRole) {
  // The reply shape of the STS API reference's example, trimmed.
  auto out = parse_assume_role_with_web_identity(R"(
    <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
      <AssumeRoleWithWebIdentityResult>
        <SubjectFromWebIdentityToken>amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A</SubjectFromWebIdentityToken>
        <AssumedRoleUser>
          <Arn>arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1</Arn>
          <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:app1</AssumedRoleId>
        </AssumedRoleUser>
        <Credentials>
          <SessionToken>AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp</SessionToken>
          <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY</SecretAccessKey>
          <Expiration>2014-10-24T23:00:23Z</Expiration>
          <AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>
        </Credentials>
      </AssumeRoleWithWebIdentityResult>
    </AssumeRoleWithWebIdentityResponse>)");
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->credentials.access_key_id, "ASgeIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(format_iso8601(*out->credentials.expiration), "2014-10-24T23:00:23Z");
  EXPECT_EQ(out->assumed_role_arn,
            "arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1");
  // An AssumeRole reply is not accepted as one.
  EXPECT_FALSE(parse_assume_role_with_web_identity(aws_fixture("sts/assume_role.xml")));
}

}  // namespace
}  // namespace gpubox::aws
