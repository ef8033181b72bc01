#include "core/filesystem.hpp"

#include <sys/stat.h>

#include <system_error>

#include "core/paths.hpp"

namespace gpubox {

namespace fs = std::filesystem;

Result<std::string> DiskFileSystem::read_file(const fs::path& path) {
  return gpubox::read_file(path);
}

Result<void> DiskFileSystem::write_file_atomic(const fs::path& path, std::string_view content,
                                               mode_t mode) {
  return gpubox::write_file_atomic(path, content, mode);
}

Result<void> DiskFileSystem::ensure_private_dir(const fs::path& dir) {
  return gpubox::ensure_private_dir(dir);
}

bool DiskFileSystem::exists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

std::optional<mode_t> DiskFileSystem::mode_of(const fs::path& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) {
    return std::nullopt;
  }
  return st.st_mode & 07777;
}

Result<bool> DiskFileSystem::remove_file(const fs::path& path) {
  std::error_code ec;
  bool removed = fs::remove(path, ec);
  if (ec) {
    return fail(ErrorKind::state, "cannot remove " + path.string() + ": " + ec.message());
  }
  return removed;
}

Result<fs::path> DiskFileSystem::resolve_symlink(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_symlink(fs::symlink_status(path, ec))) {
    return path;
  }
  fs::path target = fs::weakly_canonical(path, ec);
  if (ec) {
    return fail(ErrorKind::state, "cannot resolve " + path.string() + ": " + ec.message());
  }
  return target;
}

Result<void> DiskFileSystem::with_lock(const fs::path& lock_file,
                                       const std::function<Result<void>()>& body) {
  GPUBOX_TRY_ASSIGN(lock, FileLock::acquire(lock_file));
  return body();
}

FileSystem& disk_file_system() {
  static DiskFileSystem disk;
  return disk;
}

}  // namespace gpubox
