#pragma once
// Where gpubox keeps its files, and how it writes them. The filesystem is an edge, but these
// helpers are thin enough to test against a temporary directory.

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/env.hpp"
#include "core/error.hpp"

namespace gpubox {

// Look up an environment variable by name; std::nullopt when unset.

// Return the data directory: $GPUBOX_HOME, else $XDG_DATA_HOME/gpubox, else
// $HOME/.local/share/gpubox, read through `getenv` (empty values count as unset).
Result<std::filesystem::path> data_dir(const EnvLookup& getenv);

// Create `dir` and its parents when missing (the leaf with mode 0700) and check it is writable.
Result<void> ensure_private_dir(const std::filesystem::path& dir);

// Write `content` to `path` atomically with permission bits `mode`: a temporary file in the same
// directory is written, fsynced and renamed over `path`, so readers see the old or new file.
Result<void> write_file_atomic(const std::filesystem::path& path, std::string_view content,
                               mode_t mode = 0600);

// Return the contents of `path`; an Error of kind not_found when it does not exist.
Result<std::string> read_file(const std::filesystem::path& path);

}  // namespace gpubox

namespace gpubox {

// An exclusive advisory lock (flock) on a lock file, held until destruction. Use it around a
// read-modify-write of a shared file so two gpubox processes do not lose each other's update.
class FileLock {
public:
  // Create `path` if needed and block until the lock is held.
  static Result<FileLock> acquire(const std::filesystem::path& path);

  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

private:
  explicit FileLock(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

}  // namespace gpubox
