#include "box/launch/launch_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "core/paths.hpp"

namespace gpubox::box {

Result<LaunchLock> LaunchLock::try_acquire(const std::filesystem::path& data_dir,
                                           std::string_view name) {
  const auto dir = data_dir / "locks";
  GPUBOX_TRY(ensure_private_dir(dir));
  const auto path = dir / ("up-" + std::string(name) + ".lock");
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return fail(ErrorKind::state,
                fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?";
    return fail(ErrorKind::conflict,
                fmt::format("another `gpubox up {}` is already launching it (pid {}); this one "
                            "changed nothing",
                            name, pid),
                "wait for it to finish, then see the box with `gpubox ls`");
  }
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd, 0) == 0) {
    (void)!::pwrite(fd, pid.data(), pid.size(), 0);
  }
  return LaunchLock(fd);
}

LaunchLock::LaunchLock(LaunchLock&& other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }

LaunchLock::~LaunchLock() {
  if (m_fd >= 0) {
    ::close(m_fd);  // releases the flock
  }
}

}  // namespace gpubox::box
