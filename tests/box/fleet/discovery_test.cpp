#include "box/fleet/discovery.hpp"

#include <gtest/gtest.h>

#include "box/ec2_replies.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_http_client.hpp"

namespace gpubox::box {
namespace {

using testing::FakeClock;
using testing::FakeHttpClient;
using testing::FakeInstance;

aws::Instance instance(std::string id, std::string name, std::string state = "running",
                       std::string ip = "203.0.113.5", std::string zone = "us-east-1b") {
  aws::Instance i;
  i.id = std::move(id);
  i.state = std::move(state);
  i.public_ip = std::move(ip);
  i.zone = std::move(zone);
  i.type = "g4dn.xlarge";
  i.tags = {{"gpubox:box", std::move(name)}, {"gpubox:created", "2015-08-26T09:00:00Z"}};
  i.key_name = "gpubox-x";
  i.security_groups = {{"sg-other", "default"},
                       {"sg-1", "gpubox-" + i.tags["gpubox:box"] + "-0a0b0c0d"}};
  return i;
}

state::Box stored(std::string name, std::string region, std::string id, std::string ip) {
  state::Box b;
  b.name = std::move(name);
  b.region = std::move(region);
  b.instance_id = std::move(id);
  b.public_ip = ip;
  b.ssh_host = ip;
  b.state = "running";
  b.zone = b.region + "a";
  b.instance_type = "g4dn.xlarge";
  b.gpu_summary = "1x T4 16GiB";
  b.price_per_hour_usd = 0.526;
  return b;
}

catalog::Catalog tiny_catalog() {
  catalog::Catalog c;
  c.types.push_back({"g4dn.xlarge", "T4", 1, 16, 4, 16, "x86_64", true});
  catalog::RegionPrice p;
  p.instance_type = "g4dn.xlarge";
  p.region = "eu-west-1";
  p.on_demand_usd = 0.587;
  p.spot_usd = 0.2;
  c.prices.push_back(p);
  return c;
}

const TimePoint k_now{std::chrono::seconds{1440590160}};

TEST(Discovery, StoredBoxTakesTheCloudsStateAddressAndZone) {
  RegionInstances scan{"us-east-1", {instance("i-1", "a", "running", "198.51.100.9")}, {}};
  auto views =
      merge_views({stored("a", "us-east-1", "i-1", "203.0.113.1")}, {scan}, nullptr, k_now);
  ASSERT_EQ(views.size(), 1u);
  EXPECT_TRUE(views[0].changed);
  EXPECT_FALSE(views[0].adopted);
  EXPECT_EQ(views[0].box.public_ip, "198.51.100.9");
  EXPECT_EQ(views[0].box.ssh_host, "198.51.100.9");
  EXPECT_EQ(views[0].box.zone, "us-east-1b");
}

TEST(Discovery, UnchangedBoxIsNotMarkedChanged) {
  state::Box b = stored("a", "us-east-1", "i-1", "203.0.113.5");
  b.zone = "us-east-1b";
  RegionInstances scan{"us-east-1", {instance("i-1", "a")}, {}};
  auto views = merge_views({b}, {scan}, nullptr, k_now);
  ASSERT_EQ(views.size(), 1u);
  EXPECT_FALSE(views[0].changed);
}

TEST(Discovery, InstanceOnlyInTheCloudIsAdoptedFromItsTagsAndTheCatalog) {
  auto cat = tiny_catalog();
  RegionInstances scan{"eu-west-1", {instance("i-9", "far", "stopped", "", "eu-west-1c")}, {}};
  auto views = merge_views({}, {scan}, &cat, k_now);
  ASSERT_EQ(views.size(), 1u);
  const auto& b = views[0].box;
  EXPECT_TRUE(views[0].adopted);
  EXPECT_EQ(b.name, "far");
  EXPECT_EQ(b.region, "eu-west-1");
  EXPECT_EQ(b.zone, "eu-west-1c");
  EXPECT_EQ(b.state, "stopped");
  EXPECT_EQ(b.security_group_id, "sg-1");
  EXPECT_EQ(b.key_name, "gpubox-x");
  EXPECT_EQ(b.gpu_summary, "1x T4 16GiB");
  EXPECT_DOUBLE_EQ(b.price_per_hour_usd, 0.587);
  EXPECT_EQ(b.created_at, TimePoint{std::chrono::seconds{1440579600}});
}

TEST(Discovery, BoxMissingFromAQueriedRegionIsMarkedGone) {
  RegionInstances scan{"us-east-1", {}, {}};
  auto views =
      merge_views({stored("a", "us-east-1", "i-1", "203.0.113.1")}, {scan}, nullptr, k_now);
  ASSERT_EQ(views.size(), 1u);
  EXPECT_TRUE(views[0].gone);
  EXPECT_TRUE(views[0].changed);
  EXPECT_EQ(views[0].box.state, "gone");
  EXPECT_EQ(views[0].box.public_ip, "");
}

TEST(Discovery, BoxInARegionThatFailedKeepsItsCachedRecord) {
  Error e;
  e.message = "throttled";
  RegionInstances scan{"us-east-1", {}, e};
  auto views =
      merge_views({stored("a", "us-east-1", "i-1", "203.0.113.1")}, {scan}, nullptr, k_now);
  ASSERT_EQ(views.size(), 1u);
  EXPECT_TRUE(views[0].unknown);
  EXPECT_FALSE(views[0].changed);
  EXPECT_EQ(views[0].box.state, "running");
}

TEST(Discovery, GoneBoxMovesToTheRegionWhereItsNameIsFound) {
  std::vector<RegionInstances> scans{
      {"us-east-1", {}, {}},
      {"eu-west-1", {instance("i-7", "a", "running", "192.0.2.4", "eu-west-1a")}, {}}};
  auto views = merge_views({stored("a", "us-east-1", "i-1", "203.0.113.1")}, scans, nullptr, k_now);
  ASSERT_EQ(views.size(), 1u);
  EXPECT_FALSE(views[0].gone);
  EXPECT_FALSE(views[0].adopted);
  EXPECT_EQ(views[0].box.region, "eu-west-1");
  EXPECT_EQ(views[0].box.instance_id, "i-7");
}

TEST(Discovery, SecondLiveInstanceWithAKnownNameIsADuplicate) {
  RegionInstances scan{"us-east-1", {instance("i-1", "a"), instance("i-2", "a")}, {}};
  auto views =
      merge_views({stored("a", "us-east-1", "i-1", "203.0.113.5")}, {scan}, nullptr, k_now);
  ASSERT_EQ(views.size(), 2u);
  EXPECT_FALSE(views[0].duplicate);
  EXPECT_EQ(views[0].box.instance_id, "i-1");
  EXPECT_TRUE(views[1].duplicate);
  EXPECT_EQ(views[1].box.instance_id, "i-2");
}

TEST(Discovery, RunningSinceIsTheStartOfTheLastRunningStretch) {
  auto at = [](int h) { return k_now + std::chrono::hours(h); };
  std::vector<state::LedgerEntry> ledger{{"a", "i-1", "running", at(0), 1},
                                         {"a", "i-1", "stopped", at(2), 1},
                                         {"a", "i-1", "pending", at(5), 1},
                                         {"a", "i-1", "running", at(6), 1}};
  EXPECT_EQ(running_since(ledger), at(5));
  ledger.push_back({"a", "i-1", "stopped", at(7), 1});
  EXPECT_EQ(running_since(ledger), std::nullopt);
}

struct DiscoverFixture : ::testing::Test {
  DiscoverFixture() {
    settings.region = "us-east-1";
    client = std::make_unique<aws::AwsClient>(aws::ClientDeps{http, clock, creds, settings},
                                              [] { return 0.5; });
    store = std::make_unique<state::BoxStore>(*state::BoxStore::open_memory());
  }
  FakeHttpClient http;
  FakeClock clock;
  aws::StaticCredentialProvider creds{aws::Credentials{"AKID", "secret", "", {}, "test"}};
  aws::Settings settings;
  std::unique_ptr<aws::AwsClient> client;
  std::unique_ptr<state::BoxStore> store;
};

TEST_F(DiscoverFixture, QueriesEveryRegionByTagAndRepairsTheStore) {
  ASSERT_TRUE(store->insert_box(stored("old", "us-east-1", "i-gone", "203.0.113.1")));
  FakeInstance far{
      "i-far",      "running", "g4dn.xlarge", "192.0.2.7", "eu-west-1b", {{"gpubox:box", "far"}},
      "gpubox-far", "sg-far",  "gpubox-far",  "vol-far"};
  http.add({"", "ec2.us-east-1.amazonaws.com", "DescribeInstances"},
           aws::HttpResponse{200, {}, testing::describe_instances_xml({})});
  http.add({"", "ec2.eu-west-1.amazonaws.com", "DescribeInstances"},
           aws::HttpResponse{200, {}, testing::describe_instances_xml({far})});
  auto d = discover({*client, *store, clock, nullptr, ""}, {"eu-west-1"});
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->regions, (std::vector<std::string>{"eu-west-1", "us-east-1"}));
  auto adopted = store->get_box("far");
  ASSERT_TRUE(adopted);
  EXPECT_EQ(adopted->region, "eu-west-1");
  EXPECT_EQ(adopted->public_ip, "192.0.2.7");
  EXPECT_EQ(store->get_box("old")->state, "gone");
  auto ledger = store->ledger("far");
  ASSERT_TRUE(ledger);
  ASSERT_EQ(ledger->size(), 1u);
  EXPECT_EQ((*ledger)[0].state, "running");
  for (const auto& r : http.requests()) {
    EXPECT_NE(r.body.find("Filter.1.Name=tag-key&Filter.1.Value.1=gpubox%3Abox"), std::string::npos)
        << r.body;
    EXPECT_NE(r.body.find("Filter.2.Name=instance-state-name"), std::string::npos);
    EXPECT_EQ(r.body.find("terminated"), std::string::npos);
  }
}

// `ls` while `up` finishes: the instance was not stored when discovery read the store, and is
// stored (by the other process) before discovery adopts it. Adopting is an upsert: no "already
// exists" error, and the cloud's view wins.
TEST_F(DiscoverFixture, AdoptingABoxAnotherCommandStoredMeanwhileIsAnUpdate) {
  FakeInstance lab{
      "i-lab",      "running", "g4dn.xlarge", "192.0.2.9", "us-east-1b", {{"gpubox:box", "lab"}},
      "gpubox-lab", "sg-lab",  "gpubox-lab",  "vol-lab"};
  http.add({"", "ec2.us-east-1.amazonaws.com", "DescribeInstances"},
           aws::HttpResponse{200, {}, testing::describe_instances_xml({lab})});
  bool stored_meanwhile = false;
  http.on_request([&](const aws::HttpRequest& r) {
    if (!stored_meanwhile && r.body.find("Action=DescribeInstances") != std::string::npos) {
      stored_meanwhile = true;
      ASSERT_TRUE(store->insert_box(stored("lab", "us-east-1", "i-lab", "")));  // `up` is done
    }
  });
  auto d = discover({*client, *store, clock, nullptr, ""}, {"us-east-1"});
  ASSERT_TRUE(stored_meanwhile);
  ASSERT_TRUE(d) << d.error().message;
  auto boxes = store->list_boxes();
  ASSERT_TRUE(boxes);
  ASSERT_EQ(boxes->size(), 1u);
  EXPECT_EQ((*boxes)[0].instance_id, "i-lab");
  EXPECT_EQ((*boxes)[0].public_ip, "192.0.2.9");  // the cloud's address, not the empty one
}

}  // namespace
}  // namespace gpubox::box
