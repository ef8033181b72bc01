#pragma once
// `gpubox notebook`: make sure Jupyter runs on the box, and reach it through an ssh tunnel from
// a local port to Jupyter's Unix socket there (never a TCP port on the box, which any process
// there could have taken first and so received the token). The tunnel is an ssh control master (-M
// -S socket -f), so a detached tunnel can be found and closed later with `ssh -S socket -O exit`.

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "aws/http.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/filesystem.hpp"
#include "core/process.hpp"
#include "core/progress.hpp"
#include "remote/ssh.hpp"
#include "state/box_store.hpp"

namespace gpubox::box {

// Waiting for Ctrl-C is an edge: SignalWaiter is the real one, tests use a fake.
class InterruptWaiter {
public:
  virtual ~InterruptWaiter() = default;
  // Wait up to `timeout` for SIGINT, SIGTERM or SIGHUP; return true when one arrived.
  virtual bool wait(std::chrono::seconds timeout) = 0;
};

// Blocks SIGINT, SIGTERM and SIGHUP for the process while it lives and waits with sigtimedwait.
class SignalWaiter final : public InterruptWaiter {
public:
  SignalWaiter();
  ~SignalWaiter() override;
  bool wait(std::chrono::seconds timeout) override;
};

// Everything `ensure_notebook` uses from the outside.
struct NotebookDeps {
  ProcessRunner& runner;
  aws::HttpClient& http;
  Clock& clock;
  std::filesystem::path data_dir;
  ProgressSink& progress = null_progress();
};

struct NotebookRequest {
  state::Box box;
  remote::SshTarget target;
  std::string token;   // the box's Jupyter token
  int local_port = 0;  // 0: a free one
};

struct NotebookSession {
  int local_port = 0;
  std::string remote_socket;  // Jupyter's Unix socket on the box
  std::string url;            // http://127.0.0.1:P/?token=...; the one secret printed on purpose
  bool reused = false;        // a detached tunnel from an earlier run was still up
  bool bootstrapped = false;  // the bootstrap ran during this call
};

// Return the browser URL for Jupyter behind local `port` with `token`.
std::string notebook_url(int port, std::string_view token);

// Return the control socket of `name`'s tunnel under `data_dir`.
std::filesystem::path tunnel_socket(const std::filesystem::path& data_dir, std::string_view name);

// Return a local TCP port on 127.0.0.1 that is free right now.
Result<int> free_local_port();

// Return the ssh argv that opens a detached tunnel 127.0.0.1:`local_port` -> the box's Unix
// socket `remote_socket` (Jupyter's), controlled through `socket`.
std::vector<std::string> tunnel_argv(const remote::SshTarget& target,
                                     const std::filesystem::path& socket, int local_port,
                                     std::string_view remote_socket);

// Return whether the tunnel controlled through `socket` is up.
bool tunnel_alive(ProcessRunner& runner, const remote::SshTarget& target,
                  const std::filesystem::path& socket);

// Close the tunnel controlled through `socket`; return whether one was open.
Result<bool> close_tunnel(ProcessRunner& runner, const remote::SshTarget& target,
                          const std::filesystem::path& socket);

// Return whether Jupyter answers its API on local `port` with `token`.
bool jupyter_answers(aws::HttpClient& http, int port, std::string_view token);

// Make sure Jupyter runs on the box (bootstrapping when needed), open or reuse the tunnel, and
// wait until Jupyter answers through it.
Result<NotebookSession> ensure_notebook(const NotebookDeps& deps, const NotebookRequest& request);

// Hold the tunnel until `waiter` reports Ctrl-C (then close it); an Error when it dies first.
Result<void> hold_tunnel(ProcessRunner& runner, InterruptWaiter& waiter,
                         const remote::SshTarget& target, const std::filesystem::path& socket);

// Write a 0600 page under `data_dir`/run that redirects to `url` (which holds the token) and
// return its file:// URL: the browser is started with that, so the token is in no argv that
// other local users can read in /proc.
Result<std::string> write_redirect_page(const std::filesystem::path& data_dir,
                                        std::string_view name, std::string_view url);

// Return the argv that opens `url` in a browser: $BROWSER (`browser_env`) or xdg-open.
std::vector<std::string> browser_argv(std::string_view browser_env, std::string_view url);

}  // namespace gpubox::box
