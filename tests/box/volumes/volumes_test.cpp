#include "box/volumes/volumes.hpp"

#include <gtest/gtest.h>

#include "box/ec2_replies.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_http_client.hpp"
#include "fakes/fake_process_runner.hpp"

namespace gpubox::box {
namespace {

using testing::HttpParams;

constexpr const char* k_me = "arn:aws:iam::123456789012:user/me";

// One volume of a DescribeVolumes/CreateVolume reply.
struct Vol {
  std::string id = "vol-1";
  std::string state = "available";
  std::string zone = "us-east-1c";
  std::map<std::string, std::string> tags = {{"gpubox:volume", "data"}, {"gpubox:owner", k_me}};
  std::string attached_to;  // instance id
  std::string attachment_state = "attached";
};

std::string volume_item(const Vol& v) {
  std::string attachments;
  if (!v.attached_to.empty()) {
    attachments = fmt::format(
        "<attachmentSet><item><volumeId>{}</volumeId><instanceId>{}</instanceId>"
        "<device>/dev/sdf</device><status>{}</status></item></attachmentSet>",
        v.id, v.attached_to, v.attachment_state);
  }
  return fmt::format(
      "<volumeId>{}</volumeId><size>200</size><volumeType>gp3</volumeType><status>{}</status>"
      "<availabilityZone>{}</availabilityZone><encrypted>true</encrypted>"
      "<createTime>2026-12-01T10:00:00.000Z</createTime>{}{}",
      v.id, v.state, v.zone, attachments, testing::tag_set(v.tags));
}

std::string describe(const std::vector<Vol>& vols) {
  std::string out = "<DescribeVolumesResponse><volumeSet>";
  for (const auto& v : vols) {
    out += "<item>" + volume_item(v) + "</item>";
  }
  return out + "</volumeSet></DescribeVolumesResponse>";
}

struct VolumesFixture : ::testing::Test {
  VolumesFixture() {
    settings.region = "us-east-1";
    client = std::make_unique<aws::AwsClient>(aws::ClientDeps{http, clock, creds, settings},
                                              [] { return 0.5; });
  }
  VolumeDeps deps() {
    return {*client, clock, null_progress(), {std::chrono::seconds(1), std::chrono::seconds(30)}};
  }
  testing::FakeHttpClient http;
  testing::FakeClock clock;
  aws::StaticCredentialProvider creds{aws::Credentials{"AKID", "secret", "", {}, "test"}};
  aws::Settings settings;
  std::unique_ptr<aws::AwsClient> client;
};

TEST(VolumeFlag, ParsesNameAndSize) {
  auto both = parse_volume_flag("data:200");
  ASSERT_TRUE(both) << both.error().message;
  EXPECT_EQ(both->name, "data");
  EXPECT_EQ(both->size_gib, 200);
  auto name_only = parse_volume_flag("data");
  ASSERT_TRUE(name_only);
  EXPECT_FALSE(name_only->size_gib.has_value());
}

TEST(VolumeFlag, RefusesBadNamesAndSizes) {
  auto bad_name = parse_volume_flag("my_data:10");
  ASSERT_FALSE(bad_name);
  EXPECT_EQ(bad_name.error().message,
            "invalid volume name 'my_data': '_' at position 3 is not a letter, digit or dash");
  for (const char* text : {"data:0", "data:abc", "data:16385", "data:", "data:10GB", "data:-1"}) {
    auto r = parse_volume_flag(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().kind, ErrorKind::invalid_input) << text;
    EXPECT_EQ(r.error().hint, "--volume NAME:GiB, e.g. --volume data:200") << text;
  }
  EXPECT_TRUE(parse_volume_flag("data:16384"));
}

TEST(VolumeTags, CarryTheNameAndOwnerButNoBox) {
  const aws::Tags tags = volume_tags("data", k_me, TimePoint{std::chrono::seconds{1765000000}});
  EXPECT_EQ(tags, (aws::Tags{{"gpubox:volume", "data"},
                             {"gpubox:owner", k_me},
                             {"gpubox:created", "2025-12-06T05:46:40Z"},
                             {"Name", "gpubox-volume-data"}}));
  EXPECT_EQ(volume_name_of(tags), "data");
  EXPECT_EQ(volume_name_of({{"gpubox:box", "lab"}}), "");
}

TEST(VolumePrice, IsTheGp3PricePerGibMonth) {
  EXPECT_DOUBLE_EQ(volume_usd_per_month(200, "us-east-1"), 16.0);
  EXPECT_DOUBLE_EQ(volume_usd_per_month(100, "sa-east-1"), 15.2);
}

TEST_F(VolumesFixture, FindsOnlyTheCallersVolumeOfThatName) {
  Vol theirs;
  theirs.id = "vol-theirs";
  theirs.tags["gpubox:owner"] = "arn:aws:iam::123456789012:user/someone";
  http.expect("DescribeVolumes",
              {{"Filter.1.Name", "tag:gpubox:volume"}, {"Filter.1.Value.1", "data"}}, 200,
              describe({theirs, Vol{}}));
  auto found = find_volume(*client, "us-east-1", "data", k_me);
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "vol-1");
  EXPECT_EQ((*found)->zone, "us-east-1c");
}

TEST_F(VolumesFixture, TwoOfOneNameAreAnErrorNamingBoth) {
  Vol second;
  second.id = "vol-2";
  second.zone = "us-east-1a";
  http.respond("DescribeVolumes", 200, describe({Vol{}, second}));
  auto found = find_volume(*client, "us-east-1", "data", k_me);
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().message,
            "2 volumes are named data in us-east-1: vol-1 (us-east-1c), vol-2 (us-east-1a)");
}

TEST_F(VolumesFixture, CreatesAnEncryptedGp3VolumeAndWaitsUntilAvailable) {
  Vol creating;
  creating.state = "creating";
  http.expect("CreateVolume",
              {{"AvailabilityZone", "us-east-1c"},
               {"Size", "200"},
               {"VolumeType", "gp3"},
               {"Encrypted", "true"},
               {"TagSpecification.1.ResourceType", "volume"},
               {"TagSpecification.1.Tag.4.Key", "gpubox:volume"},
               {"TagSpecification.1.Tag.4.Value", "data"}},
              200, "<CreateVolumeResponse>" + volume_item(creating) + "</CreateVolumeResponse>");
  // Right after CreateVolume, EC2 may not show it yet; then it is creating, then available.
  http.expect("DescribeVolumes", {{"VolumeId.1", "vol-1"}}, 400,
              testing::ec2_error_xml("InvalidVolume.NotFound"));
  http.expect("DescribeVolumes", {{"VolumeId.1", "vol-1"}}, 200, describe({creating}));
  http.expect("DescribeVolumes", {{"VolumeId.1", "vol-1"}}, 200, describe({Vol{}}));
  auto v = create_named_volume(deps(), "us-east-1", "us-east-1c", "data", 200, k_me);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->state, "available");
  EXPECT_EQ(clock.sleeps.size(), 2u);
  EXPECT_TRUE(http.verify());
  const auto token = http.requests().front().body;
  EXPECT_NE(token.find("ClientToken=gpubox-volume-"), std::string::npos) << token;
}

TEST_F(VolumesFixture, AttachesAndWaitsUntilAttached) {
  Vol attaching;
  attaching.state = "in-use";
  attaching.attached_to = "i-1";
  attaching.attachment_state = "attaching";
  Vol attached = attaching;
  attached.attachment_state = "attached";
  http.expect("AttachVolume",
              {{"VolumeId", "vol-1"}, {"InstanceId", "i-1"}, {"Device", "/dev/sdf"}}, 200,
              "<AttachVolumeResponse><volumeId>vol-1</volumeId><instanceId>i-1</instanceId>"
              "<device>/dev/sdf</device><status>attaching</status></AttachVolumeResponse>");
  http.expect("DescribeVolumes", {{"VolumeId.1", "vol-1"}}, 200, describe({attaching}));
  http.expect("DescribeVolumes", {{"VolumeId.1", "vol-1"}}, 200, describe({attached}));
  aws::Volume v;
  v.id = "vol-1";
  v.zone = "us-east-1c";
  v.tags = {{"gpubox:volume", "data"}};
  auto r = attach_named_volume(deps(), "us-east-1", v, "i-1");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(http.verify());
}

TEST_F(VolumesFixture, AVolumeAttachedElsewhereIsRefusedWithoutAnAttachCall) {
  aws::Volume v;
  v.id = "vol-1";
  v.tags = {{"gpubox:volume", "data"}};
  v.attachments = {{"i-other", "/dev/sdf", "attached"}};
  auto r = attach_named_volume(deps(), "us-east-1", v, "i-1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::conflict);
  EXPECT_EQ(r.error().message, "volume data (vol-1) is attached to i-other");
  EXPECT_TRUE(http.requests().empty());
}

TEST_F(VolumesFixture, AZoneMismatchSaysWhereTheBoxMustLaunch) {
  http.respond("AttachVolume", 400, testing::ec2_error_xml("InvalidVolume.ZoneMismatch"));
  aws::Volume v;
  v.id = "vol-1";
  v.zone = "us-east-1c";
  v.tags = {{"gpubox:volume", "data"}};
  auto r = attach_named_volume(deps(), "us-east-1", v, "i-1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().hint, "a box that uses the volume must launch in us-east-1c");
  EXPECT_TRUE(r.error().message.starts_with("volume data lives in us-east-1c"))
      << r.error().message;
}

TEST_F(VolumesFixture, DeleteWaitsForTheDetachOfATerminatedBox) {
  Vol detaching;
  detaching.state = "in-use";
  detaching.attached_to = "i-1";
  detaching.attachment_state = "detaching";
  http.expect("DescribeVolumes", {{"VolumeId.1", "vol-1"}}, 200, describe({detaching}));
  http.expect("DescribeVolumes", {{"VolumeId.1", "vol-1"}}, 200, describe({Vol{}}));
  http.expect("DeleteVolume", {{"VolumeId", "vol-1"}}, 200, testing::return_xml("DeleteVolume"));
  aws::Volume v;
  v.id = "vol-1";
  ASSERT_TRUE(delete_named_volume(deps(), "us-east-1", v));
  EXPECT_TRUE(http.verify());
}

TEST_F(VolumesFixture, RemoveRefusesAnAttachedVolume) {
  Vol attached;
  attached.state = "in-use";
  attached.attached_to = "i-1";
  http.respond("DescribeVolumes", 200, describe({attached}));
  auto r = remove_volume(deps(), "us-east-1", "data", k_me);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "volume data (vol-1) is attached to i-1; not deleted");
  for (const auto& req : http.requests()) {
    EXPECT_EQ(req.body.find("Action=DeleteVolume"), std::string::npos);
  }
}

TEST_F(VolumesFixture, RemoveByIdRefusesAVolumeGpuboxDidNotName) {
  Vol plain;
  plain.tags = {{"gpubox:box", "lab"}, {"gpubox:owner", k_me}};  // a box's root disk
  http.respond("DescribeVolumes", 200, describe({plain}));
  auto r = remove_volume(deps(), "us-east-1", "vol-1", k_me);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::not_found);
}

TEST(MountCommand, RunsTheScriptAsRootWithSudoUnlessRoot) {
  EXPECT_EQ(mount_command("vol-1", "data", "ubuntu"),
            "S=$(cat); if [ \"$(id -u)\" = 0 ]; then bash -c \"$S\" volume.sh --volume-id vol-1 "
            "--mount /data --owner ubuntu --label data; else sudo -n bash -c \"$S\" volume.sh "
            "--volume-id vol-1 --mount /data --owner ubuntu --label data; fi");
}

TEST(MountResult, ParsesTheScriptsLastLine) {
  auto m = parse_mount_result(
      "mke2fs noise\n{\"device\": \"/dev/nvme1n1\", \"uuid\": \"u-1\", \"fstype\": \"ext4\", "
      "\"formatted\": true, \"mount\": \"/data\"}\n");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->device, "/dev/nvme1n1");
  EXPECT_EQ(m->uuid, "u-1");
  EXPECT_TRUE(m->formatted);
  EXPECT_EQ(m->mount_point, "/data");
  EXPECT_FALSE(parse_mount_result("volume.sh: something\n"));
}

TEST(MountVolume, SendsTheScriptOnStdinAndExplainsASudoRefusal) {
  testing::FakeProcessRunner runner;
  runner.expect_if([](const auto& argv) { return argv.at(0) == "ssh"; }, "ssh",
                   {1, "", "sudo: a password is required\n"});
  remote::SshTarget target;
  target.name = "lab";
  target.host = "203.0.113.5";
  target.user = "ubuntu";
  auto r = mount_volume(runner, target, "vol-1", "data", "ubuntu");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "mounting volume data at /data on lab failed: sudo: a password is required");
  EXPECT_NE(r.error().hint.find("passwordless sudo"), std::string::npos);
  ASSERT_EQ(runner.calls.size(), 1u);
  ASSERT_TRUE(runner.calls[0].options.stdin_text.has_value());
  EXPECT_NE(runner.calls[0].options.stdin_text->find("blkid -p"), std::string::npos);
}

}  // namespace
}  // namespace gpubox::box
