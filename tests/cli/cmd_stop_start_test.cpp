// `gpubox stop` and `gpubox start` on an AWS box of the local state.

#include <gtest/gtest.h>

#include "box/ec2_replies.hpp"
#include "cli/cmd_start.hpp"
#include "cli/cmd_stop.hpp"
#include "cli/test_env.hpp"
#include "core/paths.hpp"

namespace gpubox::cli {
namespace {

using testing::make_test_env;
namespace replies = gpubox::testing;

state::Box lab() {
  state::Box b;
  b.name = "lab";
  b.region = "us-east-1";
  b.zone = "us-east-1a";
  b.instance_id = "i-1";
  b.instance_type = "g4dn.xlarge";
  b.state = "running";
  b.public_ip = "203.0.113.5";
  b.ssh_host = "203.0.113.5";
  b.ssh_user = "ubuntu";
  b.security_group_id = "sg-1";
  b.allow_from = "198.51.100.1/32";
  b.price_per_hour_usd = 0.526;
  return b;
}

replies::FakeInstance inst(std::string state, std::string ip = "") {
  replies::FakeInstance i;
  i.id = "i-1";
  i.state = std::move(state);
  i.ip = std::move(ip);
  i.tags = {{"gpubox:box", "lab"}, {"gpubox:owner", "arn:aws:sts::123456789012:user/moto"}};
  i.group_id = "sg-1";
  i.volume_id = "vol-1";
  return i;
}

TEST(CmdStop, StopsWaitsAndSaysWhatTheDiskStillCosts) {
  auto t = make_test_env();
  t->answer_caller();
  ASSERT_TRUE(t->store().insert_box(lab()));
  t->http.respond("DescribeInstances", 200, replies::describe_instances_xml({inst("running")}));
  t->http.respond("StopInstances", 200,
                  replies::state_change_xml("StopInstances", "i-1", "stopping"));
  t->http.respond("DescribeInstances", 200, replies::describe_instances_xml({inst("stopped")}));
  t->http.respond("DescribeVolumes", 200,
                  replies::describe_volumes_xml({{"vol-1", 100, "in-use"}}, {}));
  ASSERT_EQ(t->run({"stop", "lab"}), 0) << t->err.str();
  EXPECT_EQ(t->out.str(),
            "lab stopped (i-1)\n"
            "its 100 GiB disk is still billed: about $8.00/month until `gpubox down lab`\n");
  EXPECT_EQ(t->err.str(), "stopping lab (i-1) in us-east-1\n");
  EXPECT_EQ(t->store().get_box("lab")->state, "stopped");
}

TEST(CmdStop, AnUnknownBoxIsNotFound) {
  auto t = make_test_env();
  t->answer_no_box_anywhere();
  EXPECT_EQ(t->run({"stop", "ghost"}), 1);
  EXPECT_NE(t->err.str().find("gpubox: error: "), std::string::npos);
  EXPECT_NE(t->err.str().find("no box named ghost"), std::string::npos) << t->err.str();
}

TEST(CmdStart, StartsInPlaceAndReportsTheNewAddress) {
  auto t = make_test_env();
  t->answer_caller();
  t->vars["GPUBOX_CALLER_IP"] = "198.51.100.1";
  auto b = lab();
  b.state = "stopped";
  ASSERT_TRUE(t->store().insert_box(b));
  t->http.respond("DescribeInstances", 200, replies::describe_instances_xml({inst("stopped")}));
  t->http.respond("StartInstances", 200,
                  replies::state_change_xml("StartInstances", "i-1", "pending"));
  t->http.respond("DescribeInstances", 200,
                  replies::describe_instances_xml({inst("running", "192.0.2.44")}));
  StartOptions opts;
  opts.name = "lab";
  ASSERT_TRUE(run_start(opts, t->env));
  EXPECT_EQ(t->out.str(), "lab running (i-1) at 192.0.2.44\n");
  EXPECT_EQ(t->err.str(),
            "starting lab (i-1) in us-east-1a\n"
            "its address changed from 203.0.113.5; the SSH config is updated\n");
  auto config = read_file(t->data_dir() / "ssh_config");
  ASSERT_TRUE(config);
  // The endpoint is a loopback stand-in, so the rewritten config never names the address it
  // invented (issue 10 §9); only the old one is gone.
  EXPECT_EQ(config->find("192.0.2.44"), std::string::npos) << *config;
  EXPECT_EQ(config->find("203.0.113.5"), std::string::npos) << *config;
}

TEST(CmdStart, WithoutCapacityItFailsAndNeverRelaunches) {
  auto t = make_test_env();
  t->answer_caller();
  t->vars["GPUBOX_CALLER_IP"] = "198.51.100.1";
  auto b = lab();
  b.state = "stopped";
  ASSERT_TRUE(t->store().insert_box(b));
  t->http.respond("DescribeInstances", 200, replies::describe_instances_xml({inst("stopped")}));
  t->http.respond("StartInstances", 500, replies::ec2_error_xml("InsufficientInstanceCapacity"));
  EXPECT_EQ(t->run({"start", "lab"}), 1);
  EXPECT_NE(t->err.str().find("never launches a replacement elsewhere"), std::string::npos)
      << t->err.str();
  for (const auto& r : t->http.requests()) {
    EXPECT_NE(replies::FakeHttpClient::call_of(r), "RunInstances");
  }
}

}  // namespace
}  // namespace gpubox::cli
