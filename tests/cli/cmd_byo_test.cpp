// `gpubox add`, `status` and `rm` on a bring-your-own machine, over a fake ssh.

#include <gtest/gtest.h>

#include "cli/cmd_add.hpp"
#include "cli/cmd_rm.hpp"
#include "cli/cmd_status.hpp"
#include "cli/test_env.hpp"

namespace gpubox::cli {
namespace {

using testing::make_test_env;

// The ssh calls of `add`: upload of the on-box files, then the bootstrap.
void expect_add(testing::TestEnv& t) {
  t.runner.expect_if(
      [](const auto& a) {
        return a.at(0) == "ssh" && a.back().find("tar --no-same") != std::string::npos;
      },
      "upload", {0, "", ""});
  t.runner.expect_if(
      [](const auto& a) {
        return a.at(0) == "ssh" && a.back().find("bootstrap") != std::string::npos;
      },
      "bootstrap", {0, "", ""});
}

TEST(CmdAdd, BootstrapsTheMachineAndSaysWhatToDoNext) {
  auto t = make_test_env();
  expect_add(*t);
  ASSERT_EQ(t->run({"add", "lab", "ssh://me@10.0.0.5:2222"}), 0) << t->err.str();
  EXPECT_EQ(t->out.str(),
            "added lab (me@10.0.0.5:2222); Jupyter runs on a private Unix socket there\n"
            "next: gpubox notebook lab   |   gpubox check lab\n");
  auto b = t->store().get_box("lab");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->kind, state::BoxKind::byo);
}

TEST(CmdAdd, JsonDescribesTheMachine) {
  auto t = make_test_env();
  expect_add(*t);
  AddOptions opts;
  opts.name = "lab";
  opts.urls = {"ssh://me@10.0.0.5"};
  opts.json = true;
  ASSERT_TRUE(run_add(opts, t->env));
  auto doc = nlohmann::json::parse(t->out.str());
  EXPECT_EQ(doc["name"], "lab");
  EXPECT_EQ(doc["kind"], "byo");
  EXPECT_EQ(doc["ssh"], "me@10.0.0.5:22");
}

TEST(CmdAdd, SeveralUrlsMakeOneClusterWhoseNodesFollowTheirOrder) {
  auto t = make_test_env();
  t->runner.expect_if([](const auto& a) { return a.at(0) == "ssh"; }, "upload and bootstrap",
                      {0, "", ""}, 4);
  ASSERT_EQ(t->run({"add", "duo", "ssh://me@10.0.0.5", "ssh://me@10.0.0.6:2222"}), 0)
      << t->err.str();
  EXPECT_NE(t->out.str().find("added cluster duo (2 nodes):\n  duo:0  me@10.0.0.5:22\n"
                              "  duo:1  me@10.0.0.6:2222\n"),
            std::string::npos)
      << t->out.str();
  auto nodes = t->store().list_members("duo").value();
  ASSERT_EQ(nodes.size(), 2U);
  EXPECT_EQ(nodes[1].ssh_host, "10.0.0.6");
  EXPECT_FALSE(t->store().find_box("duo").value());  // the cluster is its nodes
}

TEST(CmdRm, ForgetsEveryNodeOfACluster) {
  auto t = make_test_env();
  for (int k = 0; k < 2; ++k) {
    state::Box b = testing::byo_box();
    b.name = "duo." + std::to_string(k);
    b.cluster = "duo";
    b.node_index = k;
    ASSERT_TRUE(t->store().insert_box(b));
  }
  ASSERT_EQ(t->run({"rm", "duo", "--keep-services"}), 0) << t->err.str();
  EXPECT_EQ(t->out.str(), "forgot duo.0\nforgot duo.1\n");
  EXPECT_TRUE(t->store().list_boxes().value().empty());
}

TEST(CmdAdd, ABadUrlIsInvalidInputAndNothingIsStored) {
  auto t = make_test_env();
  EXPECT_EQ(t->run({"add", "lab", "http://10.0.0.5"}), 2);
  EXPECT_NE(t->err.str().find("hint: write it as ssh://user@host or ssh://user@host:port"),
            std::string::npos)
      << t->err.str();
  EXPECT_FALSE(*t->store().find_box("lab"));
  EXPECT_TRUE(t->runner.calls.empty());
}

TEST(CmdStatus, AStoppedAwsBoxIsReportedWithoutSsh) {
  auto t = make_test_env();
  state::Box b;
  b.name = "lab";
  b.kind = state::BoxKind::aws;
  b.state = "stopped";
  ASSERT_TRUE(t->store().insert_box(b));
  ASSERT_EQ(t->run({"status", "lab"}), 0);
  EXPECT_EQ(t->out.str(), "lab: stopped\n");
  StatusOptions opts;
  opts.name = "lab";
  opts.json = true;
  t->out.str("");
  ASSERT_TRUE(run_status(opts, t->env));
  EXPECT_EQ(nlohmann::json::parse(t->out.str()),
            (nlohmann::json{{"name", "lab"}, {"state", "stopped"}, {"summary", "stopped"}}));
  EXPECT_TRUE(t->runner.calls.empty());
}

TEST(CmdStatus, AnUnknownBoxIsAnError) {
  auto t = make_test_env();
  t->answer_no_box_anywhere();
  EXPECT_EQ(t->run({"status", "ghost"}), 1);
  EXPECT_NE(t->err.str().find("no box named ghost"), std::string::npos) << t->err.str();
}

TEST(CmdRm, ForgetsTheMachineAndKeepsItsServicesWhenAsked) {
  auto t = make_test_env();
  expect_add(*t);
  ASSERT_EQ(t->run({"add", "lab", "ssh://me@10.0.0.5"}), 0) << t->err.str();
  t->out.str("");
  ASSERT_EQ(t->run({"rm", "lab", "--keep-services"}), 0) << t->err.str();
  EXPECT_EQ(t->out.str(), "forgot lab\n");
  EXPECT_FALSE(*t->store().find_box("lab"));
}

TEST(CmdRm, AnUnknownMachineIsAnError) {
  auto t = make_test_env();
  EXPECT_EQ(t->run({"rm", "ghost"}), 1);
  EXPECT_NE(t->err.str().find("ghost"), std::string::npos) << t->err.str();
}

}  // namespace
}  // namespace gpubox::cli
