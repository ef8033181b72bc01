#pragma once
// Damage a state.db the way a bad sector or a torn copy does: page 1 (the header and the schema)
// stays intact, so the file still opens, but the `boxes` table's root page is garbage.

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "state/db.hpp"

namespace gpubox::testing {

inline void damage_boxes_table(const std::filesystem::path& db_path) {
  std::int64_t root_page = 0;
  std::int64_t page_size = 0;
  {
    auto db = state::Db::open(db_path);
    ASSERT_TRUE(db) << db.error().message;
    {  // statements end their read before the checkpoint
      auto root = db->prepare("SELECT rootpage FROM sqlite_master WHERE name = 'boxes'");
      ASSERT_TRUE(root);
      auto row = root->step();
      ASSERT_TRUE(row && *row);
      root_page = root->column_int(0);
      auto size = db->prepare("PRAGMA page_size");
      ASSERT_TRUE(size);
      auto size_row = size->step();
      ASSERT_TRUE(size_row && *size_row);
      page_size = size->column_int(0);
    }
    auto checkpoint = db->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    ASSERT_TRUE(checkpoint) << checkpoint.error().message;
  }  // closing the last connection folds the WAL into the file
  ASSERT_GT(root_page, 1);
  std::fstream file(db_path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(file);
  file.seekp((root_page - 1) * page_size);
  const std::string garbage(static_cast<size_t>(page_size), '\xA5');
  file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  ASSERT_TRUE(file);
}

}  // namespace gpubox::testing
