#include "core/paths.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>

#include <gtest/gtest.h>

#include "fakes/temp_dir.hpp"

namespace gpubox {
namespace {

namespace fs = std::filesystem;

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

mode_t mode_of(const fs::path& p) {
  struct stat st{};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

size_t entries_in(const fs::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) {
    ++n;
  }
  return n;
}

TEST(DataDir, GpuboxHomeWinsOverXdgAndHome) {
  auto dir =
      data_dir(env_of({{"GPUBOX_HOME", "/srv/gb"}, {"XDG_DATA_HOME", "/x"}, {"HOME", "/h"}}));
  ASSERT_TRUE(dir) << dir.error().message;
  EXPECT_EQ(*dir, fs::path("/srv/gb"));
}

TEST(DataDir, UsesXdgDataHomeWhenAbsolute) {
  auto dir = data_dir(env_of({{"XDG_DATA_HOME", "/x/data"}, {"HOME", "/h"}}));
  ASSERT_TRUE(dir);
  EXPECT_EQ(*dir, fs::path("/x/data/gpubox"));
}

TEST(DataDir, IgnoresEmptyOrRelativeXdgDataHome) {
  auto empty = data_dir(env_of({{"GPUBOX_HOME", ""}, {"XDG_DATA_HOME", ""}, {"HOME", "/h"}}));
  auto relative = data_dir(env_of({{"XDG_DATA_HOME", "rel/data"}, {"HOME", "/h"}}));
  ASSERT_TRUE(empty);
  ASSERT_TRUE(relative);
  EXPECT_EQ(*empty, fs::path("/h/.local/share/gpubox"));
  EXPECT_EQ(*relative, fs::path("/h/.local/share/gpubox"));
}

TEST(DataDir, RelativeGpuboxHomeBecomesAbsolute) {
  auto dir = data_dir(env_of({{"GPUBOX_HOME", "state-here"}}));
  ASSERT_TRUE(dir);
  EXPECT_TRUE(dir->is_absolute());
  EXPECT_EQ(dir->filename(), "state-here");
}

TEST(DataDir, FailsClearlyWithoutAnyVariable) {
  auto dir = data_dir(env_of({}));
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.error().kind, ErrorKind::state);
  EXPECT_NE(dir.error().hint.find("GPUBOX_HOME"), std::string::npos);
}

TEST(EnsurePrivateDir, CreatesParentsAndLeafWithMode0700) {
  testing::ScopedTempDir tmp;
  fs::path dir = tmp.path() / "a" / "b" / "gpubox";
  ASSERT_TRUE(ensure_private_dir(dir));
  EXPECT_TRUE(fs::is_directory(dir));
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_TRUE(ensure_private_dir(dir)) << "a second call on an existing directory succeeds";
}

TEST(EnsurePrivateDir, ReportsADirectoryThatCannotBeCreated) {
  testing::ScopedTempDir tmp;
  fs::path file = tmp.write("plain-file", "x");
  auto r = ensure_private_dir(file / "gpubox");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::state);
  EXPECT_NE(r.error().message.find((file / "gpubox").string()), std::string::npos);
  EXPECT_NE(r.error().hint.find("GPUBOX_HOME"), std::string::npos);
}

TEST(EnsurePrivateDir, ReportsAnUnwritableDirectory) {
  if (::geteuid() == 0) {
    GTEST_SKIP() << "root can write to any directory";
  }
  testing::ScopedTempDir tmp;
  fs::path dir = tmp.path() / "locked";
  fs::create_directory(dir);
  ::chmod(dir.c_str(), 0500);
  auto r = ensure_private_dir(dir);
  ::chmod(dir.c_str(), 0700);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not writable"), std::string::npos);
}

TEST(WriteFileAtomic, WritesContentWithModeAndLeavesNoTempFile) {
  testing::ScopedTempDir tmp;
  fs::path path = tmp.path() / "secret";
  ASSERT_TRUE(write_file_atomic(path, "first", 0600));
  ASSERT_TRUE(write_file_atomic(path, std::string("sec\0ond", 7), 0640));
  auto text = read_file(path);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, std::string("sec\0ond", 7));
  EXPECT_EQ(mode_of(path), 0640u);
  EXPECT_EQ(entries_in(tmp.path()), 1u);
}

TEST(WriteFileAtomic, FailsInAMissingDirectoryWithoutLeavingFiles) {
  testing::ScopedTempDir tmp;
  auto r = write_file_atomic(tmp.path() / "missing" / "file", "x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::state);
  EXPECT_EQ(entries_in(tmp.path()), 0u);
}

TEST(ReadFile, MissingFileIsNotFound) {
  testing::ScopedTempDir tmp;
  auto r = read_file(tmp.path() / "nope");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::not_found);
}

TEST(FileLock, HoldsTheLockUntilDestroyed) {
  testing::ScopedTempDir tmp;
  fs::path lock_path = tmp.path() / "x.lock";
  int probe = ::open(lock_path.c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_GE(probe, 0);
  {
    auto lock = FileLock::acquire(lock_path);
    ASSERT_TRUE(lock);
    EXPECT_NE(::flock(probe, LOCK_EX | LOCK_NB), 0) << "another open file must not get the lock";
  }
  EXPECT_EQ(::flock(probe, LOCK_EX | LOCK_NB), 0) << "the lock is released on destruction";
  ::close(probe);
}

}  // namespace
}  // namespace gpubox
