#include "cli/cmd_whoami.hpp"

#include <gtest/gtest.h>

#include "aws/aws_fixtures.hpp"
#include "aws/http.hpp"
#include "cli/test_env.hpp"

namespace gpubox::cli {
namespace {

using gpubox::testing::aws_fixture;
using testing::make_test_env;

TEST(CmdWhoami, PrintsTheIdentityAsAnAlignedTable) {
  auto t = make_test_env();
  t->http.respond("GetCallerIdentity", 200, aws_fixture("sts/get_caller_identity.xml"));
  ASSERT_EQ(t->run({"whoami"}), 0) << t->err.str();
  EXPECT_EQ(t->out.str(),
            "FIELD        VALUE\n"
            "account      123456789012\n"
            "arn          arn:aws:sts::123456789012:user/moto\n"
            "region       us-east-1 (from AWS_REGION)\n"
            "credentials  environment\n");
  EXPECT_EQ(t->err.str(), "");
}

TEST(CmdWhoami, JsonHasTheIdentityRegionAndSources) {
  auto t = make_test_env();
  t->http.respond("GetCallerIdentity", 200, aws_fixture("sts/get_caller_identity.xml"));
  ASSERT_TRUE(run_whoami(WhoamiOptions{.json = true}, t->env));
  auto doc = nlohmann::json::parse(t->out.str());
  EXPECT_EQ(doc, (nlohmann::json{{"account", "123456789012"},
                                 {"arn", "arn:aws:sts::123456789012:user/moto"},
                                 {"user_id", "AKIAIOSFODNN7EXAMPLE"},
                                 {"region", "us-east-1"},
                                 {"region_source", "AWS_REGION"},
                                 {"profile", "default"},
                                 {"credential_source", "environment"}}));
}

TEST(CmdWhoami, RefusedCredentialsExitWithFourAndAHint) {
  auto t = make_test_env();
  t->http.respond("GetCallerIdentity", 403,
                  "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>"
                  "<Message>The security token included in the request is invalid.</Message>"
                  "</Error><RequestId>req-9</RequestId></ErrorResponse>");
  EXPECT_EQ(t->run({"whoami"}), 4);
  EXPECT_EQ(t->out.str(), "");
  EXPECT_EQ(t->err.str(),
            "gpubox: error: GetCallerIdentity in us-east-1: InvalidClientTokenId: The security "
            "token included in the request is invalid. [request id req-9]\n");
}

TEST(CmdWhoami, WithoutARegionAsksTheGlobalStsRegionAndSaysNone) {
  auto t = make_test_env({.region = ""});
  t->http.respond("GetCallerIdentity", 200, aws_fixture("sts/get_caller_identity.xml"));
  ASSERT_EQ(t->run({"whoami"}), 0) << t->err.str();
  EXPECT_NE(t->out.str().find("region       none (commands on a box use its region)\n"),
            std::string::npos)
      << t->out.str();
  ASSERT_EQ(t->http.requests().size(), 1u);
  // Signed for STS in us-east-1: the credential scope names the region.
  auto auth = aws::find_header(t->http.requests()[0].headers, "Authorization");
  ASSERT_TRUE(auth);
  EXPECT_NE(auth->find("/us-east-1/sts/aws4_request"), std::string::npos) << *auth;
}

}  // namespace
}  // namespace gpubox::cli
