#pragma once
// One `gpubox up NAME` at a time: a per-name lock file under the data directory, held while `up`
// launches and records the box. A second `up` of the same name fails at once, says so and
// changes nothing, instead of racing the first through the same ClientToken.

#include <filesystem>
#include <string_view>

#include "core/error.hpp"

namespace gpubox::box {

class LaunchLock {
public:
  // Take the lock of box `name` under `data_dir` without waiting; an Error of kind conflict
  // naming the holder's pid when another process has it.
  static Result<LaunchLock> try_acquire(const std::filesystem::path& data_dir,
                                        std::string_view name);

  LaunchLock(LaunchLock&& other) noexcept;
  LaunchLock& operator=(LaunchLock&&) = delete;
  LaunchLock(const LaunchLock&) = delete;
  LaunchLock& operator=(const LaunchLock&) = delete;
  ~LaunchLock();

private:
  explicit LaunchLock(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

}  // namespace gpubox::box
