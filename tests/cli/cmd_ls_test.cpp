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
  t->http.respond("DescribeVolumes", 200, replies::describe_volumes_xml({}, {}));
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
  t->http.respond("DescribeVolumes", 200, replies::describe_volumes_xml({}, {}));
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

TEST(CmdLs, ANamedVolumeShowsOnItsBoxAndAnUnusedOneOnStderr) {
  auto t = make_test_env();
  t->answer_caller();
  replies::FakeInstance i;
  i.id = "i-0abc";
  i.ip = "203.0.113.7";
  i.tags = {{"gpubox:box", "lab"}, {"gpubox:owner", "arn:aws:sts::123456789012:user/moto"}};
  t->http.respond("DescribeInstances", 200, replies::describe_instances_xml({i}));
  const std::string owner =
      "<item><key>gpubox:owner</key><value>arn:aws:sts::123456789012:user/"
      "moto</value></item>";
  auto vol = [&](const std::string& id, const std::string& name, const std::string& on) {
    std::string attachment =
        on.empty() ? ""
                   : "<attachmentSet><item><instanceId>" + on +
                         "</instanceId><status>attached</status></item></attachmentSet>";
    return "<item><volumeId>" + id +
           "</volumeId><size>100</size><volumeType>gp3</volumeType>"
           "<status>in-use</status><availabilityZone>us-east-1a</availabilityZone>" +
           attachment + "<tagSet><item><key>gpubox:volume</key><value>" + name + "</value></item>" +
           owner + "</tagSet></item>";
  };
  t->http.respond("DescribeVolumes", 200,
                  "<DescribeVolumesResponse><volumeSet>" + vol("vol-1", "data", "i-0abc") +
                      vol("vol-2", "old", "") + "</volumeSet></DescribeVolumesResponse>");
  t->http.respond("DescribeInstances", 200, replies::describe_instances_xml({i}));
  ASSERT_EQ(t->run({"ls", "--json"}), 0) << t->err.str();
  auto doc = nlohmann::json::parse(t->out.str());
  ASSERT_EQ(doc.size(), 1u);
  EXPECT_EQ(
      doc[0]["volume"],
      (nlohmann::json{
          {"name", "data"}, {"volume_id", "vol-1"}, {"size_gib", 100}, {"usd_per_month", 8.0}}));
  EXPECT_NE(t->err.str().find("volume old (100 GiB in us-east-1a, no box) costs $8.00/month"),
            std::string::npos)
      << t->err.str();
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
