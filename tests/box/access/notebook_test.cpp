#include "box/access/notebook.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "box/onbox/status.hpp"
#include "core/paths.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_http_client.hpp"
#include "fakes/fake_process_runner.hpp"
#include "fakes/temp_dir.hpp"

namespace gpubox::box {
namespace {

namespace fs = std::filesystem;

const std::string k_token = "0123456789abcdef0123456789abcdef0123456789abcdef";

class FakeWaiter final : public InterruptWaiter {
public:
  int rounds_before_interrupt = 0;
  int waits = 0;
  bool wait(std::chrono::seconds) override { return ++waits > rounds_before_interrupt; }
};

bool contains(const std::vector<std::string>& argv, const std::string& word) {
  return std::find(argv.begin(), argv.end(), word) != argv.end();
}

struct Fixture {
  testing::ScopedTempDir tmp;
  testing::FakeProcessRunner runner;
  testing::FakeHttpClient http;
  testing::FakeClock clock;
  NotebookRequest request() {
    state::Box box;
    box.name = "lab";
    box.kind = state::BoxKind::byo;
    return {box, remote::SshTarget{"lab", "me", "127.0.0.1", 2222, "", tmp.path() / "kh", true},
            k_token, 18080};
  }
  NotebookDeps deps() { return {runner, http, clock, tmp.path()}; }
};

aws::HttpResponse ok() {
  aws::HttpResponse r;
  r.status = 200;
  return r;
}

TEST(NotebookUrl, CarriesPortAndToken) {
  EXPECT_EQ(notebook_url(8123, "abc"), "http://127.0.0.1:8123/?token=abc");
}

TEST(TunnelArgv, ForwardsLoopbackToLoopbackThroughAControlMaster) {
  remote::SshTarget target{"lab", "me", "10.0.0.5", 22, "/k", "/kh", true};
  auto argv = tunnel_argv(target, "/d/run/lab.tunnel", 18080, "/opt/gpubox/run/jupyter/j.sock");
  // To Jupyter's Unix socket, never to a TCP port on the box that another process could hold.
  EXPECT_TRUE(contains(argv, "127.0.0.1:18080:/opt/gpubox/run/jupyter/j.sock"));
  EXPECT_TRUE(contains(argv, "ExitOnForwardFailure=yes"));
  EXPECT_TRUE(contains(argv, "-M") && contains(argv, "-f") && contains(argv, "-N"));
  EXPECT_TRUE(contains(argv, "/d/run/lab.tunnel"));
  EXPECT_EQ(argv.back(), "10.0.0.5");
}

TEST(TunnelSocket, AlwaysLivesInTheDataDirectoryNeverInTmp) {
  EXPECT_EQ(tunnel_socket("/home/me/.local/share/gpubox", "lab"),
            fs::path("/home/me/.local/share/gpubox/run/lab.tunnel"));
  // A long name gets a short hashed file name, still under the data directory.
  const fs::path data = "/home/me/" + std::string(40, 'd');
  const std::string name(40, 'n');
  fs::path socket = tunnel_socket(data, name);
  EXPECT_EQ(socket.parent_path(), data / "run");
  EXPECT_LE(socket.string().size(), 88u);
  EXPECT_NE(tunnel_socket(data, name + "x"), socket);
  // Even a data directory too long for a socket never moves it to a guessable /tmp path.
  fs::path deep = "/" + std::string(120, 'x');
  EXPECT_EQ(tunnel_socket(deep, "lab").parent_path(), deep / "run");
}

TEST(RedirectPage, KeepsTheTokenOutOfTheBrowsersArgv) {
  testing::ScopedTempDir tmp;
  const std::string url = "http://127.0.0.1:18080/?token=0123456789abcdef0123456789abcdef";
  auto page = write_redirect_page(tmp.path(), "lab", url);
  ASSERT_TRUE(page) << page.error().message;
  const fs::path file = tmp.path() / "run" / "lab.open.html";
  EXPECT_EQ(*page, "file://" + file.string());
  EXPECT_EQ(page->find("token"), std::string::npos);
  auto argv = browser_argv("", *page);
  for (const auto& arg : argv) {
    EXPECT_EQ(arg.find("0123456789abcdef"), std::string::npos) << arg;
  }
  struct stat st{};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_NE(read_file(file).value_or("").find("url=" + url + "\""), std::string::npos);
}

TEST(FreeLocalPort, ReturnsABindablePort) {
  auto port = free_local_port();
  ASSERT_TRUE(port);
  EXPECT_GT(*port, 0);
  EXPECT_LT(*port, 65536);
}

TEST(EnsureNotebook, OpensTheTunnelToTheBoxsJupyterSocketAndWaitsForTheApi) {
  Fixture f;
  std::string remote =
      "GPUBOX_PREFIX /h/.gpubox\nGPUBOX_CONFIG\n{\"jupyter_url\": \"\", \"jupyter_sock\": "
      "\"/h/.gpubox/run/jupyter/jupyter.sock\"}\nGPUBOX_STATUS\n";
  f.runner.expect_if([](const auto& a) { return a.back() == remote_state_command(); }, "probe",
                     {0, remote, ""});
  f.runner.expect_if(
      [](const auto& a) {
        return contains(a, "127.0.0.1:18080:/h/.gpubox/run/jupyter/jupyter.sock");
      },
      "tunnel", {0, "", ""});
  f.http.fail_network("");  // Jupyter not up yet through the tunnel
  f.http.add({}, ok());
  auto session = ensure_notebook(f.deps(), f.request());
  ASSERT_TRUE(session) << session.error().message;
  EXPECT_EQ(session->url, "http://127.0.0.1:18080/?token=" + k_token);
  EXPECT_EQ(session->remote_socket, "/h/.gpubox/run/jupyter/jupyter.sock");
  EXPECT_FALSE(session->bootstrapped);
  auto requests = f.http.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].url, "http://127.0.0.1:18080/api/status");
  EXPECT_EQ(aws::find_header(requests[1].headers, "Authorization").value_or(""),
            "token " + k_token);
  EXPECT_EQ(f.clock.sleeps.size(), 1u);
  for (const auto& call : f.runner.calls) {
    EXPECT_EQ(describe_command(call.argv).find(k_token), std::string::npos);
  }
}

TEST(EnsureNotebook, BootstrapsABoxThatNeverRanIt) {
  Fixture f;
  std::string remote =
      "GPUBOX_PREFIX /h/.gpubox\nGPUBOX_CONFIG\n{\"jupyter_sock\": \"/h/j.sock\"}\nGPUBOX_STATUS\n";
  f.runner.expect_if([](const auto& a) { return a.back() == remote_state_command(); }, "probe 1",
                     {3, "", "not bootstrapped"});
  f.runner.expect_if(
      [](const auto& a) { return a.back().find("tar --no-same") != std::string::npos; }, "upload",
      {0, "", ""});
  f.runner.expect_if([](const auto& a) { return a.back().find("--mode byo") != std::string::npos; },
                     "bootstrap", {0, "", ""});
  f.runner.expect_if([](const auto& a) { return a.back() == remote_state_command(); }, "probe 2",
                     {0, remote, ""});
  f.runner.expect_if([](const auto& a) { return contains(a, "127.0.0.1:18080:/h/j.sock"); },
                     "tunnel", {0, "", ""});
  f.http.add({}, ok());
  auto session = ensure_notebook(f.deps(), f.request());
  ASSERT_TRUE(session) << session.error().message;
  EXPECT_TRUE(session->bootstrapped);
}

TEST(EnsureNotebook, AnOlderBootstrapsTcpJupyterIsMovedToItsSocketBeforeAnyTokenIsSent) {
  // The box's bootstrap predates the socket: its Jupyter listens on 127.0.0.1:8888, where any
  // process on the box may have been first. gpubox bootstraps again and tunnels only to the
  // socket; nothing, not even a status probe, goes to the TCP port.
  Fixture f;
  f.runner.expect_if([](const auto& a) { return a.back() == remote_state_command(); }, "probe 1",
                     {0,
                      "GPUBOX_PREFIX /h/.gpubox\nGPUBOX_CONFIG\n{\"jupyter_url\": "
                      "\"http://127.0.0.1:8888\"}\nGPUBOX_STATUS\n",
                      ""});
  f.runner.expect_if(
      [](const auto& a) { return a.back().find("tar --no-same") != std::string::npos; }, "upload",
      {0, "", ""});
  f.runner.expect_if([](const auto& a) { return a.back().find("--mode byo") != std::string::npos; },
                     "bootstrap", {0, "", ""});
  f.runner.expect_if([](const auto& a) { return a.back() == remote_state_command(); }, "probe 2",
                     {0,
                      "GPUBOX_PREFIX /h/.gpubox\nGPUBOX_CONFIG\n{\"jupyter_sock\": "
                      "\"/h/.gpubox/run/jupyter/jupyter.sock\"}\nGPUBOX_STATUS\n",
                      ""});
  f.runner.expect_if(
      [](const auto& a) {
        return contains(a, "127.0.0.1:18080:/h/.gpubox/run/jupyter/jupyter.sock");
      },
      "tunnel", {0, "", ""});
  f.http.add({}, ok());
  auto session = ensure_notebook(f.deps(), f.request());
  ASSERT_TRUE(session) << session.error().message;
  EXPECT_TRUE(session->bootstrapped);
  for (const auto& call : f.runner.calls) {
    EXPECT_EQ(describe_command(call.argv).find(":8888"), std::string::npos)
        << describe_command(call.argv);
  }
}

TEST(EnsureNotebook, NoSocketEvenAfterTheBootstrapSendsNothing) {
  Fixture f;
  const std::string tcp_only =
      "GPUBOX_PREFIX /h/.gpubox\nGPUBOX_CONFIG\n{\"jupyter_url\": \"http://127.0.0.1:8888\"}\n"
      "GPUBOX_STATUS\n";
  f.runner.expect_if([](const auto& a) { return a.back() == remote_state_command(); }, "probe",
                     {0, tcp_only, ""}, 2);
  f.runner.expect_if(
      [](const auto& a) { return a.back().find("tar --no-same") != std::string::npos; }, "upload",
      {0, "", ""});
  f.runner.expect_if([](const auto& a) { return a.back().find("--mode byo") != std::string::npos; },
                     "bootstrap", {0, "", ""});
  auto session = ensure_notebook(f.deps(), f.request());
  ASSERT_FALSE(session);
  EXPECT_NE(session.error().message.find("did not put Jupyter on a Unix socket"),
            std::string::npos);
  EXPECT_TRUE(f.http.requests().empty());
  for (const auto& call : f.runner.calls) {
    EXPECT_FALSE(contains(call.argv, "-M"));
  }
}

TEST(EnsureNotebook, ATakenPortIsAnErrorWithAHint) {
  Fixture f;
  f.runner.expect_if(
      [](const auto& a) { return a.back() == remote_state_command(); }, "probe",
      {0, "GPUBOX_PREFIX p\nGPUBOX_CONFIG\n{\"jupyter_sock\": \"/p/j.sock\"}\nGPUBOX_STATUS\n",
       ""});
  f.runner.expect_if([](const auto& a) { return contains(a, "-M"); }, "tunnel",
                     {255, "", "bind [127.0.0.1]:18080: Address already in use\n"});
  auto session = ensure_notebook(f.deps(), f.request());
  ASSERT_FALSE(session);
  EXPECT_NE(session.error().message.find("Address already in use"), std::string::npos);
  EXPECT_NE(session.error().hint.find("--port"), std::string::npos);
}

TEST(HoldTunnel, ClosesTheTunnelOnCtrlC) {
  Fixture f;
  fs::path socket = f.tmp.write("run/lab.tunnel", "");
  f.runner.expect_if([](const auto& a) { return contains(a, "check"); }, "check", {0, "", ""}, 2);
  f.runner.expect_if([](const auto& a) { return contains(a, "exit"); }, "exit", {0, "", ""});
  FakeWaiter waiter;
  waiter.rounds_before_interrupt = 2;
  ASSERT_TRUE(hold_tunnel(f.runner, waiter, f.request().target, socket));
  EXPECT_EQ(waiter.waits, 3);
  EXPECT_FALSE(fs::exists(socket));
}

TEST(HoldTunnel, ADeadTunnelIsAnError) {
  Fixture f;
  f.runner.expect_if([](const auto& a) { return contains(a, "check"); }, "check", {255, "", ""});
  FakeWaiter waiter;
  waiter.rounds_before_interrupt = 5;
  auto r = hold_tunnel(f.runner, waiter, f.request().target, f.tmp.path() / "sock");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::network);
}

TEST(BrowserArgv, PrefersBrowserEnvThenXdgOpen) {
  EXPECT_EQ(browser_argv("", "http://u"), (std::vector<std::string>{"xdg-open", "http://u"}));
  EXPECT_EQ(browser_argv("firefox:chromium", "http://u"),
            (std::vector<std::string>{"firefox", "http://u"}));
}

}  // namespace
}  // namespace gpubox::box
