// Env: the edges a command reaches through it; here, the local state when it is damaged.

#include "cli/env.hpp"

#include <gtest/gtest.h>

#include "cli/test_env.hpp"
#include "fakes/damaged_store.hpp"
#include "state/box_store.hpp"

namespace gpubox::cli {
namespace {

namespace fs = std::filesystem;
using testing::make_test_env;

// The damage is in a page only a query would read: the store is still moved aside at open, kept,
// and a fresh one is used, with a warning that says so.
TEST(EnvStore, DamageBeyondTheHeaderMovesTheStoreAsideAndStartsAFreshOne) {
  auto t = make_test_env();
  const fs::path db = t->data_dir() / "state.db";
  fs::create_directories(t->data_dir());
  {
    auto store = state::BoxStore::open(db);
    ASSERT_TRUE(store) << store.error().message;
    state::Box box;
    box.name = "lab";
    box.kind = state::BoxKind::byo;
    ASSERT_TRUE(store->insert_box(box));
  }
  gpubox::testing::damage_boxes_table(db);

  auto store = t->env.store();
  ASSERT_TRUE(store) << store.error().message;
  auto boxes = (*store)->list_boxes();
  ASSERT_TRUE(boxes) << boxes.error().message;  // no raw SQL error later on
  EXPECT_TRUE(boxes->empty());
  EXPECT_NE(t->err.str().find("was damaged (local state: database disk image is malformed"),
            std::string::npos)
      << t->err.str();
  size_t aside = 0;
  for (const auto& entry : fs::directory_iterator(t->data_dir())) {
    aside += entry.path().filename().string().starts_with("state.db.damaged-") ? 1 : 0;
  }
  EXPECT_EQ(aside, 1u);
}

}  // namespace
}  // namespace gpubox::cli
