#include "core/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <functional>
#include <string_view>

#include <fmt/format.h>

extern char** environ;

namespace gpubox {
namespace {

using SteadyClock = std::chrono::steady_clock;

// The two ends of a pipe, closed on destruction; O_CLOEXEC so no child inherits a stray end.
struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) == 0) {
      read_end = fds[0];
      write_end = fds[1];
    }
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  bool ok() const { return read_end >= 0; }
  void close_read() { reset(read_end); }
  void close_write() { reset(write_end); }
  static void reset(int& fd) {
    if (fd >= 0) {
      ::close(fd);
      fd = -1;
    }
  }
};

// Blocks SIGPIPE in this thread while we write to a child that may already have exited, and
// swallows a pending one afterwards, so a broken pipe is an EPIPE instead of killing gpubox.
class SigpipeGuard {
public:
  SigpipeGuard() {
    sigemptyset(&m_set);
    sigaddset(&m_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &m_set, &m_old);
  }
  ~SigpipeGuard() {
    timespec zero{0, 0};
    while (sigtimedwait(&m_set, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

private:
  sigset_t m_set;
  sigset_t m_old;
};

std::vector<std::string> build_environment(const RunOptions& options) {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    std::string_view name = kv.substr(0, kv.find('='));
    bool replaced = false;
    for (const auto& [key, value] : options.env) {
      replaced = replaced || key == name;
    }
    if (!replaced) {
      out.emplace_back(kv);
    }
  }
  for (const auto& [key, value] : options.env) {
    out.push_back(fmt::format("{}={}", key, value));
  }
  return out;
}

std::vector<char*> to_c_array(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size());
  for (std::string& s : strings) {
    out.push_back(s.data());
  }
  out.push_back(nullptr);
  return out;
}

Result<pid_t> spawn(std::vector<std::string> argv, const RunOptions& options, Pipe& in, Pipe& out,
                    Pipe& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (options.stdin_text) {
    posix_spawn_file_actions_adddup2(&actions, in.read_end, 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, out.write_end, 1);
  posix_spawn_file_actions_adddup2(&actions, err.write_end, 2);
  std::vector<std::string> env = build_environment(options);
  std::vector<char*> c_argv = to_c_array(argv);
  std::vector<char*> c_env = to_c_array(env);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, c_argv[0], &actions, nullptr, c_argv.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return fail(rc == ENOENT ? ErrorKind::not_found : ErrorKind::internal,
                "cannot run `" + argv[0] + "`: " + std::strerror(rc));
  }
  return pid;
}

int wait_for_exit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Moves data between us and the child until both of its output pipes close.
class Pump {
public:
  Pump(Pipe& in, Pipe& out, Pipe& err, std::string_view input, const RunOptions& options)
      : m_in(in),
        m_out(out),
        m_err(err),
        m_input(input),
        m_on_err_line(options.on_stderr_line),
        m_on_out(options.on_stdout) {
    if (m_in.write_end >= 0) {
      fcntl(m_in.write_end, F_SETFL, fcntl(m_in.write_end, F_GETFL) | O_NONBLOCK);
      if (m_input.empty()) {
        m_in.close_write();
      }
    }
  }

  // Return false when `deadline` passed before the child closed its output.
  bool run(std::optional<SteadyClock::time_point> deadline, ProcessResult& result) {
    while (m_out.read_end >= 0 || m_err.read_end >= 0) {
      int wait_ms = -1;
      if (deadline) {
        auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - SteadyClock::now());
        if (left.count() <= 0) {
          return false;
        }
        wait_ms = static_cast<int>(left.count());
      }
      pollfd fds[3] = {
          {m_out.read_end, POLLIN, 0}, {m_err.read_end, POLLIN, 0}, {m_in.write_end, POLLOUT, 0}};
      if (poll(fds, 3, wait_ms) < 0 && errno != EINTR) {
        return true;
      }
      drain(fds[0], m_out, result.stdout_text);
      if (m_on_out && !result.stdout_text.empty()) {
        m_on_out(result.stdout_text);
        result.stdout_text.clear();
      }
      drain(fds[1], m_err, result.stderr_text);
      report_err_lines(result.stderr_text, m_err.read_end < 0);
      feed(fds[2]);
    }
    return true;
  }

private:
  static void drain(const pollfd& p, Pipe& pipe, std::string& sink) {
    if (p.fd < 0 || (p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
      return;
    }
    char buf[8192];
    ssize_t n = ::read(p.fd, buf, sizeof buf);
    if (n > 0) {
      sink.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
      pipe.close_read();
    }
  }

  // Hand each new complete line of `text` (all of the rest once `closed`) to the callback.
  void report_err_lines(std::string_view text, bool closed) {
    if (!m_on_err_line) {
      return;
    }
    for (size_t nl = text.find('\n', m_err_reported); nl != std::string_view::npos;
         nl = text.find('\n', m_err_reported)) {
      m_on_err_line(text.substr(m_err_reported, nl - m_err_reported));
      m_err_reported = nl + 1;
    }
    if (closed && m_err_reported < text.size()) {
      m_on_err_line(text.substr(m_err_reported));
      m_err_reported = text.size();
    }
  }

  void feed(const pollfd& p) {
    if (p.fd < 0 || p.revents == 0) {
      return;
    }
    ssize_t n = ::write(p.fd, m_input.data(), m_input.size());
    if (n > 0) {
      m_input.remove_prefix(static_cast<size_t>(n));
    }
    if (m_input.empty() || (n < 0 && errno != EINTR && errno != EAGAIN)) {
      m_in.close_write();  // all written, or the child stopped reading (EPIPE)
    }
  }

  Pipe& m_in;
  Pipe& m_out;
  Pipe& m_err;
  std::string_view m_input;
  const std::function<void(std::string_view)>& m_on_err_line;
  const std::function<void(std::string_view)>& m_on_out;
  size_t m_err_reported = 0;  // stderr bytes already handed to m_on_err_line
};

}  // namespace

std::string describe_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& arg : argv) {
    if (!out.empty()) {
      out += ' ';
    }
    bool quote = arg.empty() || arg.find_first_of(" \t'\"") != std::string::npos;
    out += quote ? "'" + arg + "'" : arg;
  }
  return out;
}

Result<ProcessResult> PosixProcessRunner::run(const std::vector<std::string>& argv,
                                              const RunOptions& options) {
  if (argv.empty()) {
    return fail(ErrorKind::internal, "cannot run an empty command");
  }
  Pipe in;
  Pipe out;
  Pipe err;
  if (!in.ok() || !out.ok() || !err.ok()) {
    return fail(ErrorKind::internal, std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  SigpipeGuard sigpipe_guard;
  GPUBOX_TRY_ASSIGN(pid, spawn(argv, options, in, out, err));
  in.close_read();
  out.close_write();
  err.close_write();
  std::optional<SteadyClock::time_point> deadline;
  if (options.timeout) {
    deadline = SteadyClock::now() + *options.timeout;
  }
  ProcessResult result;
  const std::string no_input;
  Pump pump(in, out, err, options.stdin_text ? *options.stdin_text : no_input, options);
  if (!pump.run(deadline, result)) {
    kill(pid, SIGKILL);
    wait_for_exit(pid);
    Error e;
    e.kind = ErrorKind::network;
    e.retryable = true;
    e.message = fmt::format("`{}` timed out after {:.1f} s", describe_command(argv),
                            static_cast<double>(options.timeout->count()) / 1000.0);
    return fail(std::move(e));
  }
  in.close_write();
  result.exit_code = wait_for_exit(pid);
  return result;
}

}  // namespace gpubox
