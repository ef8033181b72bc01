#include "cli/cmd_gc.hpp"

#include <gtest/gtest.h>

#include "box/ec2_replies.hpp"
#include "cli/test_env.hpp"

namespace gpubox::cli {
namespace {

using testing::make_test_env;
namespace replies = gpubox::testing;

// One region, and in it a security group tagged for box "old" that the local state does not
// know.
void one_leftover(testing::TestEnv& t) {
  t.http.respond("DescribeRegions", 200,
                 "<DescribeRegionsResponse><regionInfo><item><optInStatus>opt-in-not-required"
                 "</optInStatus><regionName>us-east-1</regionName><regionEndpoint>"
                 "ec2.us-east-1.amazonaws.com</regionEndpoint></item></regionInfo>"
                 "</DescribeRegionsResponse>");
  t.http.respond("DescribeInstances", 200, replies::describe_instances_xml({}));
  t.http.respond(
      "DescribeSecurityGroups", 200,
      replies::describe_groups_xml(
          {{"sg-old",
            "gpubox-old",
            {{"gpubox:box", "old"}, {"gpubox:owner", "arn:aws:sts::123456789012:user/moto"}},
            {}}}));
  t.http.respond("DescribeKeyPairs", 200, replies::describe_keys_xml({}, {}));
  t.http.respond("DescribeVolumes", 200, replies::describe_volumes_xml({}, {}));
  t.http.respond("DescribeSpotInstanceRequests", 200, replies::describe_spot_xml({}));
  t.answer_caller();
}

TEST(CmdGc, WithoutATerminalItListsThenRefusesLikeDown) {
  auto t = make_test_env();
  t->prompter.is_interactive = false;
  one_leftover(*t);
  ASSERT_EQ(t->run({"gc"}), 2) << t->err.str();
  EXPECT_EQ(t->out.str(), "us-east-1\tsecurity-group\tsg-old\told\tgpubox-old\n");
  EXPECT_EQ(t->err.str(),
            "gpubox: error: not removing 1 resources: not asking for confirmation without a "
            "terminal\nhint: pass --yes to remove them\n");
  EXPECT_TRUE(t->prompter.prompts.empty());
  for (const auto& r : t->http.requests()) {
    EXPECT_NE(replies::FakeHttpClient::call_of(r), "DeleteSecurityGroup");
  }
}

TEST(CmdGc, OnATerminalItAsksAndAYesRemoves) {
  auto t = make_test_env();
  one_leftover(*t);
  t->http.respond("DeleteSecurityGroup", 200, replies::return_xml("DeleteSecurityGroup"));
  t->prompter.type("y");
  ASSERT_EQ(t->run({"gc"}), 0) << t->err.str();
  EXPECT_EQ(t->prompter.prompts, (std::vector<std::string>{"Remove these 1 resources? [y/N] "}));
  EXPECT_EQ(t->err.str(), "removed security-group sg-old in us-east-1\n");
  EXPECT_TRUE(t->http.unused().empty());
}

TEST(CmdGc, JsonNeverAsksListsLeftoversAndRefusesWithoutYes) {
  auto t = make_test_env();
  one_leftover(*t);
  EXPECT_FALSE(run_gc(GcOptions{.json = true}, t->env));
  EXPECT_TRUE(t->prompter.prompts.empty());
  auto doc = nlohmann::json::parse(t->out.str());
  EXPECT_EQ(doc, (nlohmann::json{{"leftovers",
                                  {{{"region", "us-east-1"},
                                    {"kind", "security-group"},
                                    {"id", "sg-old"},
                                    {"box", "old"},
                                    {"detail", "gpubox-old"}}}},
                                 {"removed", nlohmann::json::array()}}));
}

TEST(CmdGc, AFailedRemovalIsAnErrorAfterTheOthers) {
  auto t = make_test_env();
  one_leftover(*t);
  for (int i = 0; i < 30; ++i) {
    t->http.respond("DeleteSecurityGroup", 400, replies::ec2_error_xml("DependencyViolation"));
  }
  EXPECT_EQ(t->run({"gc", "--yes"}), 1);
  EXPECT_NE(t->err.str().find("gpubox: warning: could not remove security-group sg-old in "
                              "us-east-1: "),
            std::string::npos)
      << t->err.str();
  EXPECT_NE(t->err.str().find("gpubox: error: 1 resources could not be removed\n"),
            std::string::npos)
      << t->err.str();
}

}  // namespace
}  // namespace gpubox::cli
