#include "box/access/notebook.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "box/onbox/bootstrap.hpp"
#include "box/onbox/status.hpp"
#include "core/crypto.hpp"
#include "core/paths.hpp"
#include "core/strings.hpp"

namespace gpubox::box {
namespace {

namespace fs = std::filesystem;

// ssh adds a 17-character suffix to the control path while it binds it, and sockaddr_un holds
// 108 bytes: a data directory too long for that cannot hold the tunnel's control socket.
constexpr size_t k_max_socket_path = 88;

fs::path tunnel_state_file(const fs::path& data_dir, std::string_view name) {
  return data_dir / "run" / (std::string(name) + ".tunnel.json");
}

bool wait_for_jupyter(const NotebookDeps& deps, int port, std::string_view token,
                      std::chrono::seconds timeout) {
  auto deadline = deps.clock.now() + timeout;
  while (true) {
    if (jupyter_answers(deps.http, port, token)) {
      return true;
    }
    if (deps.clock.now() >= deadline) {
      return false;
    }
    deps.clock.sleep_for(std::chrono::seconds(1));
  }
}

Result<int> open_tunnel(const NotebookDeps& deps, const NotebookRequest& req,
                        const fs::path& socket, const std::string& remote_socket) {
  int local = req.local_port;
  if (local == 0) {
    GPUBOX_TRY_ASSIGN(port, free_local_port());
    local = port;
  }
  RunOptions options;
  options.timeout = std::chrono::seconds(40);
  GPUBOX_TRY_ASSIGN(
      result, deps.runner.run(tunnel_argv(req.target, socket, local, remote_socket), options));
  if (result.exit_code != 0) {
    return fail(ErrorKind::network,
                fmt::format("could not open the tunnel 127.0.0.1:{} -> {}:{}: {}", local,
                            req.box.name, remote_socket, trim(result.stderr_text)),
                req.local_port != 0 ? "is the port in use? pick another with --port"
                                    : "check `gpubox ssh " + req.box.name + "` works");
  }
  nlohmann::json state{{"local_port", local}, {"remote_socket", remote_socket}};
  GPUBOX_TRY(write_file_atomic(tunnel_state_file(deps.data_dir, req.box.name), state.dump(), 0600));
  return local;
}

// Return the session of a detached tunnel that still reaches Jupyter, if there is one.
std::optional<NotebookSession> reuse_tunnel(const NotebookDeps& deps, const NotebookRequest& req,
                                            const fs::path& socket) {
  if (!fs::exists(socket) || !tunnel_alive(deps.runner, req.target, socket)) {
    return std::nullopt;
  }
  auto text = read_file(tunnel_state_file(deps.data_dir, req.box.name));
  auto state = nlohmann::json::parse(text.value_or(""), nullptr, false);
  int port = state.is_object() ? state.value("local_port", 0) : 0;
  if (port > 0 && (req.local_port == 0 || req.local_port == port) &&
      jupyter_answers(deps.http, port, req.token)) {
    return NotebookSession{port, state.value("remote_socket", std::string()),
                           notebook_url(port, req.token), true, false};
  }
  (void)close_tunnel(deps.runner, req.target, socket);
  return std::nullopt;
}

// Run the bootstrap with the box's settings.
Result<void> bootstrap(const NotebookDeps& deps, const NotebookRequest& req) {
  deps.progress.say("running gpubox's bootstrap on " + req.box.name +
                    " (Jupyter on a private Unix socket, watchdog)");
  BootstrapOptions options = bootstrap_options_for(req.box, req.token);
  return run_bootstrap(deps.runner, req.target, options, req.box.kind == state::BoxKind::aws);
}

}  // namespace

SignalWaiter::SignalWaiter() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalWaiter::~SignalWaiter() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

bool SignalWaiter::wait(std::chrono::seconds timeout) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  timespec ts{static_cast<time_t>(timeout.count()), 0};
  return sigtimedwait(&set, nullptr, &ts) > 0;
}

std::string notebook_url(int port, std::string_view token) {
  return fmt::format("http://127.0.0.1:{}/?token={}", port, token);
}

fs::path tunnel_socket(const fs::path& data_dir, std::string_view name) {
  // Always inside the private data directory, never a predictable /tmp path another local user
  // could create first; a long box name gets a short hashed one.
  fs::path socket = data_dir / "run" / (std::string(name) + ".tunnel");
  if (socket.string().size() <= k_max_socket_path) {
    return socket;
  }
  return data_dir / "run" / ("t-" + sha256_hex(name).substr(0, 8));
}

Result<int> free_local_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return fail(ErrorKind::internal, "cannot create a socket");
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  if (port <= 0) {
    return fail(ErrorKind::internal, "no free local port on 127.0.0.1");
  }
  return port;
}

std::vector<std::string> tunnel_argv(const remote::SshTarget& target, const fs::path& socket,
                                     int local_port, std::string_view remote_socket) {
  return remote::ssh_argv(
      target,
      {"-M", "-S", socket.string(), "-f", "-N", "-o", "BatchMode=yes", "-o",
       "ExitOnForwardFailure=yes", "-L", fmt::format("127.0.0.1:{}:{}", local_port, remote_socket)},
      {});
}

bool tunnel_alive(ProcessRunner& runner, const remote::SshTarget& target, const fs::path& socket) {
  RunOptions options;
  options.timeout = std::chrono::seconds(10);
  auto r =
      runner.run(remote::ssh_argv(target, {"-S", socket.string(), "-O", "check"}, {}), options);
  return r && r->exit_code == 0;
}

Result<bool> close_tunnel(ProcessRunner& runner, const remote::SshTarget& target,
                          const fs::path& socket) {
  if (!fs::exists(socket)) {
    return false;
  }
  RunOptions options;
  options.timeout = std::chrono::seconds(10);
  GPUBOX_TRY_ASSIGN(
      r, runner.run(remote::ssh_argv(target, {"-S", socket.string(), "-O", "exit"}, {}), options));
  std::error_code ec;
  fs::remove(socket, ec);  // a dead master leaves its socket behind
  return r.exit_code == 0;
}

bool jupyter_answers(aws::HttpClient& http, int port, std::string_view token) {
  aws::HttpRequest request;
  request.method = "GET";
  request.url = fmt::format("http://127.0.0.1:{}/api/status", port);
  request.headers.emplace_back("Authorization", "token " + std::string(token));
  auto response = http.send(request);
  return response && response->status == 200;
}

Result<NotebookSession> ensure_notebook(const NotebookDeps& deps, const NotebookRequest& req) {
  fs::path socket = tunnel_socket(deps.data_dir, req.box.name);
  if (socket.string().size() > k_max_socket_path) {
    Error e;
    e.kind = ErrorKind::invalid_input;
    e.message = fmt::format(
        "the data directory {} is too long for the tunnel's control socket "
        "({} bytes; ssh allows {})",
        deps.data_dir.string(), socket.string().size(), k_max_socket_path);
    e.hint = "set GPUBOX_HOME to a shorter directory of your own";
    return fail(std::move(e));
  }
  GPUBOX_TRY(ensure_private_dir(socket.parent_path()));
  if (auto reused = reuse_tunnel(deps, req, socket)) {
    return *reused;
  }
  NotebookSession session;
  auto state = fetch_remote_state(deps.runner, req.target);
  // Never bootstrapped, or by an older bootstrap whose Jupyter listens on TCP: (re)bootstrap, so
  // Jupyter moves to its Unix socket before any token is sent to it.
  if ((!state && state.error().kind == ErrorKind::not_found) ||
      (state && jupyter_socket(*state).empty())) {
    GPUBOX_TRY(bootstrap(deps, req));
    session.bootstrapped = true;
    state = fetch_remote_state(deps.runner, req.target);
  }
  if (!state) {
    return fail(state.error());
  }
  session.remote_socket = jupyter_socket(*state);
  if (session.remote_socket.empty()) {
    return fail(ErrorKind::remote,
                "the bootstrap on " + req.box.name +
                    " did not put Jupyter on a Unix socket; gpubox sends the token to nothing else",
                "look at ~/.gpubox/log/bootstrap.log (or /opt/gpubox/log) on the box: gpubox ssh " +
                    req.box.name);
  }
  GPUBOX_TRY_ASSIGN(local, open_tunnel(deps, req, socket, session.remote_socket));
  session.local_port = local;
  session.url = notebook_url(local, req.token);
  if (wait_for_jupyter(deps, local, req.token, std::chrono::seconds(20))) {
    return session;
  }
  if (!session.bootstrapped) {
    // Jupyter is down (or has another token): the bootstrap restarts it with ours.
    if (auto ran = bootstrap(deps, req); !ran) {
      (void)close_tunnel(deps.runner, req.target, socket);
      return fail(ran.error());
    }
    session.bootstrapped = true;
    if (wait_for_jupyter(deps, local, req.token, std::chrono::seconds(90))) {
      return session;
    }
  }
  (void)close_tunnel(deps.runner, req.target, socket);
  return fail(ErrorKind::remote,
              "Jupyter does not answer on " + req.box.name + " through the tunnel",
              "look at ~/.gpubox/log/jupyter.log (or /opt/gpubox/log) on the box: gpubox ssh " +
                  req.box.name);
}

Result<void> hold_tunnel(ProcessRunner& runner, InterruptWaiter& waiter,
                         const remote::SshTarget& target, const fs::path& socket) {
  while (!waiter.wait(std::chrono::seconds(5))) {
    if (!tunnel_alive(runner, target, socket)) {
      return fail(ErrorKind::network, "the tunnel to " + target.name + " closed");
    }
  }
  GPUBOX_TRY(close_tunnel(runner, target, socket));
  return {};
}

Result<std::string> write_redirect_page(const fs::path& data_dir, std::string_view name,
                                        std::string_view url) {
  GPUBOX_TRY(ensure_private_dir(data_dir / "run"));
  const fs::path page = data_dir / "run" / (std::string(name) + ".open.html");
  // The URL holds only [0-9a-z:/.?=] here (127.0.0.1, a port, a hex token): no escaping needed.
  const std::string html = fmt::format(
      "<!doctype html><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\">"
      "<meta http-equiv=\"refresh\" content=\"0;url={0}\"><title>gpubox</title>"
      "<a href=\"{0}\">Jupyter</a>\n",
      url);
  GPUBOX_TRY(write_file_atomic(page, html, 0600));
  return "file://" + page.string();
}

std::vector<std::string> browser_argv(std::string_view browser_env, std::string_view url) {
  // $BROWSER may list several commands separated by ':'; the first is used.
  std::string browser(trim(browser_env.substr(0, browser_env.find(':'))));
  return {browser.empty() ? "xdg-open" : browser, std::string(url)};
}

}  // namespace gpubox::box
