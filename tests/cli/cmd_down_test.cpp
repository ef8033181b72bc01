#include "cli/cmd_down.hpp"

#include <gtest/gtest.h>

#include "box/ec2_replies.hpp"
#include "cli/test_env.hpp"

namespace gpubox::cli {
namespace {

using testing::make_test_env;
namespace replies = gpubox::testing;

// What AWS answers for a box that no longer exists anywhere.
void nothing_left(testing::TestEnv& t) {
  t.http.respond("DescribeInstances", 200, replies::describe_instances_xml({}));
  t.http.respond("DescribeSecurityGroups", 200, replies::describe_groups_xml({}));
  t.http.respond("DescribeKeyPairs", 200, replies::describe_keys_xml({}, {}));
  t.http.respond("DescribeVolumes", 200, replies::describe_volumes_xml({}, {}));
  t.http.respond("DescribeSpotInstanceRequests", 200, replies::describe_spot_xml({}));
  t.caller_is_the_fixture_user();
}

TEST(CmdDown, WithoutATerminalItRefusesToGuessAndDeletesNothing) {
  auto t = make_test_env();
  t->prompter.is_interactive = false;
  EXPECT_EQ(t->run({"down", "lab"}), 2);
  EXPECT_EQ(t->err.str(),
            "gpubox: error: not asking for confirmation: stdin is not a terminal\n"
            "hint: pass --yes to delete without asking\n");
  EXPECT_TRUE(t->http.requests().empty());
}

TEST(CmdDown, AskOnceAndANoDeletesNothing) {
  auto t = make_test_env();
  t->prompter.type("n");
  EXPECT_EQ(t->run({"down", "lab"}), 2);
  EXPECT_EQ(t->prompter.prompts,
            (std::vector<std::string>{"Terminate box lab (in us-east-1) and delete its disk, "
                                      "security group and key? [y/N] "}));
  EXPECT_EQ(t->err.str(), "gpubox: error: not confirmed; nothing was deleted\n");
  EXPECT_TRUE(t->http.requests().empty());
}

TEST(CmdDown, AYesOnTheTerminalGoesAheadAndReportsABoxAlreadyGone) {
  auto t = make_test_env();
  t->prompter.type("y");
  nothing_left(*t);
  EXPECT_EQ(t->run({"down", "lab"}), 0) << t->err.str();
  EXPECT_EQ(t->out.str(), "lab is already gone; nothing tagged for it is left in us-east-1\n");
  EXPECT_TRUE(t->http.unused().empty());
}

TEST(CmdDown, YesSkipsTheQuestion) {
  auto t = make_test_env();
  t->prompter.is_interactive = false;
  nothing_left(*t);
  box::DownOptions opts;
  opts.name = "lab";
  opts.confirmed = true;
  ASSERT_TRUE(run_down(opts, t->env));
  EXPECT_TRUE(t->prompter.prompts.empty());
  EXPECT_EQ(t->out.str(), "lab is already gone; nothing tagged for it is left in us-east-1\n");
}

TEST(CmdDown, TheNameIsRequired) {
  auto t = make_test_env();
  EXPECT_EQ(t->run({"down", "--yes"}), 2);
  EXPECT_NE(t->err.str().find("name is required"), std::string::npos) << t->err.str();
}

}  // namespace
}  // namespace gpubox::cli
