#include "state/box_store.hpp"

#include <gtest/gtest.h>

#include "fakes/damaged_store.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/temp_dir.hpp"

namespace gpubox::state {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

BoxStore memory_store() {
  auto store = BoxStore::open_memory();
  EXPECT_TRUE(store) << (store ? "" : store.error().message);
  return std::move(*store);
}

Box full_box(std::string name, TimePoint created) {
  Box b;
  b.name = std::move(name);
  b.kind = BoxKind::aws;
  b.region = "us-east-1";
  b.zone = "us-east-1b";
  b.instance_id = "i-0123456789abcdef0";
  b.instance_type = "g5.xlarge";
  b.gpu_summary = "1x A10G 24 GiB";
  b.state = "running";
  b.public_ip = "203.0.113.7";
  b.ssh_user = "ubuntu";
  b.ssh_host = "203.0.113.7";
  b.ssh_port = 2222;
  b.key_path = "/data/keys/k.pem";
  b.key_name = "gpubox-k";
  b.security_group_id = "sg-0abc";
  b.allow_from = "198.51.100.4/32";
  b.ami_id = "ami-0123";
  b.price_per_hour_usd = 1.006;
  b.spot = true;
  b.disk_gb = 200;
  b.created_at = created;
  b.idle_minutes = 30;
  b.max_hours = 8.5;
  b.budget_usd = 25;
  b.jupyter_token_path = "/data/tokens/k";
  b.host_key_pinned = true;
  b.cluster = "train";
  b.node_index = 3;
  b.private_ip = "172.31.5.9";
  return b;
}

void expect_same(const Box& a, const Box& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.region, b.region);
  EXPECT_EQ(a.zone, b.zone);
  EXPECT_EQ(a.instance_id, b.instance_id);
  EXPECT_EQ(a.instance_type, b.instance_type);
  EXPECT_EQ(a.gpu_summary, b.gpu_summary);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.public_ip, b.public_ip);
  EXPECT_EQ(a.ssh_user, b.ssh_user);
  EXPECT_EQ(a.ssh_host, b.ssh_host);
  EXPECT_EQ(a.ssh_port, b.ssh_port);
  EXPECT_EQ(a.key_path, b.key_path);
  EXPECT_EQ(a.key_name, b.key_name);
  EXPECT_EQ(a.security_group_id, b.security_group_id);
  EXPECT_EQ(a.allow_from, b.allow_from);
  EXPECT_EQ(a.ami_id, b.ami_id);
  EXPECT_DOUBLE_EQ(a.price_per_hour_usd, b.price_per_hour_usd);
  EXPECT_EQ(a.spot, b.spot);
  EXPECT_EQ(a.disk_gb, b.disk_gb);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.idle_minutes, b.idle_minutes);
  EXPECT_DOUBLE_EQ(a.max_hours, b.max_hours);
  EXPECT_DOUBLE_EQ(a.budget_usd, b.budget_usd);
  EXPECT_EQ(a.jupyter_token_path, b.jupyter_token_path);
  EXPECT_EQ(a.host_key_pinned, b.host_key_pinned);
  EXPECT_EQ(a.cluster, b.cluster);
  EXPECT_EQ(a.node_index, b.node_index);
  EXPECT_EQ(a.private_ip, b.private_ip);
}

TEST(BoxStore, InsertedBoxRoundTripsEveryField) {
  testing::FakeClock clock;
  clock.advance(milliseconds{1234});
  BoxStore store = memory_store();
  Box box = full_box("alpha", clock.now());
  ASSERT_TRUE(store.insert_box(box));
  auto got = store.get_box("alpha");
  ASSERT_TRUE(got) << got.error().message;
  expect_same(*got, box);
}

TEST(BoxStore, AClustersMembersListByRankAndOnlyThem) {
  BoxStore store = memory_store();
  for (int rank : {2, 0, 1}) {
    Box b = full_box("train." + std::to_string(rank), TimePoint{});
    b.node_index = rank;
    ASSERT_TRUE(store.insert_box(b));
  }
  Box other = full_box("lab", TimePoint{});
  other.cluster = "";
  ASSERT_TRUE(store.insert_box(other));
  auto members = store.list_members("train");
  ASSERT_TRUE(members) << members.error().message;
  ASSERT_EQ(members->size(), 3U);
  for (int rank = 0; rank < 3; ++rank) {
    EXPECT_EQ((*members)[static_cast<size_t>(rank)].node_index, rank);
  }
  EXPECT_TRUE(store.list_members("lab").value().empty());
  EXPECT_TRUE(store.list_members("").value().empty());  // single boxes are no cluster
}

TEST(BoxStore, ByoBoxKeepsItsKind) {
  BoxStore store = memory_store();
  Box byo;
  byo.name = "lab";
  byo.kind = BoxKind::byo;
  byo.ssh_user = "me";
  byo.ssh_host = "10.0.0.5";
  ASSERT_TRUE(store.insert_box(byo));
  auto got = store.get_box("lab");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->kind, BoxKind::byo);
  EXPECT_EQ(got->ssh_port, 22);
}

TEST(BoxStore, DuplicateNameIsAConflict) {
  BoxStore store = memory_store();
  ASSERT_TRUE(store.insert_box(full_box("alpha", {})));
  auto again = store.insert_box(full_box("alpha", {}));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::conflict);
  EXPECT_NE(again.error().message.find("alpha"), std::string::npos);
}

TEST(BoxStore, UpdateChangesTheStoredBoxAndMissingIsNotFound) {
  BoxStore store = memory_store();
  Box box = full_box("alpha", {});
  ASSERT_TRUE(store.insert_box(box));
  box.state = "stopped";
  box.public_ip = "";
  ASSERT_TRUE(store.update_box(box));
  auto got = store.get_box("alpha");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->state, "stopped");
  EXPECT_EQ(got->public_ip, "");
  auto missing = store.update_box(full_box("ghost", {}));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
}

TEST(BoxStore, ListIsOrderedByNameAndFindMissingIsEmpty) {
  BoxStore store = memory_store();
  for (std::string name : {"zeta", "alpha", "mid"}) {
    ASSERT_TRUE(store.insert_box(full_box(name, {})));
  }
  auto boxes = store.list_boxes();
  ASSERT_TRUE(boxes);
  ASSERT_EQ(boxes->size(), 3u);
  EXPECT_EQ((*boxes)[0].name, "alpha");
  EXPECT_EQ((*boxes)[1].name, "mid");
  EXPECT_EQ((*boxes)[2].name, "zeta");
  auto none = store.find_box("nothing");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  auto err = store.get_box("nothing");
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().kind, ErrorKind::not_found);
}

TEST(BoxStore, ReopenedFileKeepsBoxes) {
  testing::ScopedTempDir tmp;
  fs::path path = tmp.path() / "state.db";
  {
    auto store = BoxStore::open(path);
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE(store->insert_box(full_box("alpha", {})));
  }
  auto store = BoxStore::open(path);
  ASSERT_TRUE(store);
  auto got = store->get_box("alpha");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->instance_type, "g5.xlarge");
}

// A damaged page that opening alone never reads (the header and schema are intact) is found at
// open, as the message the CLI moves the store aside for, not as a raw error in a later query.
TEST(BoxStore, DamageBeyondTheHeaderIsFoundAtOpen) {
  testing::ScopedTempDir tmp;
  fs::path path = tmp.path() / "state.db";
  {
    auto store = BoxStore::open(path);
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE(store->insert_box(full_box("alpha", {})));
  }
  testing::damage_boxes_table(path);
  {
    auto db = Db::open(path);  // the premise: the file still opens and reads its version
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE(db->user_version());
  }
  auto store = BoxStore::open(path);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().kind, ErrorKind::state);
  EXPECT_NE(store.error().message.find("database disk image is malformed"), std::string::npos)
      << store.error().message;
  EXPECT_FALSE(store.error().retryable);
}

TEST(BoxStore, OpenInAnUnwritablePlaceIsAStateError) {
  testing::ScopedTempDir tmp;
  fs::path file = tmp.write("f", "x");
  auto store = BoxStore::open(file / "state.db");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().kind, ErrorKind::state);
}

}  // namespace
}  // namespace gpubox::state
