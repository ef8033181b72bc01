#include "box/cluster.hpp"

#include <gtest/gtest.h>

#include "box/names.hpp"

namespace gpubox::box {
namespace {

state::Box node(const std::string& cluster, int rank) {
  state::Box b;
  b.name = node_name(cluster, rank);
  b.cluster = cluster;
  b.node_index = rank;
  return b;
}

TEST(Cluster, NodesAreNamedClusterDotRankWhichNoBoxNameCanBe) {
  EXPECT_EQ(node_name("train", 0), "train.0");
  EXPECT_EQ(node_name("train", 12), "train.12");
  EXPECT_FALSE(validate_name("train.0"));  // so a user's box never collides with a node
  for (const char* good : {"train.0", "train.63", "a-b.7", "lab"}) {
    EXPECT_TRUE(validate_box_name(good)) << good;
  }
  for (const char* bad : {"train.64", "train.01", ".0", "train.", "train.x", "a b.1", "9x.1"}) {
    EXPECT_FALSE(validate_box_name(bad)) << bad;
  }
}

TEST(Cluster, ARefIsANameOrNameColonRank) {
  auto whole = parse_box_ref("train");
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->name, "train");
  EXPECT_FALSE(whole->rank);
  for (const char* one : {"train:2", "train.2"}) {
    auto ref = parse_box_ref(one);
    ASSERT_TRUE(ref) << one;
    EXPECT_EQ(ref->name, "train");
    EXPECT_EQ(ref->rank, 2);
  }
  auto bad = parse_box_ref("train:x");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::invalid_input);
  EXPECT_NE(bad.error().hint.find("train:0"), std::string::npos);
  EXPECT_FALSE(parse_box_ref("train:"));
  EXPECT_FALSE(parse_box_ref("bad name:1"));
}

TEST(Cluster, ListingsShowNodesAsClusterColonRank) {
  EXPECT_EQ(display_name(node("train", 1)), "train:1");
  state::Box single;
  single.name = "lab";
  EXPECT_EQ(display_name(single), "lab");
}

TEST(Cluster, ARefResolvesToTheBoxTheWholeClusterOrOneNode) {
  auto store = state::BoxStore::open_memory().value();
  for (int k : {1, 0, 2}) {  // stored out of order: resolved by rank
    ASSERT_TRUE(store.insert_box(node("train", k)));
  }
  state::Box single;
  single.name = "lab";
  ASSERT_TRUE(store.insert_box(single));

  auto all = resolve_boxes(store, "train").value();
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[0].name, "train.0");
  EXPECT_EQ(all[2].name, "train.2");
  auto one = resolve_boxes(store, "train:1").value();
  ASSERT_EQ(one.size(), 1U);
  EXPECT_EQ(one[0].name, "train.1");
  EXPECT_EQ(resolve_boxes(store, "lab").value().size(), 1U);
  EXPECT_TRUE(resolve_boxes(store, "nothing").value().empty());
  EXPECT_TRUE(resolve_boxes(store, "train:5").value().empty());

  // ssh reaches node 0 of a cluster, node K of NAME:K, and a box by its name.
  EXPECT_EQ(ssh_box_name(store, "train").value(), "train.0");
  EXPECT_EQ(ssh_box_name(store, "train:2").value(), "train.2");
  EXPECT_EQ(ssh_box_name(store, "lab").value(), "lab");
  EXPECT_EQ(ssh_box_name(store, "nothing").value(), "nothing");
}

}  // namespace
}  // namespace gpubox::box
