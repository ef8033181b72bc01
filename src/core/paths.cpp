#include "core/paths.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include <fmt/format.h>

namespace gpubox {

namespace {

namespace fs = std::filesystem;

std::optional<std::string> non_empty(const EnvLookup& getenv, std::string_view name) {
  auto value = getenv(name);
  if (!value || value->empty()) {
    return std::nullopt;
  }
  return value;
}

std::string errno_text(int err) { return std::strerror(err); }

Result<void> write_all(int fd, std::string_view content, const fs::path& tmp) {
  while (!content.empty()) {
    ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return fail(ErrorKind::state, "cannot write " + tmp.string() + ": " + errno_text(errno));
    }
    content.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

// Sync the directory so the rename itself survives a crash, not only the file's data.
void sync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

Result<fs::path> data_dir(const EnvLookup& getenv) {
  if (auto home = non_empty(getenv, "GPUBOX_HOME")) {
    std::error_code ec;
    fs::path abs = fs::absolute(*home, ec);
    return ec ? fs::path(*home) : abs;
  }
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  if (auto xdg = non_empty(getenv, "XDG_DATA_HOME"); xdg && fs::path(*xdg).is_absolute()) {
    return fs::path(*xdg) / "gpubox";
  }
  if (auto home = non_empty(getenv, "HOME")) {
    return fs::path(*home) / ".local" / "share" / "gpubox";
  }
  auto e = fail(ErrorKind::state, "cannot find a data directory: HOME is not set");
  e.error().hint = "set GPUBOX_HOME to a writable directory";
  return e;
}

namespace {

// Check that existing directory `dir` is the caller's own and owner-only: a directory of another
// user is refused, one open to group or others is made 0700.
Result<void> check_private_dir(const fs::path& dir) {
  struct stat st{};
  if (::stat(dir.c_str(), &st) != 0) {
    return fail(ErrorKind::state, "cannot inspect " + dir.string() + ": " + errno_text(errno));
  }
  if (st.st_uid != ::geteuid()) {
    auto e = fail(ErrorKind::state,
                  fmt::format("directory {} belongs to user id {}, not to you ({}); it holds "
                              "private keys and tokens, so gpubox will not use it",
                              dir.string(), st.st_uid, ::geteuid()));
    e.error().hint = "set GPUBOX_HOME to a directory of your own";
    return e;
  }
  if ((st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0) {
    auto e =
        fail(ErrorKind::state, fmt::format("directory {} is open to others (mode {:o}) and "
                                           "cannot be made 0700: {}",
                                           dir.string(), st.st_mode & 0777, errno_text(errno)));
    e.error().hint = "run: chmod 700 " + dir.string();
    return e;
  }
  return {};
}

}  // namespace

Result<void> ensure_private_dir(const fs::path& dir) {
  std::error_code ec;
  bool existed = fs::is_directory(dir, ec);
  if (!existed) {
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) {
      auto e = fail(ErrorKind::state, "cannot create directory " + dir.string() + ": " +
                                          (ec ? ec.message() : std::string("not a directory")));
      e.error().hint = "set GPUBOX_HOME to a writable directory";
      return e;
    }
    // The data directory holds private keys and Jupyter tokens: owner only.
    if (::chmod(dir.c_str(), 0700) != 0) {
      return fail(ErrorKind::state,
                  "cannot set mode 0700 on " + dir.string() + ": " + errno_text(errno));
    }
  }
  if (existed) {
    GPUBOX_TRY(check_private_dir(dir));
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    auto e = fail(ErrorKind::state,
                  "directory " + dir.string() + " is not writable: " + errno_text(errno));
    e.error().hint = "fix its permissions or set GPUBOX_HOME to a writable directory";
    return e;
  }
  return {};
}

Result<void> write_file_atomic(const fs::path& path, std::string_view content, mode_t mode) {
  fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::string tmpl = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) {
    return fail(ErrorKind::state, "cannot write " + path.string() + ": " + errno_text(errno));
  }
  fs::path tmp = tmpl;
  auto cleanup = [&](Error e) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return fail(std::move(e));
  };
  if (auto r = write_all(fd, content, tmp); !r) {
    return cleanup(r.error());
  }
  if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) {
    Error e;
    e.kind = ErrorKind::state;
    e.message = "cannot write " + path.string() + ": " + errno_text(errno);
    return cleanup(std::move(e));
  }
  if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return fail(ErrorKind::state, "cannot replace " + path.string() + ": " + errno_text(err));
  }
  sync_dir(dir);
  return {};
}

Result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    ErrorKind kind = fs::exists(path, ec) ? ErrorKind::state : ErrorKind::not_found;
    return fail(kind, "cannot read " + path.string());
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

Result<FileLock> FileLock::acquire(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return fail(ErrorKind::state,
                "cannot open lock file " + path.string() + ": " + errno_text(errno));
  }
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) {
      int err = errno;
      ::close(fd);
      return fail(ErrorKind::state, "cannot lock " + path.string() + ": " + errno_text(err));
    }
  }
  return FileLock(fd);
}

FileLock::FileLock(FileLock&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}

FileLock::~FileLock() {
  if (m_fd >= 0) {
    ::close(m_fd);  // closing the descriptor releases the flock
  }
}

}  // namespace gpubox
