// `gpubox ssh`, `check` and `notebook`: the commands that reach a box over ssh.

#include <gtest/gtest.h>

#include "box/ec2_replies.hpp"
#include "cli/cmd_check.hpp"
#include "cli/cmd_notebook.hpp"
#include "cli/cmd_ssh.hpp"
#include "cli/test_env.hpp"

namespace gpubox::cli {
namespace {

using testing::byo_box;
using testing::make_test_env;
namespace replies = gpubox::testing;

state::Box aws_box() {
  state::Box b;
  b.name = "lab";
  b.kind = state::BoxKind::aws;
  b.region = "us-east-1";
  b.instance_id = "i-1";
  b.state = "running";
  b.public_ip = "54.214.1.2";
  b.ssh_host = "54.214.1.2";
  b.ssh_user = "ubuntu";
  return b;
}

TEST(CmdSsh, AnUnknownBoxIsLookedForInEveryRegionThenNotFound) {
  auto t = make_test_env();
  t->answer_no_box_anywhere();
  EXPECT_EQ(t->run({"ssh", "ghost"}), 1);
  EXPECT_EQ(t->err.str(),
            "ghost is not in local state; looking in 1 regions\n"
            "gpubox: error: no box named ghost (looked in local state and 1 region)\n"
            "hint: `gpubox ls` lists your boxes\n");
  EXPECT_TRUE(t->runner.calls.empty());
}

TEST(CmdSsh, NeverConnectsToAnAddressALocalStandInInvented) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(aws_box()));
  replies::FakeInstance i;
  i.id = "i-1";
  i.ip = "54.214.1.2";
  i.tags = {{"gpubox:box", "lab"}};
  t->http.respond("DescribeInstances", 200, replies::describe_instances_xml({i}));
  SshOptions opts;
  opts.name = "lab";
  auto r = run_ssh(opts, t->env);
  ASSERT_FALSE(r);
  EXPECT_EQ(
      r.error().message,
      "box lab lives on a local AWS stand-in (the EC2 endpoint is not an AWS domain); its address "
      "54.214.1.2 is invented and is never connected to");
  EXPECT_TRUE(t->runner.calls.empty());
}

// Expect the upload of the onbox files, then check.py over ssh answering `result`.
void expect_check_run(gpubox::testing::FakeProcessRunner& runner, ProcessResult result) {
  runner.expect_if(
      [](const auto& a) { return a.at(0) == "ssh" && a.back().find("tar ") != std::string::npos; },
      "upload", {0, "", ""});
  runner.expect_if(
      [](const auto& a) { return a.at(0) == "ssh" && a.back().find("check") != std::string::npos; },
      "check.py", std::move(result));
}

TEST(CmdCheck, NeedsABoxOrLocalButNotBoth) {
  auto t = make_test_env();
  EXPECT_EQ(t->run({"check"}), 2);
  EXPECT_EQ(t->err.str(), "gpubox: error: give a box name or --local, not both nor neither\n");
  t->err.str("");
  EXPECT_EQ(t->run({"check", "lab", "--local"}), 2);
  EXPECT_EQ(t->err.str(), "gpubox: error: give a box name or --local, not both nor neither\n");
}

TEST(CmdCheck, PassesTheReportThroughAndAFailExitsOne) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(byo_box()));
  expect_check_run(t->runner, {1, "FAIL gpu: no NVIDIA GPU\n", "warning from check.py\n"});
  CheckCliOptions opts;
  opts.name = "lab";
  ASSERT_TRUE(run_check(opts, t->env));
  EXPECT_EQ(t->env.exit_code, 1);
  EXPECT_EQ(t->out.str(), "FAIL gpu: no NVIDIA GPU\n");
  EXPECT_EQ(t->err.str(),
            "running the checks on lab (the IMDB run takes minutes)\nwarning from check.py\n");
}

TEST(CmdCheck, EachStageOfCheckPyIsAProgressLineAndNotPartOfItsStderr) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(byo_box()));
  expect_check_run(t->runner,
                   {0, "PASS imdb\n",
                    "gpubox-progress: reading the GPUs (nvidia-smi)\nwarning from check.py\n"
                    "gpubox-progress: training the IMDB model\n"});
  EXPECT_EQ(t->run({"check", "lab"}), 0);
  EXPECT_EQ(t->out.str(), "PASS imdb\n");
  EXPECT_EQ(t->err.str(),
            "running the checks on lab (the IMDB run takes minutes)\n"
            "reading the GPUs (nvidia-smi)\ntraining the IMDB model\nwarning from check.py\n");
  auto q = make_test_env();  // a fresh Env: its progress sink is made once, with the flags
  ASSERT_TRUE(q->store().insert_box(byo_box()));
  expect_check_run(q->runner, {0, "PASS imdb\n", "gpubox-progress: training the IMDB model\n"});
  EXPECT_EQ(q->run({"-q", "check", "lab"}), 0);
  EXPECT_EQ(q->err.str(), "");  // -q: no stages, and never the raw protocol lines
}

TEST(CmdCheck, ChecksThatDidNotRunAreAnError) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(byo_box()));
  t->runner.expect_if(
      [](const auto& a) { return a.at(0) == "ssh" && a.back().find("tar ") != std::string::npos; },
      "upload", {0, "", ""});
  t->runner.expect_if([](const auto& a) { return a.at(0) == "ssh"; }, "check.py",
                      {127, "", "python3: not found\n"});
  EXPECT_EQ(t->run({"check", "lab"}), 1);
  EXPECT_NE(t->err.str().find("gpubox: error: the checks did not run (exit 127)\n"),
            std::string::npos)
      << t->err.str();
}

TEST(CmdNotebook, AnUnknownBoxIsAnError) {
  auto t = make_test_env();
  t->answer_no_box_anywhere();
  EXPECT_EQ(t->run({"notebook", "ghost"}), 1);
  EXPECT_NE(t->err.str().find("no box named ghost"), std::string::npos) << t->err.str();
  EXPECT_TRUE(t->runner.calls.empty());
}

TEST(CmdNotebook, NeverTunnelsToAnAddressALocalStandInInvented) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(aws_box()));
  NotebookOptions opts;
  opts.name = "lab";
  auto r = run_notebook(opts, t->env);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("is invented and is never connected to"), std::string::npos)
      << r.error().message;
  EXPECT_TRUE(t->runner.calls.empty());
}

}  // namespace
}  // namespace gpubox::cli
