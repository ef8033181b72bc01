#include "box/fleet/lifecycle.hpp"

#include <algorithm>
#include <filesystem>
#include <numeric>

#include <gtest/gtest.h>

#include "box/ec2_replies.hpp"
#include "box/money/cost.hpp"
#include "core/paths.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_file_system.hpp"
#include "fakes/fake_http_client.hpp"

namespace gpubox::box {
namespace {

using std::chrono::seconds;
using testing::FakeInstance;

struct LifecycleFixture : ::testing::Test {
  LifecycleFixture() {
    settings.region = "us-east-1";
    client = std::make_unique<aws::AwsClient>(aws::ClientDeps{http, clock, creds, settings},
                                              [] { return 0.5; });
    store = std::make_unique<state::BoxStore>(*state::BoxStore::open_memory());
    files.data_dir = "/home/me/.local/share/gpubox";
    files.fs = &disk;
  }

  state::Box box_a() {
    state::Box b;
    b.name = "a";
    b.region = "us-east-1";
    b.zone = "us-east-1a";
    b.instance_id = "i-1";
    b.instance_type = "g4dn.xlarge";
    b.state = "running";
    b.public_ip = "203.0.113.5";
    b.ssh_host = "203.0.113.5";
    b.ssh_user = "ubuntu";
    b.key_name = "gpubox-a";
    b.security_group_id = "sg-1";
    b.allow_from = "198.51.100.1/32";
    b.price_per_hour_usd = 0.526;
    return b;
  }

  FakeInstance inst(std::string state, std::string ip = "") {
    return {"i-1",         std::move(state), "g4dn.xlarge",
            std::move(ip), "us-east-1a",     {{"gpubox:box", "a"}},
            "gpubox-a",    "sg-1",           "gpubox-a",
            "vol-1"};
  }

  void reply(const std::string& call, const std::string& body) { http.respond(call, 200, body); }
  void refuse(const std::string& call, const std::string& code, int status = 400) {
    http.respond(call, status, testing::ec2_error_xml(code));
  }
  std::vector<std::string> bodies(const std::string& call) const {
    std::vector<std::string> out;
    for (const auto& r : http.requests()) {
      if (testing::FakeHttpClient::call_of(r) == call) {
        out.push_back(r.body);
      }
    }
    return out;
  }
  LifecycleDeps deps() { return {*client, *store, clock}; }
  DownOptions down_options() {
    DownOptions o;
    o.name = "a";
    o.confirmed = true;
    o.region = "us-east-1";
    o.files = files;
    return o;
  }

  testing::FakeHttpClient http;
  testing::FakeClock clock;
  aws::StaticCredentialProvider creds{aws::Credentials{"AKID", "secret", "", {}, "test"}};
  aws::Settings settings;
  std::unique_ptr<aws::AwsClient> client;
  std::unique_ptr<state::BoxStore> store;
  testing::FakeFileSystem disk;
  LocalFiles files;
};

TEST_F(LifecycleFixture, SecurityGroupDeleteRetriesWhileAwsReportsDependencyViolation) {
  refuse("DeleteSecurityGroup", "DependencyViolation");
  refuse("DeleteSecurityGroup", "InvalidGroup.InUse");
  reply("DeleteSecurityGroup", testing::return_xml("DeleteSecurityGroup"));
  auto r = delete_security_group_with_retry(*client, clock, "us-east-1", "sg-1");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, 2);
  EXPECT_EQ(clock.sleeps, (std::vector<Duration>{seconds(2), seconds(4)}));
}

TEST_F(LifecycleFixture, SecurityGroupDeleteGivesUpAfterTheBoundedTotal) {
  for (int i = 0; i < 6; ++i) {
    refuse("DeleteSecurityGroup", "DependencyViolation");
  }
  RetryPolicy policy{seconds(2), seconds(30), seconds(10)};
  auto r = delete_security_group_with_retry(*client, clock, "us-east-1", "sg-1", policy);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().aws_code, "DependencyViolation");
  EXPECT_NE(r.error().message.find("still in use after 10 s"), std::string::npos);
  EXPECT_EQ(clock.sleeps, (std::vector<Duration>{seconds(2), seconds(4), seconds(4)}));
}

TEST_F(LifecycleFixture, SecurityGroupAlreadyGoneCountsAsDeleted) {
  refuse("DeleteSecurityGroup", "InvalidGroup.NotFound");
  auto r = delete_security_group_with_retry(*client, clock, "us-east-1", "sg-1");
  ASSERT_TRUE(r);
  EXPECT_TRUE(clock.sleeps.empty());
}

TEST_F(LifecycleFixture, DownTerminatesWaitsAndDeletesEverythingTaggedForTheBox) {
  state::Box b = box_a();
  const auto key = files.data_dir / "keys" / "a.pem";
  disk.add_file(key, "PRIVATE", 0600);
  b.key_path = key.string();
  ASSERT_TRUE(store->insert_box(b));
  const std::map<std::string, std::string> tags{{"gpubox:box", "a"}};
  const testing::HttpParams tagged{{"Filter.1.Name", "tag:gpubox:box"}, {"Filter.1.Value.1", "a"}};
  const testing::HttpParams of_i1{{"Filter.1.Name", "instance-id"}, {"Filter.1.Value.1", "i-1"}};
  // Ordered in steps (calls of one step run concurrently): look everything up; find the spot
  // requests; terminate and see the instance terminated while the key pair goes; only then the
  // group (AWS refuses to delete a group an instance still uses) and the volumes.
  http.expect("DescribeInstances", tagged, 200,
              testing::describe_instances_xml({inst("running", "203.0.113.5")}));
  http.expect_together("DescribeSecurityGroups", tagged, 200,
                       testing::describe_groups_xml({{"sg-1", "gpubox-a", tags, {}}}));
  http.expect_together("DescribeKeyPairs", tagged, 200,
                       testing::describe_keys_xml({{"gpubox-a", "key-1"}}, tags));
  http.expect("DescribeSpotInstanceRequests", tagged, 200, testing::describe_spot_xml({}));
  http.expect("DescribeSpotInstanceRequests", of_i1, 200, testing::describe_spot_xml({}));
  http.expect("TerminateInstances", {{"InstanceId.1", "i-1"}}, 200,
              testing::state_change_xml("TerminateInstances", "i-1", "shutting-down"));
  http.expect_together("DescribeInstances", {{"InstanceId.1", "i-1"}}, 200,
                       testing::describe_instances_xml({inst("terminated")}));
  http.expect_together("DeleteKeyPair", {{"KeyName", "gpubox-a"}}, 200,
                       testing::return_xml("DeleteKeyPair"));
  http.expect("DeleteSecurityGroup", {{"GroupId", "sg-1"}}, 400,
              testing::ec2_error_xml("DependencyViolation"));
  http.expect_together("DeleteSecurityGroup", {{"GroupId", "sg-1"}}, 400,
                       testing::ec2_error_xml("DependencyViolation"));
  http.expect_together("DeleteSecurityGroup", {{"GroupId", "sg-1"}}, 200,
                       testing::return_xml("DeleteSecurityGroup"));
  http.expect_together("DescribeVolumes", tagged, 200,
                       testing::describe_volumes_xml({{"vol-9", 100, "available"}}, tags));
  http.expect_together("DeleteVolume", {{"VolumeId", "vol-9"}}, 200,
                       testing::return_xml("DeleteVolume"));
  auto rep = down_box(deps(), down_options());
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_TRUE(http.verify());
  EXPECT_EQ(rep->terminated, std::vector<std::string>{"i-1"});
  EXPECT_EQ(rep->security_groups, std::vector<std::string>{"sg-1"});
  EXPECT_EQ(rep->key_pairs, std::vector<std::string>{"gpubox-a"});
  EXPECT_EQ(rep->volumes, std::vector<std::string>{"vol-9"});
  EXPECT_EQ(rep->security_group_retries, 2);
  EXPECT_EQ(clock.sleeps, (std::vector<Duration>{seconds(2), seconds(4)}));
  EXPECT_TRUE(rep->key_file_removed);
  EXPECT_FALSE(disk.exists(key));
  EXPECT_FALSE(rep->already_gone);
  EXPECT_FALSE(*store->find_box("a"));
  auto config = disk.read_file(files.ssh_config());
  ASSERT_TRUE(config);
  EXPECT_EQ(config->find("Host a"), std::string::npos);
}

// A box made with `up --volume data` is tagged gpubox:volume=data: `down` keeps that volume
// (and says so), and deletes it only with `delete_volumes`, after the instance is gone.
struct NamedVolumeDown : LifecycleFixture {
  static aws::HttpResponse ok(std::string body) {
    aws::HttpResponse r;
    r.status = 200;
    r.body = std::move(body);
    return r;
  }
  void queue(bool attached_elsewhere = false) {
    ASSERT_TRUE(store->insert_box(box_a()));
    FakeInstance i = inst("running", "203.0.113.5");
    i.tags["gpubox:volume"] = "data";
    reply("DescribeInstances", testing::describe_instances_xml({i}));
    reply("DescribeSecurityGroups", testing::describe_groups_xml({}));
    reply("DescribeKeyPairs", testing::describe_keys_xml({}, {}));
    reply("DescribeSpotInstanceRequests", testing::describe_spot_xml({}));
    reply("DescribeSpotInstanceRequests", testing::describe_spot_xml({}));
    const std::string named =
        std::string(
            "<DescribeVolumesResponse><volumeSet><item><volumeId>vol-data</volumeId>"
            "<size>200</size><volumeType>gp3</volumeType><status>in-use</status>"
            "<availabilityZone>us-east-1a</availabilityZone><attachmentSet><item>"
            "<instanceId>") +
        (attached_elsewhere ? "i-other" : "i-1") +
        "</instanceId><status>attached</status></item></attachmentSet>" +
        testing::tag_set({{"gpubox:volume", "data"}}) +
        "</item></volumeSet></DescribeVolumesResponse>";
    http.add({"", "", "DescribeVolumes", {{"Filter.1.Name", "tag:gpubox:volume"}}}, ok(named));
    reply("TerminateInstances",
          testing::state_change_xml("TerminateInstances", "i-1", "shutting-down"));
    reply("DescribeInstances", testing::describe_instances_xml({inst("terminated")}));
    http.add({"", "", "DescribeVolumes", {{"Filter.1.Name", "tag:gpubox:box"}}},
             ok(testing::describe_volumes_xml({}, {})));
    reply("DeleteSecurityGroup", testing::return_xml("DeleteSecurityGroup"));
  }
};

TEST_F(NamedVolumeDown, KeepsTheBoxsNamedVolume) {
  queue();
  auto rep = down_box(deps(), down_options());
  ASSERT_TRUE(rep) << rep.error().message;
  ASSERT_EQ(rep->named_volumes_kept.size(), 1u);
  EXPECT_EQ(rep->named_volumes_kept[0].id, "vol-data");
  EXPECT_TRUE(rep->named_volumes_deleted.empty());
  EXPECT_TRUE(bodies("DeleteVolume").empty());
}

TEST_F(NamedVolumeDown, DeletesItWhenAskedOnceTheInstanceIsGone) {
  queue();
  reply("DescribeVolumes", testing::describe_volumes_xml({{"vol-data", 200, "available"}},
                                                         {{"gpubox:volume", "data"}}));
  reply("DeleteVolume", testing::return_xml("DeleteVolume"));
  DownOptions o = down_options();
  o.delete_volumes = true;
  auto rep = down_box(deps(), o);
  ASSERT_TRUE(rep) << rep.error().message;
  ASSERT_EQ(rep->named_volumes_deleted.size(), 1u);
  EXPECT_EQ(bodies("DeleteVolume").size(), 1u);
  std::vector<std::string> calls;
  for (const auto& r : http.requests()) {
    calls.push_back(testing::FakeHttpClient::call_of(r));
  }
  auto terminate = std::ranges::find(calls, "TerminateInstances");
  auto deleted = std::ranges::find(calls, "DeleteVolume");
  EXPECT_LT(terminate - calls.begin(), deleted - calls.begin());
}

TEST_F(NamedVolumeDown, NeverDeletesOneAnotherBoxUsesNow) {
  queue(true);
  DownOptions o = down_options();
  o.delete_volumes = true;
  auto rep = down_box(deps(), o);
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_TRUE(rep->named_volumes_deleted.empty());
  EXPECT_TRUE(rep->named_volumes_kept.empty());
  EXPECT_TRUE(bodies("DeleteVolume").empty());
}

TEST_F(LifecycleFixture, DownWaitsUntilTheInstanceIsTerminatedBeforeDeletingTheGroup) {
  ASSERT_TRUE(store->insert_box(box_a()));
  const testing::HttpParams tagged{{"Filter.1.Name", "tag:gpubox:box"}, {"Filter.1.Value.1", "a"}};
  const testing::HttpParams of_i1{{"Filter.1.Name", "instance-id"}, {"Filter.1.Value.1", "i-1"}};
  http.expect("DescribeInstances", tagged, 200,
              testing::describe_instances_xml({inst("running", "203.0.113.5")}));
  http.expect_together("DescribeSecurityGroups", tagged, 200, testing::describe_groups_xml({}));
  http.expect_together("DescribeKeyPairs", tagged, 200, testing::describe_keys_xml({}, {}));
  http.expect("DescribeSpotInstanceRequests", tagged, 200, testing::describe_spot_xml({}));
  http.expect("DescribeSpotInstanceRequests", of_i1, 200, testing::describe_spot_xml({}));
  http.expect("TerminateInstances", {{"InstanceId.1", "i-1"}}, 200,
              testing::state_change_xml("TerminateInstances", "i-1", "shutting-down"));
  http.expect_together("DescribeInstances", {{"InstanceId.1", "i-1"}}, 200,
                       testing::describe_instances_xml({inst("shutting-down")}));
  http.expect("DescribeInstances", {{"InstanceId.1", "i-1"}}, 200,
              testing::describe_instances_xml({inst("terminated")}));
  http.expect("DeleteSecurityGroup", {{"GroupId", "sg-1"}}, 200,
              testing::return_xml("DeleteSecurityGroup"));
  http.expect_together("DescribeVolumes", tagged, 200, testing::describe_volumes_xml({}, {}));
  auto rep = down_box(deps(), down_options());
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_TRUE(http.verify());
  EXPECT_EQ(clock.sleeps, (std::vector<Duration>{seconds(1)}));  // one poll while shutting down
}

TEST_F(LifecycleFixture, DownRefusesWithoutConfirmationAndCallsNothing) {
  ASSERT_TRUE(store->insert_box(box_a()));
  DownOptions o = down_options();
  o.confirmed = false;
  auto rep = down_box(deps(), o);
  ASSERT_FALSE(rep);
  EXPECT_EQ(rep.error().kind, ErrorKind::invalid_input);
  EXPECT_NE(rep.error().hint.find("--yes"), std::string::npos);
  EXPECT_TRUE(http.requests().empty());
  EXPECT_TRUE(*store->find_box("a"));
}

TEST_F(LifecycleFixture, DownKeepsAPrivateKeyOutsideTheDataDirectory) {
  state::Box b = box_a();
  const std::filesystem::path key = "/home/me/.ssh/id_ed25519";
  disk.add_file(key, "MINE", 0600);
  b.key_path = key.string();
  b.key_name = "my-own-key";
  ASSERT_TRUE(store->insert_box(b));
  reply("DescribeInstances", testing::describe_instances_xml({}));
  reply("DescribeInstances", testing::describe_instances_xml({inst("terminated")}));
  reply("DescribeSpotInstanceRequests", testing::describe_spot_xml({}));
  reply("DescribeSecurityGroups", testing::describe_groups_xml({}));
  reply("DeleteSecurityGroup", testing::return_xml("DeleteSecurityGroup"));
  reply("DescribeKeyPairs", testing::describe_keys_xml({}, {}));
  reply("DescribeVolumes", testing::describe_volumes_xml({}, {}));
  auto rep = down_box(deps(), down_options());
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_FALSE(rep->key_file_removed);
  EXPECT_EQ(disk.content(key), "MINE");
  EXPECT_EQ(std::count(disk.removed.begin(), disk.removed.end(), key.string()), 0);
  EXPECT_TRUE(bodies("DeleteKeyPair").empty());
}

TEST_F(LifecycleFixture, DownCancelsTheSpotRequestBeforeTerminatingAndConfirmsIt) {
  ASSERT_TRUE(store->insert_box(box_a()));
  const std::map<std::string, std::string> tags{{"gpubox:box", "a"}};
  reply("DescribeInstances", testing::describe_instances_xml({inst("running", "203.0.113.5")}));
  reply("DescribeSpotInstanceRequests",
        testing::describe_spot_xml({{"sir-1", "active", "i-1"}}, tags));
  reply("DescribeSpotInstanceRequests", testing::describe_spot_xml({{"sir-1", "active", "i-1"}}));
  reply("CancelSpotInstanceRequests",
        "<CancelSpotInstanceRequestsResponse><spotInstanceRequestSet><item>"
        "<spotInstanceRequestId>sir-1</spotInstanceRequestId><state>cancelled</state></item>"
        "</spotInstanceRequestSet></CancelSpotInstanceRequestsResponse>");
  reply("DescribeSpotInstanceRequests",
        testing::describe_spot_xml({{"sir-1", "cancelled", "i-1"}}));
  reply("TerminateInstances",
        testing::state_change_xml("TerminateInstances", "i-1", "shutting-down"));
  reply("DescribeInstances", testing::describe_instances_xml({inst("terminated")}));
  reply("DescribeSecurityGroups", testing::describe_groups_xml({}));
  reply("DeleteSecurityGroup", testing::return_xml("DeleteSecurityGroup"));
  reply("DescribeKeyPairs", testing::describe_keys_xml({}, {}));
  reply("DescribeVolumes", testing::describe_volumes_xml({}, {}));
  auto rep = down_box(deps(), down_options());
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_EQ(rep->spot_requests, std::vector<std::string>{"sir-1"});
  std::vector<std::string> calls;
  for (const auto& r : http.requests()) {
    calls.push_back(testing::FakeHttpClient::call_of(r));
  }
  auto cancel = std::find(calls.begin(), calls.end(), "CancelSpotInstanceRequests");
  auto terminate = std::find(calls.begin(), calls.end(), "TerminateInstances");
  ASSERT_NE(cancel, calls.end());
  EXPECT_LT(cancel, terminate);
  EXPECT_NE(bodies("DescribeSpotInstanceRequests")[0].find("tag%3Agpubox%3Abox"),
            std::string::npos);
}

TEST_F(LifecycleFixture, DownStopsWhenASpotRequestStaysOpenAndTerminatesNothing) {
  ASSERT_TRUE(store->insert_box(box_a()));
  reply("DescribeInstances", testing::describe_instances_xml({inst("running", "203.0.113.5")}));
  reply("DescribeSecurityGroups", testing::describe_groups_xml({}));
  reply("DescribeKeyPairs", testing::describe_keys_xml({}, {}));
  reply("DescribeSpotInstanceRequests", testing::describe_spot_xml({{"sir-1", "active", "i-1"}}));
  reply("DescribeSpotInstanceRequests", testing::describe_spot_xml({}));
  reply("CancelSpotInstanceRequests",
        "<CancelSpotInstanceRequestsResponse><spotInstanceRequestSet/>"
        "</CancelSpotInstanceRequestsResponse>");
  reply("DescribeSpotInstanceRequests", testing::describe_spot_xml({{"sir-1", "active", "i-1"}}));
  auto rep = down_box(deps(), down_options());
  ASSERT_FALSE(rep);
  EXPECT_NE(rep.error().message.find("sir-1 (active) is still open"), std::string::npos)
      << rep.error().message;
  EXPECT_NE(rep.error().hint.find("cancel-spot-instance-requests"), std::string::npos);
  EXPECT_TRUE(bodies("TerminateInstances").empty());
  EXPECT_TRUE(*store->find_box("a"));
}

TEST_F(LifecycleFixture, SecondDownOfAGoneBoxSucceedsAndSaysSo) {
  reply("DescribeSpotInstanceRequests", testing::describe_spot_xml({}));
  reply("DescribeInstances", testing::describe_instances_xml({}));
  reply("DescribeSecurityGroups", testing::describe_groups_xml({}));
  reply("DescribeKeyPairs", testing::describe_keys_xml({}, {}));
  reply("DescribeVolumes", testing::describe_volumes_xml({}, {}));
  auto rep = down_box(deps(), down_options());
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_TRUE(rep->already_gone);
  EXPECT_TRUE(bodies("TerminateInstances").empty());
}

TEST_F(LifecycleFixture, StopRecordsTheStateAndPricesTheDiskStillBilled) {
  ASSERT_TRUE(store->insert_box(box_a()));
  reply("DescribeInstances", testing::describe_instances_xml({inst("running", "203.0.113.5")}));
  reply("StopInstances", testing::state_change_xml("StopInstances", "i-1", "stopping"));
  reply("DescribeInstances", testing::describe_instances_xml({inst("stopped")}));
  reply("DescribeVolumes", testing::describe_volumes_xml({{"vol-1", 120, "in-use"}}, {}));
  auto rep = stop_box(deps(), "a", files);
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_FALSE(rep->already_stopped);
  EXPECT_EQ(rep->disk_gib, 120);
  EXPECT_DOUBLE_EQ(rep->disk_usd_per_month, 120 * ebs_gp3_usd_per_gib_month("us-east-1"));
  auto saved = store->get_box("a");
  EXPECT_EQ(saved->state, "stopped");
  EXPECT_EQ(saved->public_ip, "");
  EXPECT_EQ(saved->disk_gb, 120);
  auto ledger = store->ledger("a");
  ASSERT_FALSE(ledger->empty());
  EXPECT_EQ(ledger->back().state, "stopped");
  EXPECT_DOUBLE_EQ(ledger->back().price_per_hour_usd, 0.526);
}

TEST_F(LifecycleFixture, StartWithoutCapacityExplainsItNeverRelaunchesElsewhere) {
  ASSERT_TRUE(store->insert_box(box_a()));
  reply("DescribeInstances", testing::describe_instances_xml({inst("stopped")}));
  refuse("StartInstances", "InsufficientInstanceCapacity", 500);
  auto rep = start_box(deps(), "a", files, std::nullopt);
  ASSERT_FALSE(rep);
  EXPECT_EQ(rep.error().kind, ErrorKind::capacity);
  EXPECT_NE(rep.error().message.find("never launches a replacement elsewhere"), std::string::npos);
  EXPECT_NE(rep.error().hint.find("gpubox start a"), std::string::npos);
  EXPECT_TRUE(bodies("RunInstances").empty());
}

TEST_F(LifecycleFixture, StartOverQuotaNamesTheQuotaRequest) {
  ASSERT_TRUE(store->insert_box(box_a()));
  reply("DescribeInstances", testing::describe_instances_xml({inst("stopped")}));
  refuse("StartInstances", "VcpuLimitExceeded");
  auto rep = start_box(deps(), "a", files, std::nullopt);
  ASSERT_FALSE(rep);
  EXPECT_EQ(rep.error().kind, ErrorKind::quota);
  EXPECT_NE(rep.error().hint.find("gpubox quota request --type g4dn.xlarge --region us-east-1"),
            std::string::npos);
}

TEST_F(LifecycleFixture, StartUpdatesTheAddressSshConfigAndCallerRule) {
  ASSERT_TRUE(store->insert_box(box_a()));
  reply("DescribeInstances", testing::describe_instances_xml({inst("stopped")}));
  reply("StartInstances", testing::state_change_xml("StartInstances", "i-1", "pending"));
  reply("DescribeInstances", testing::describe_instances_xml({inst("running", "192.0.2.44")}));
  reply("DescribeSecurityGroups",
        testing::describe_groups_xml({{"sg-1", "gpubox-a", {}, {"198.51.100.1/32"}}}));
  reply("AuthorizeSecurityGroupIngress", testing::return_xml("AuthorizeSecurityGroupIngress"));
  reply("RevokeSecurityGroupIngress", testing::return_xml("RevokeSecurityGroupIngress"));
  auto rep = start_box(deps(), "a", files, std::string("203.0.113.50"));
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_TRUE(rep->address_changed);
  EXPECT_TRUE(rep->rule_updated);
  auto saved = store->get_box("a");
  EXPECT_EQ(saved->public_ip, "192.0.2.44");
  EXPECT_EQ(saved->allow_from, "203.0.113.50/32");
  EXPECT_EQ(store->ledger("a")->back().state, "running");
  auto config = disk.read_file(files.ssh_config());
  ASSERT_TRUE(config);
  EXPECT_NE(config->find("HostName 192.0.2.44"), std::string::npos);
  auto auth = bodies("AuthorizeSecurityGroupIngress");
  auto revoke = bodies("RevokeSecurityGroupIngress");
  ASSERT_EQ(auth.size(), 1u);
  ASSERT_EQ(revoke.size(), 1u);
  EXPECT_NE(auth[0].find("203.0.113.50%2F32"), std::string::npos);
  EXPECT_NE(revoke[0].find("198.51.100.1%2F32"), std::string::npos);
}

TEST_F(LifecycleFixture, ACidrGivenWithAllowFromIsNeverMovedEvenASlash32) {
  state::Box b = box_a();
  b.allow_from = "198.51.100.1/32";
  testing::FakeGroup given{"sg-1", "gpubox-a", {}, {"198.51.100.1/32"}};
  given.description = "gpubox ssh: --allow-from";
  reply("DescribeSecurityGroups", testing::describe_groups_xml({given}));
  auto r = update_caller_rule(*client, b, "203.0.113.50");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(*r);
  EXPECT_EQ(b.allow_from, "198.51.100.1/32");
  EXPECT_TRUE(bodies("AuthorizeSecurityGroupIngress").empty());
  EXPECT_TRUE(bodies("RevokeSecurityGroupIngress").empty());
}

TEST_F(LifecycleFixture, CallerRuleIsLeftAloneForAWiderRangeTheUserChose) {
  state::Box b = box_a();
  b.allow_from = "10.0.0.0/8";
  auto r = update_caller_rule(*client, b, "203.0.113.50");
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);
  EXPECT_EQ(b.allow_from, "10.0.0.0/8");
  EXPECT_TRUE(http.requests().empty());
}

}  // namespace
}  // namespace gpubox::box
