#pragma once
// The filesystem is an edge for the code that writes gpubox's private files (keys, known_hosts,
// the managed SSH config and the user's Include line, Jupyter tokens): it goes through a
// FileSystem, so its tests run against FakeFileSystem (tests/fakes/fake_file_system.hpp), an
// in-memory tree that records modes, instead of the real HOME. ninja's DiskInterface is the
// model; DiskFileSystem is the real one, over core/paths.hpp.

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace gpubox {

class FileSystem {
public:
  virtual ~FileSystem() = default;
  // Return the contents of `path`; an Error of kind not_found when it does not exist.
  virtual Result<std::string> read_file(const std::filesystem::path& path) = 0;
  // Replace `path` atomically with `content`, permission bits `mode`; its directory must exist.
  virtual Result<void> write_file_atomic(const std::filesystem::path& path,
                                         std::string_view content, mode_t mode) = 0;
  // Create `dir` and its parents when missing (the leaf with mode 0700) and check it is writable.
  virtual Result<void> ensure_private_dir(const std::filesystem::path& dir) = 0;
  // Return whether `path` exists (following symlinks).
  virtual bool exists(const std::filesystem::path& path) = 0;
  // Return the permission bits of `path`, or nullopt when it does not exist.
  virtual std::optional<mode_t> mode_of(const std::filesystem::path& path) = 0;
  // Remove file `path`; return false when it was not there.
  virtual Result<bool> remove_file(const std::filesystem::path& path) = 0;
  // Return the file a symlink at `path` points to (resolved), or `path` itself when it is none.
  virtual Result<std::filesystem::path> resolve_symlink(const std::filesystem::path& path) = 0;
  // Run `body` while holding an exclusive lock on `lock_file` (other gpubox processes wait).
  virtual Result<void> with_lock(const std::filesystem::path& lock_file,
                                 const std::function<Result<void>()>& body) = 0;
};

class DiskFileSystem final : public FileSystem {
public:
  Result<std::string> read_file(const std::filesystem::path& path) override;
  Result<void> write_file_atomic(const std::filesystem::path& path, std::string_view content,
                                 mode_t mode) override;
  Result<void> ensure_private_dir(const std::filesystem::path& dir) override;
  bool exists(const std::filesystem::path& path) override;
  std::optional<mode_t> mode_of(const std::filesystem::path& path) override;
  Result<bool> remove_file(const std::filesystem::path& path) override;
  Result<std::filesystem::path> resolve_symlink(const std::filesystem::path& path) override;
  Result<void> with_lock(const std::filesystem::path& lock_file,
                         const std::function<Result<void>()>& body) override;
};

// Return the shared DiskFileSystem, the default where a Deps struct takes a FileSystem.
FileSystem& disk_file_system();

}  // namespace gpubox
