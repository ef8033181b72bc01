#include "core/filesystem.hpp"

#include <gtest/gtest.h>

#include "fakes/fake_file_system.hpp"
#include "fakes/temp_dir.hpp"

namespace gpubox {
namespace {

namespace fs = std::filesystem;

TEST(DiskFileSystem, WritesAtomicallyWithTheModeAndLeavesNoTemporaryFile) {
  testing::ScopedTempDir tmp;
  DiskFileSystem disk;
  const fs::path dir = tmp.path() / "data";
  ASSERT_TRUE(disk.ensure_private_dir(dir));
  EXPECT_EQ(disk.mode_of(dir), 0700u);
  ASSERT_TRUE(disk.write_file_atomic(dir / "key", "old", 0600));
  ASSERT_TRUE(disk.write_file_atomic(dir / "key", "new", 0600));
  EXPECT_EQ(disk.read_file(dir / "key"), "new");
  EXPECT_EQ(disk.mode_of(dir / "key"), 0600u);
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) {
    ++files;
  }
  EXPECT_EQ(files, 1u);
  EXPECT_EQ(disk.remove_file(dir / "key"), true);
  EXPECT_EQ(disk.remove_file(dir / "key"), false);
  EXPECT_FALSE(disk.exists(dir / "key"));
  EXPECT_FALSE(disk.mode_of(dir / "key"));
  EXPECT_EQ(disk.read_file(dir / "key").error().kind, ErrorKind::not_found);
}

TEST(DiskFileSystem, ResolvesASymlinkAndRunsUnderALock) {
  testing::ScopedTempDir tmp;
  DiskFileSystem disk;
  const fs::path real = tmp.write("dotfiles/config", "x");
  fs::create_symlink(real, tmp.path() / "config");
  EXPECT_EQ(disk.resolve_symlink(tmp.path() / "config"), fs::weakly_canonical(real));
  EXPECT_EQ(disk.resolve_symlink(real), real);
  bool ran = false;
  ASSERT_TRUE(disk.with_lock(tmp.path() / "x.lock", [&]() -> Result<void> {
    ran = true;
    return {};
  }));
  EXPECT_TRUE(ran);
}

TEST(FakeFileSystem, NeedsTheDirectoryAndRefusesAReadOnlyOne) {
  testing::FakeFileSystem files;
  EXPECT_FALSE(files.write_file_atomic("/nowhere/key", "x", 0600));
  files.add_dir("/ro", 0500);
  EXPECT_FALSE(files.write_file_atomic("/ro/key", "x", 0600));
  EXPECT_FALSE(files.ensure_private_dir("/ro"));
  ASSERT_TRUE(files.ensure_private_dir("/home/me/.ssh"));
  EXPECT_EQ(files.mode("/home/me/.ssh"), 0700u);
  EXPECT_EQ(files.mode("/home/me"), 0755u);
  ASSERT_TRUE(files.write_file_atomic("/home/me/.ssh/config", "Host a\n", 0600));
  EXPECT_EQ(files.content("/home/me/.ssh/config"), "Host a\n");
  EXPECT_EQ(files.writes, (std::vector<std::string>{"/home/me/.ssh/config"}));
}

}  // namespace
}  // namespace gpubox
