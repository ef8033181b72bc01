#include "box/fleet/gc.hpp"

#include <gtest/gtest.h>

#include "box/ec2_replies.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_http_client.hpp"

namespace gpubox::box {
namespace {

RegionInventory inventory() {
  RegionInventory inv;
  inv.region = "us-east-1";
  aws::Instance live;
  live.id = "i-live";
  live.state = "running";
  live.type = "g4dn.xlarge";
  live.tags = {{"gpubox:box", "kept"}};
  aws::Instance lost = live;
  lost.id = "i-lost";
  lost.tags = {{"gpubox:box", "forgotten"}};
  inv.instances = {live, lost};
  inv.groups = {{"sg-kept", "gpubox-kept", "", "", {}, {}, {{"gpubox:box", "kept"}}},
                {"sg-old", "gpubox-old", "", "", {}, {}, {{"gpubox:box", "old"}}}};
  aws::KeyPair key;
  key.name = "gpubox-old";
  key.id = "key-1";
  key.tags = {{"gpubox:box", "old"}};
  inv.keys = {key};
  aws::Volume vol;
  vol.id = "vol-1";
  vol.size_gib = 100;
  vol.state = "available";
  vol.tags = {{"gpubox:box", "kept"}};
  aws::Volume stray = vol;
  stray.id = "vol-2";
  stray.tags = {{"gpubox:box", "old"}};
  inv.volumes = {vol, stray};
  return inv;
}

TEST(Gc, SelectsOnlyWhatNoOwnedBoxClaims) {
  auto owned = [](std::string_view region, std::string_view name) {
    return region == "us-east-1" && name == "kept";
  };
  auto items = select_leftovers(inventory(), owned);
  std::vector<std::string> ids;
  for (const auto& l : items) {
    ids.push_back(l.kind + ":" + l.id + ":" + l.box);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"instance:i-lost:forgotten", "security-group:sg-old:old",
                                           "key-pair:gpubox-old:old", "volume:vol-2:old"}));
  EXPECT_EQ(items[0].detail, "running g4dn.xlarge");
  EXPECT_EQ(items[3].detail, "100 GiB available");
}

// A named volume (`up --volume`) outlives every box: gc never selects it, even one that somehow
// carries a box tag nobody owns; an instance that used a named volume is still a leftover.
TEST(Gc, NeverSelectsANamedVolume) {
  RegionInventory inv = inventory();
  inv.volumes[1].tags["gpubox:volume"] = "data";
  inv.instances[1].tags["gpubox:volume"] = "data";
  auto owned = [](std::string_view, std::string_view name) { return name == "kept"; };
  std::vector<std::string> ids;
  for (const auto& l : select_leftovers(inv, owned)) {
    ids.push_back(l.kind + ":" + l.id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"instance:i-lost", "security-group:sg-old",
                                           "key-pair:gpubox-old"}));
}

// `run --then down`: the box stopped itself after its job; gc finishes it whole, but only once it
// has stopped, only the caller's, and only a box the store owns (one it does not own is a
// leftover instance already).
TEST(Gc, StoppedThenDownBoxesOfTheCallerAreFinished) {
  RegionInventory inv = inventory();
  inv.instances[0].tags["gpubox:then"] = "down";
  inv.instances[0].tags["gpubox:owner"] = "arn:aws:iam::123456789012:user/me";
  auto owned = [](std::string_view, std::string_view name) { return name == "kept"; };
  const std::string me = "arn:aws:iam::123456789012:user/me";
  EXPECT_TRUE(select_finished(inv, owned, me).empty());  // still running its job
  inv.instances[0].state = "stopped";
  auto finished = select_finished(inv, owned, me);
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0].kind, "box");
  EXPECT_EQ(finished[0].box, "kept");
  EXPECT_EQ(finished[0].id, "i-live");
  EXPECT_TRUE(select_finished(inv, owned, "arn:aws:iam::123456789012:user/other").empty());
  inv.instances[0].tags["gpubox:then"] = "stop";
  EXPECT_TRUE(select_finished(inv, owned, me).empty());  // --then stop keeps the box
  // Owned, so never among the leftovers: gc removes it whole or not at all.
  for (const auto& l : select_leftovers(inv, owned, me)) {
    EXPECT_NE(l.id, "i-live");
  }
}

TEST(Gc, OwnershipIsPerRegion) {
  auto owned = [](std::string_view region, std::string_view name) {
    return region == "eu-west-1" && name == "kept";
  };
  auto items = select_leftovers(inventory(), owned);
  EXPECT_EQ(items.size(), 7u);  // "kept" lives in eu-west-1; its us-east-1 resources are stray
}

TEST(Gc, StoreOwnsItsBoxesAndLaunchesInProgress) {
  auto store = *state::BoxStore::open_memory();
  state::Box b;
  b.name = "kept";
  b.region = "us-east-1";
  ASSERT_TRUE(store.insert_box(b));
  ASSERT_TRUE(store.begin_launch({"coming", "eu-west-1", "eu-west-1a", "g5.xlarge", {}}));
  auto owned = owned_by_store(store);
  ASSERT_TRUE(owned);
  EXPECT_TRUE((*owned)("us-east-1", "kept"));
  EXPECT_FALSE((*owned)("eu-west-1", "kept"));
  EXPECT_TRUE((*owned)("eu-west-1", "coming"));
  EXPECT_FALSE((*owned)("us-east-1", "coming"));
}

TEST(Gc, RemovalTerminatesInstancesBeforeDeletingTheirGroup) {
  testing::FakeHttpClient http;
  testing::FakeClock clock;
  aws::StaticCredentialProvider creds{aws::Credentials{"AKID", "secret", "", {}, "test"}};
  aws::Settings settings;
  settings.region = "us-east-1";
  aws::AwsClient client(aws::ClientDeps{http, clock, creds, settings}, [] { return 0.5; });
  testing::FakeInstance gone{"i-lost", "terminated"};
  http.respond("DescribeSpotInstanceRequests", 200, testing::describe_spot_xml({}));
  http.respond("TerminateInstances", 200,
               testing::state_change_xml("TerminateInstances", "i-lost", "shutting-down"));
  http.respond("DescribeInstances", 200, testing::describe_instances_xml({gone}));
  http.respond("DeleteSecurityGroup", 400, testing::ec2_error_xml("DependencyViolation"));
  http.respond("DeleteSecurityGroup", 200, testing::return_xml("DeleteSecurityGroup"));
  std::vector<Leftover> items{{"us-east-1", "security-group", "sg-old", "old", ""},
                              {"us-east-1", "instance", "i-lost", "old", ""}};
  auto rep = remove_leftovers(client, clock, items);
  EXPECT_TRUE(rep.failed.empty());
  ASSERT_EQ(rep.removed.size(), 2u);
  std::vector<std::string> calls;
  for (const auto& r : http.requests()) {
    calls.push_back(testing::FakeHttpClient::call_of(r));
  }
  EXPECT_EQ(calls, (std::vector<std::string>{"DescribeSpotInstanceRequests", "TerminateInstances",
                                             "DescribeInstances", "DeleteSecurityGroup",
                                             "DeleteSecurityGroup"}));
  EXPECT_EQ(clock.sleeps, std::vector<Duration>{std::chrono::seconds(2)});
}

}  // namespace
}  // namespace gpubox::box
