#include "cli/cmd_volumes.hpp"

#include <gtest/gtest.h>

#include "box/ec2_replies.hpp"
#include "cli/test_env.hpp"

namespace gpubox::cli {
namespace {

using testing::make_test_env;
namespace replies = gpubox::testing;

constexpr const char* k_owner = "arn:aws:sts::123456789012:user/moto";

std::string volumes_xml(const std::string& attached_to) {
  std::string attachment;
  if (!attached_to.empty()) {
    attachment = "<attachmentSet><item><volumeId>vol-1</volumeId><instanceId>" + attached_to +
                 "</instanceId><device>/dev/sdf</device><status>attached</status></item>"
                 "</attachmentSet>";
  }
  return std::string(
             "<DescribeVolumesResponse><volumeSet><item><volumeId>vol-1</volumeId>"
             "<size>200</size><volumeType>gp3</volumeType><status>") +
         (attached_to.empty() ? "available" : "in-use") +
         "</status><availabilityZone>us-east-1c</availabilityZone><encrypted>true</encrypted>" +
         attachment + replies::tag_set({{"gpubox:volume", "data"}, {"gpubox:owner", k_owner}}) +
         "</item></volumeSet></DescribeVolumesResponse>";
}

TEST(CmdVolumes, ListsNameSizeZoneBoxAndMonthlyCost) {
  auto t = make_test_env();
  t->answer_caller();
  t->http.respond("DescribeVolumes", 200, volumes_xml("i-1"));
  replies::FakeInstance i;
  i.id = "i-1";
  i.tags = {{"gpubox:box", "lab"}};
  t->http.respond("DescribeInstances", 200, replies::describe_instances_xml({i}));
  ASSERT_EQ(t->run({"volumes"}), 0) << t->err.str();
  EXPECT_EQ(t->out.str(),
            "data\t200 GiB\tus-east-1c\tlab\tin-use\t16.00\tvol-1\n"
            "total\t\t\t\t\t16.00\t\n");
}

TEST(CmdVolumes, JsonHasOneDocument) {
  auto t = make_test_env();
  t->answer_caller();
  t->http.respond("DescribeVolumes", 200, volumes_xml(""));
  ASSERT_EQ(t->run({"volumes", "--json"}), 0) << t->err.str();
  auto doc = nlohmann::json::parse(t->out.str());
  EXPECT_EQ(doc["total_usd_per_month"], 16.0);
  ASSERT_EQ(doc["volumes"].size(), 1u);
  EXPECT_EQ(doc["volumes"][0]["name"], "data");
  EXPECT_EQ(doc["volumes"][0]["box"], nullptr);
  EXPECT_EQ(doc["volumes"][0]["encrypted"], true);
}

TEST(CmdVolumes, RmWithoutATerminalRefusesAndDeletesNothing) {
  auto t = make_test_env();
  t->prompter.is_interactive = false;
  EXPECT_EQ(t->run({"volumes", "rm", "data"}), 2);
  EXPECT_NE(t->err.str().find("hint: pass --yes to delete without asking"), std::string::npos)
      << t->err.str();
  for (const auto& r : t->http.requests()) {
    EXPECT_NE(replies::FakeHttpClient::call_of(r), "DeleteVolume");
  }
}

TEST(CmdVolumes, RmAsksThenDeletesADetachedVolume) {
  auto t = make_test_env();
  t->answer_caller();
  t->http.respond("DescribeVolumes", 200, volumes_xml(""));  // by name
  t->http.respond("DescribeVolumes", 200, volumes_xml(""));  // detached? yes
  t->http.respond("DeleteVolume", 200, replies::return_xml("DeleteVolume"));
  t->prompter.type("y");
  ASSERT_EQ(t->run({"volumes", "rm", "data"}), 0) << t->err.str();
  EXPECT_EQ(t->prompter.prompts,
            (std::vector<std::string>{
                "This deletes volume data in us-east-1 and every file on it.\nDelete it? [y/N] "}));
  EXPECT_EQ(t->out.str(), "deleted volume data (vol-1, 200 GiB in us-east-1c)\n");
  EXPECT_TRUE(t->http.unused().empty());
}

TEST(CmdVolumes, RmRefusesAnAttachedVolume) {
  auto t = make_test_env();
  t->answer_caller();
  t->http.respond("DescribeVolumes", 200, volumes_xml("i-1"));
  EXPECT_EQ(t->run({"volumes", "rm", "data", "--yes"}), 1);
  EXPECT_EQ(t->err.str(),
            "gpubox: error: volume data (vol-1) is attached to i-1; not deleted\n"
            "hint: `gpubox down BOX` removes the box and keeps the volume; then run `gpubox "
            "volumes rm data` again\n");
}

}  // namespace
}  // namespace gpubox::cli
