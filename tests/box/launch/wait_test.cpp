#include "box/launch/wait.hpp"

#include <gtest/gtest.h>

#include "box/up_fixtures.hpp"
#include "fakes/fake_process_runner.hpp"
#include "fakes/recording_progress.hpp"

namespace gpubox::box {
namespace {

using up_testing::AwsHarness;
using up_testing::instance_xml;

remote::SshTarget target() {
  remote::SshTarget t;
  t.name = "lab";
  t.user = "ubuntu";
  t.host = "127.0.0.1";
  t.port = 2222;
  t.known_hosts = "/tmp/kh";
  return t;
}

TEST(Wait, PollsUntilRunningAndReportsEachStateOnce) {
  AwsHarness h;
  h.http.respond("DescribeInstances", 200,
                 instance_xml("DescribeInstancesResponse", "i-1", "pending", "us-east-1a"));
  h.http.respond("DescribeInstances", 200,
                 instance_xml("DescribeInstancesResponse", "i-1", "pending", "us-east-1a"));
  h.http.respond("DescribeInstances", 200,
                 instance_xml("DescribeInstancesResponse", "i-1", "running", "us-east-1a"));
  testing::RecordingProgress progress;
  auto r = wait_running(*h.client, h.clock, "us-east-1", "i-1", {}, progress);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->public_ip, "54.214.1.2");
  EXPECT_EQ(progress.events, (std::vector<std::string>{"phase: i-1 is pending (600s)", "tick",
                                                       "tick", "say: i-1 is running"}));
  // A short first look, then once a second: a change is seen within about a second.
  EXPECT_EQ(h.clock.sleeps, (std::vector<Duration>{Duration{250}, Duration{1000}}));
}

TEST(Wait, RunningTimesOutThroughTheClock) {
  AwsHarness h;
  for (int i = 0; i < 4; ++i) {
    h.http.respond("DescribeInstances", 200,
                   instance_xml("DescribeInstancesResponse", "i-1", "pending", "us-east-1a"));
  }
  WaitPolicy wait;
  wait.first_poll = std::chrono::seconds(10);
  wait.poll = std::chrono::seconds(10);
  wait.state_timeout = std::chrono::seconds(30);
  auto r = wait_running(*h.client, h.clock, "us-east-1", "i-1", wait, null_progress());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not running"), std::string::npos);
}

TEST(Wait, SshIsRetriedUntilItAnswersThenTheStatusFileIsChecked) {
  testing::FakeClock clock;
  testing::FakeProcessRunner runner;
  auto is_ssh_with = [](std::string last) {
    return [last](const std::vector<std::string>& argv) {
      return argv.at(0) == "ssh" && argv.back() == last;
    };
  };
  runner.expect_if(is_ssh_with("true"), "ssh true (refused)", {255, "", "refused"}, 2);
  runner.expect_if(is_ssh_with("true"), "ssh true", {0, "", ""});
  runner.expect_if(is_ssh_with(ready_check_command()), "status file", {1, "", ""});
  runner.expect_if(is_ssh_with(ready_check_command()), "status file", {0, "", ""});
  testing::RecordingProgress progress;
  ASSERT_TRUE(wait_ssh(runner, clock, target(), {}, progress));
  EXPECT_EQ(progress.ticks(), 2u);  // one per refused try
  ASSERT_TRUE(wait_ready(runner, clock, target(), {}, progress));
  EXPECT_EQ(progress.ticks(), 3u);
  EXPECT_EQ(runner.calls.size(), 5u);
  EXPECT_EQ(clock.sleeps.size(), 3u);
  EXPECT_NE(ready_check_command().find("run/bootstrap.json"), std::string::npos);
}

TEST(Wait, ABootstrapThatFailedEndsTheWaitWithItsErrorAndLog) {
  testing::FakeClock clock;
  testing::FakeProcessRunner runner;
  auto is_ready_check = [](const std::vector<std::string>& argv) {
    return argv.at(0) == "ssh" && argv.back() == ready_check_command();
  };
  runner.expect_if(is_ready_check, "not yet", {1, "", ""});
  runner.expect_if(is_ready_check, "failed",
                   {k_bootstrap_failed_exit,
                    "{\"ok\": false, \"jupyter\": null, \"error\": \"pip install notebook "
                    "failed (exit 1)\"}\nT1 start\nT2 error: pip install notebook failed\n",
                    ""});
  auto r = wait_ready(runner, clock, target(), {}, null_progress());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::remote);
  EXPECT_NE(r.error().message.find("Jupyter did not start on lab: pip install notebook failed"),
            std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("T2 error: pip install notebook failed"), std::string::npos);
  EXPECT_NE(r.error().hint.find("gpubox down lab"), std::string::npos);
  EXPECT_EQ(runner.calls.size(), 2u);  // no more waiting once it failed
}

}  // namespace
}  // namespace gpubox::box
