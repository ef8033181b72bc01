#include "cli/cmd_ls.hpp"

#include <gtest/gtest.h>

#include "box/ec2_replies.hpp"
#include "cli/test_env.hpp"

namespace gpubox::cli {
namespace {

using testing::make_test_env;
namespace replies = gpubox::testing;

TEST(CmdLs, NoBoxesSaysWhereItLookedAndHowToLookEverywhere) {
  auto t = make_test_env();
  t->answer_caller();
  t->http.respond("DescribeInstances", 200, replies::describe_instances_xml({}));
  ASSERT_EQ(t->run({"ls"}), 0) << t->err.str();
  EXPECT_EQ(t->out.str(), "");
  EXPECT_EQ(t->err.str(), "no boxes in us-east-1 (gpubox ls --all-regions looks everywhere)\n");
}

TEST(CmdLs, AnUntrackedTaggedInstanceIsAdoptedAndListed) {
  auto t = make_test_env();
  t->answer_caller();
  replies::FakeInstance i;
  i.id = "i-0abc";
  i.ip = "203.0.113.7";
  i.tags = {{"gpubox:box", "lab"}, {"gpubox:owner", "arn:aws:sts::123456789012:user/moto"}};
  t->http.respond("DescribeInstances", 200, replies::describe_instances_xml({i}));
  LsOptions opts;
  opts.json = true;
  ASSERT_TRUE(run_ls(opts, t->env));
  auto doc = nlohmann::json::parse(t->out.str());
  ASSERT_EQ(doc.size(), 1u);
  EXPECT_EQ(doc[0]["name"], "lab");
  EXPECT_EQ(doc[0]["state"], "running");
  EXPECT_EQ(doc[0]["instance_id"], "i-0abc");
  EXPECT_EQ(t->err.str(), "found lab in us-east-1 (i-0abc), added it to local state\n");
  EXPECT_TRUE(*t->store().find_box("lab"));
}

TEST(CmdLs, AllRegionsFailingIsAnError) {
  auto t = make_test_env();
  t->answer_caller();
  t->http.respond("DescribeRegions", 403, replies::ec2_error_xml("UnauthorizedOperation"));
  EXPECT_EQ(t->run({"ls", "--all-regions"}), 4);
  EXPECT_NE(t->err.str().find("UnauthorizedOperation"), std::string::npos) << t->err.str();
}

}  // namespace
}  // namespace gpubox::cli
