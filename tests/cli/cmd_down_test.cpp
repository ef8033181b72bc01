#include "cli/cmd_down.hpp"

#include <gtest/gtest.h>

#include "box/ec2_replies.hpp"
#include "cli/test_env.hpp"

namespace gpubox::cli {
namespace {

using testing::make_test_env;
namespace replies = gpubox::testing;

constexpr const char* k_one_region =
    "<DescribeRegionsResponse><regionInfo><item><optInStatus>opt-in-not-required"
    "</optInStatus><regionName>us-east-1</regionName><regionEndpoint>"
    "ec2.us-east-1.amazonaws.com</regionEndpoint></item></regionInfo>"
    "</DescribeRegionsResponse>";

state::Box box_named(const std::string& name, const std::string& id) {
  state::Box b;
  b.name = name;
  b.region = "us-east-1";
  b.zone = "us-east-1a";
  b.instance_id = id;
  b.instance_type = "g4dn.xlarge";
  b.state = "running";
  return b;
}

// What AWS answers for a box that no longer exists.
void nothing_left(testing::TestEnv& t) {
  t.answer_caller();
  t.http.respond("DescribeInstances", 200, replies::describe_instances_xml({}));
  t.http.respond("DescribeInstances", 200, replies::describe_instances_xml({}));
  t.http.respond("DescribeSpotInstanceRequests", 200, replies::describe_spot_xml({}));
  t.http.respond("DescribeSecurityGroups", 200, replies::describe_groups_xml({}));
  t.http.respond("DescribeKeyPairs", 200, replies::describe_keys_xml({}, {}));
  t.http.respond("DescribeVolumes", 200, replies::describe_volumes_xml({}, {}));
}

TEST(CmdDown, WithoutATerminalItRefusesToGuessAndDeletesNothing) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(box_named("lab", "i-1")));
  t->prompter.is_interactive = false;
  EXPECT_EQ(t->run({"down", "lab"}), 2);
  EXPECT_EQ(t->err.str(),
            "gpubox: error: not asking for confirmation: stdin is not a terminal\n"
            "hint: pass --yes to delete without asking\n");
  EXPECT_TRUE(t->http.requests().empty());
}

TEST(CmdDown, AskOnceWithTheBoxAndANoDeletesNothing) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(box_named("lab", "i-1")));
  t->prompter.type("n");
  EXPECT_EQ(t->run({"down", "lab"}), 2);
  EXPECT_EQ(t->prompter.prompts,
            (std::vector<std::string>{"This terminates the box and deletes its disk, security "
                                      "group and key:\n  lab (i-1 in us-east-1)\nRemove it? "
                                      "[y/N] "}));
  EXPECT_EQ(t->err.str(),
            "gpubox: error: not confirmed; nothing was deleted\n"
            "hint: pass --yes to delete without asking\n");
  EXPECT_TRUE(t->http.requests().empty());
}

TEST(CmdDown, SeveralBoxesAreConfirmedWithTheFullList) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(box_named("a", "i-a")));
  ASSERT_TRUE(t->store().insert_box(box_named("b", "i-b")));
  t->prompter.type("n");
  EXPECT_EQ(t->run({"down", "--all"}), 2);
  ASSERT_EQ(t->prompter.prompts.size(), 1u);
  EXPECT_EQ(t->prompter.prompts[0],
            "This terminates these 2 boxes and deletes their disks, security groups and keys:\n"
            "  a (i-a in us-east-1)\n  b (i-b in us-east-1)\nRemove them? [y/N] ");
  EXPECT_TRUE(t->http.requests().empty());
}

TEST(CmdDown, AYesOnTheTerminalGoesAheadAndForgetsTheBox) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(box_named("lab", "i-1")));
  t->prompter.type("y");
  nothing_left(*t);
  EXPECT_EQ(t->run({"down", "lab"}), 0) << t->err.str();
  EXPECT_EQ(t->out.str(), "lab is gone (us-east-1)\n");
  EXPECT_TRUE(t->http.unused().empty());
  EXPECT_FALSE(*t->store().find_box("lab"));
}

TEST(CmdDown, YesSkipsTheQuestionAndJsonIsOneArray) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(box_named("lab", "i-1")));
  t->prompter.is_interactive = false;
  nothing_left(*t);
  DownOptions opts;
  opts.names = {"lab"};
  opts.confirmed = true;
  opts.json = true;
  ASSERT_TRUE(run_down(opts, t->env));
  EXPECT_TRUE(t->prompter.prompts.empty());
  auto doc = nlohmann::json::parse(t->out.str());
  ASSERT_TRUE(doc.is_array());
  ASSERT_EQ(doc.size(), 1u);
  EXPECT_EQ(doc[0]["name"], "lab");
  EXPECT_EQ(doc[0]["region"], "us-east-1");
  EXPECT_EQ(doc[0]["terminated"], nlohmann::json::array());
  EXPECT_EQ(t->out.str().find('\n'), t->out.str().size() - 1) << "one compact line";
}

TEST(CmdDown, ANameNoRegionKnowsIsAnErrorWithTheNearestNames) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(box_named("lab", "i-1")));
  t->answer_caller();
  t->http.respond("DescribeRegions", 200, k_one_region);
  replies::FakeInstance i{"i-1", "running"};
  i.tags = {{"gpubox:box", "lab"}};
  t->http.respond("DescribeInstances", 200, replies::describe_instances_xml({i}));
  EXPECT_EQ(t->run({"down", "lba", "--yes"}), 1);
  EXPECT_NE(t->err.str().find("no box named lba"), std::string::npos) << t->err.str();
  EXPECT_NE(t->err.str().find("did you mean lab?"), std::string::npos) << t->err.str();
  for (const auto& r : t->http.requests()) {
    EXPECT_NE(replies::FakeHttpClient::call_of(r), "TerminateInstances");
  }
}

TEST(CmdDown, ABoxOrAllIsRequired) {
  auto t = make_test_env();
  EXPECT_EQ(t->run({"down", "--yes"}), 2);
  EXPECT_NE(t->err.str().find("which box?"), std::string::npos) << t->err.str();
}

}  // namespace
}  // namespace gpubox::cli
