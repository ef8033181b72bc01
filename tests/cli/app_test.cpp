// The conventions every command shares (cli/app.cpp): bare gpubox, usage errors, -q, colour.

#include <gtest/gtest.h>

#include "box/ec2_replies.hpp"
#include "cli/test_env.hpp"

namespace gpubox::cli {
namespace {

using testing::make_test_env;
namespace replies = gpubox::testing;

TEST(App, BareGpuboxPrintsTheHelpAndExitsZero) {
  auto t = make_test_env();
  ASSERT_EQ(t->run({}), 0);
  EXPECT_NE(t->out.str().find("Examples:"), std::string::npos) << t->out.str();
  EXPECT_NE(t->out.str().find("autostop"), std::string::npos) << t->out.str();
  EXPECT_EQ(t->err.str(), "");
}

TEST(App, AUsageErrorPointsToTheCommandsHelp) {
  auto t = make_test_env();
  EXPECT_EQ(t->run({"up", "--no-such-flag"}), 2);
  EXPECT_NE(t->err.str().find("Run 'gpubox up --help' for usage."), std::string::npos)
      << t->err.str();
}

TEST(App, QuietSilencesProgressButNotResults) {
  auto t = make_test_env();
  t->answer_caller();
  replies::FakeInstance i{"i-0abc", "running"};
  i.tags = {{"gpubox:box", "lab"}, {"gpubox:owner", "arn:aws:sts::123456789012:user/moto"}};
  t->http.respond("DescribeInstances", 200, replies::describe_instances_xml({i}));
  t->http.respond("DescribeVolumes", 200, replies::describe_volumes_xml({}, {}));
  ASSERT_EQ(t->run({"-q", "ls"}), 0) << t->err.str();
  EXPECT_EQ(t->err.str(), "");  // no "found lab in us-east-1 ..." line
  EXPECT_NE(t->out.str().find("lab"), std::string::npos);
}

TEST(App, StatesAreColouredOnATerminalOnlyAndNoColorTurnsItOff) {
  auto run_ls = [](bool tty, bool no_color) {
    auto t = make_test_env({.tty = tty});
    t->answer_caller();
    replies::FakeInstance i{"i-0abc", "running"};
    i.tags = {{"gpubox:box", "lab"}, {"gpubox:owner", "arn:aws:sts::123456789012:user/moto"}};
    t->http.respond("DescribeInstances", 200, replies::describe_instances_xml({i}));
    t->http.respond("DescribeVolumes", 200, replies::describe_volumes_xml({}, {}));
    if (no_color) {
      t->vars["NO_COLOR"] = "1";
    }
    EXPECT_EQ(t->run({"ls"}), 0) << t->err.str();
    return t->out.str();
  };
  const std::string coloured = run_ls(true, false);
  EXPECT_NE(coloured.find("\x1b["), std::string::npos) << coloured;
  EXPECT_EQ(run_ls(true, true).find("\x1b["), std::string::npos);
  EXPECT_EQ(run_ls(false, false).find("\x1b["), std::string::npos);
}

}  // namespace
}  // namespace gpubox::cli
