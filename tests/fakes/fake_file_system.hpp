#pragma once
// An in-memory FileSystem: files with their content and mode, directories with their mode, and
// symlinks. Nothing touches the disk, so tests neither depend on the real HOME nor on running
// as a normal user (root ignores permission bits on disk). Like the disk, writing a file needs
// its directory; a read-only directory refuses writes.
//
//   FakeFileSystem files;
//   files.add_dir("/home/me/.ssh", 0700);
//   files.add_file("/home/me/.ssh/config", "Host a\n", 0644);
//   ... run the code under test with `files` ...
//   EXPECT_EQ(files.mode("/data/keys/lab.pem"), 0600u);

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/filesystem.hpp"

namespace gpubox::testing {

class FakeFileSystem final : public FileSystem {
public:
  struct File {
    std::string content;
    mode_t mode = 0644;
  };

  FakeFileSystem() { dirs["/"] = 0755; }

  // Create directory `dir` (and missing parents, 0755) with mode `mode`.
  void add_dir(const std::filesystem::path& dir, mode_t mode = 0755) {
    add_parents(dir);
    dirs[norm(dir)] = mode;
  }
  // Create file `path` (and missing parent directories, 0755).
  void add_file(const std::filesystem::path& path, std::string content, mode_t mode = 0644) {
    add_parents(path);
    files[norm(path)] = File{std::move(content), mode};
  }
  // Make `link` a symlink to `target`.
  void add_symlink(const std::filesystem::path& link, const std::filesystem::path& target) {
    add_parents(link);
    symlinks[norm(link)] = norm(target);
  }
  // Return the content of file `path`, or nullopt.
  std::optional<std::string> content(const std::filesystem::path& path) const {
    auto it = files.find(norm(path));
    return it == files.end() ? std::nullopt : std::optional(it->second.content);
  }
  // Return the mode of file or directory `path`, or nullopt.
  std::optional<mode_t> mode(const std::filesystem::path& path) const {
    if (auto it = files.find(norm(path)); it != files.end()) {
      return it->second.mode;
    }
    if (auto it = dirs.find(norm(path)); it != dirs.end()) {
      return it->second;
    }
    return std::nullopt;
  }

  Result<std::string> read_file(const std::filesystem::path& path) override {
    auto it = files.find(follow(path));
    if (it == files.end()) {
      return fail(ErrorKind::not_found, "cannot read " + path.string() + ": no such file");
    }
    return it->second.content;
  }

  Result<void> write_file_atomic(const std::filesystem::path& path, std::string_view content,
                                 mode_t mode) override {
    const std::string p = follow(path);
    const std::string parent = std::filesystem::path(p).parent_path().string();
    auto dir = dirs.find(parent);
    if (dir == dirs.end()) {
      return fail(ErrorKind::state, "cannot write " + path.string() + ": no such directory");
    }
    if ((dir->second & 0200) == 0) {
      return fail(ErrorKind::state, "cannot write " + path.string() + ": permission denied");
    }
    files[p] = File{std::string(content), mode};
    writes.push_back(p);
    return {};
  }

  Result<void> ensure_private_dir(const std::filesystem::path& dir) override {
    const std::string d = norm(dir);
    if (files.contains(d)) {
      return fail(ErrorKind::state, "cannot create directory " + d + ": not a directory");
    }
    if (!dirs.contains(d)) {
      add_parents(d);
      dirs[d] = 0700;
    }
    if ((dirs[d] & 0300) != 0300) {
      return fail(ErrorKind::state, "directory " + d + " is not writable");
    }
    return {};
  }

  bool exists(const std::filesystem::path& path) override {
    const std::string p = follow(path);
    return files.contains(p) || dirs.contains(p);
  }

  std::optional<mode_t> mode_of(const std::filesystem::path& path) override {
    return mode(follow(path));
  }

  Result<bool> remove_file(const std::filesystem::path& path) override {
    removed.push_back(norm(path));
    return files.erase(norm(path)) + symlinks.erase(norm(path)) > 0;
  }

  Result<std::filesystem::path> resolve_symlink(const std::filesystem::path& path) override {
    return std::filesystem::path(follow(path));
  }

  Result<void> with_lock(const std::filesystem::path& lock_file,
                         const std::function<Result<void>()>& body) override {
    locks.push_back(norm(lock_file));
    return body();
  }

  std::map<std::string, File> files;
  std::map<std::string, mode_t> dirs;
  std::map<std::string, std::string> symlinks;
  std::vector<std::string> writes;   // every file written, in order
  std::vector<std::string> removed;  // every remove_file() call
  std::vector<std::string> locks;    // every lock file taken

private:
  static std::string norm(const std::filesystem::path& p) { return p.lexically_normal().string(); }
  std::string follow(const std::filesystem::path& p) const {
    std::string n = norm(p);
    for (int hops = 0; hops < 8; ++hops) {
      auto it = symlinks.find(n);
      if (it == symlinks.end()) {
        break;
      }
      n = it->second;
    }
    return n;
  }
  void add_parents(const std::filesystem::path& p) {
    for (auto parent = std::filesystem::path(norm(p)).parent_path();
         !parent.empty() && !dirs.contains(parent.string()); parent = parent.parent_path()) {
      dirs[parent.string()] = 0755;
      if (parent == parent.root_path()) {
        break;
      }
    }
  }
};

}  // namespace gpubox::testing
