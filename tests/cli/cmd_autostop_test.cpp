// `gpubox autostop`: the settings of a stored box, and the one duration syntax.

#include "cli/cmd_autostop.hpp"

#include <gtest/gtest.h>

#include "cli/test_env.hpp"

namespace gpubox::cli {
namespace {

using testing::make_test_env;

state::Box lab(std::string state) {
  state::Box b;
  b.name = "lab";
  b.region = "us-east-1";
  b.instance_id = "i-1";
  b.state = std::move(state);
  b.public_ip = "203.0.113.5";
  b.ssh_host = "203.0.113.5";
  b.ssh_user = "ubuntu";
  b.idle_minutes = 30;
  b.max_hours = 8;
  return b;
}

TEST(CmdAutostop, WithoutOptionsItPrintsTheSettings) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(lab("running")));
  ASSERT_EQ(t->run({"autostop", "lab"}), 0) << t->err.str();
  EXPECT_EQ(t->out.str(), "lab: auto-stop idle 30m, max 8h\n");
  t->out.str("");
  AutostopOptions opts;
  opts.name = "lab";
  opts.json = true;
  ASSERT_TRUE(run_autostop(opts, t->env));
  auto doc = nlohmann::json::parse(t->out.str());
  EXPECT_EQ(doc["idle_minutes"], 30);
  EXPECT_EQ(doc["max_hours"], 8.0);
  EXPECT_TRUE(t->http.requests().empty());
  EXPECT_TRUE(t->runner.calls.empty());
}

TEST(CmdAutostop, IdleZeroIsRefusedWithTheWordForOff) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(lab("running")));
  EXPECT_EQ(t->run({"autostop", "lab", "--idle", "0"}), 2);
  EXPECT_NE(t->err.str().find("--idle off"), std::string::npos) << t->err.str();
  EXPECT_TRUE(t->runner.calls.empty());
  EXPECT_EQ(t->store().get_box("lab")->idle_minutes, 30);
}

TEST(CmdAutostop, AStoppedBoxIsRefusedWithWhatToDo) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(lab("stopped")));
  EXPECT_EQ(t->run({"autostop", "lab", "--idle", "1h"}), 2);
  EXPECT_NE(t->err.str().find("gpubox start lab"), std::string::npos) << t->err.str();
  EXPECT_TRUE(t->runner.calls.empty());
  EXPECT_EQ(t->store().get_box("lab")->idle_minutes, 30);
}

}  // namespace
}  // namespace gpubox::cli
