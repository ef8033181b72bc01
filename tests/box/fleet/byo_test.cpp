#include "box/fleet/byo.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "box/onbox/check.hpp"
#include "core/paths.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_process_runner.hpp"
#include "fakes/temp_dir.hpp"

namespace gpubox::box {
namespace {

namespace fs = std::filesystem;

TEST(ParseSshUrl, AcceptsUserHostAndPort) {
  auto a = parse_ssh_url("ssh://me@lab.example.org");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->user, "me");
  EXPECT_EQ(a->host, "lab.example.org");
  EXPECT_EQ(a->port, 22);
  auto b = parse_ssh_url("ssh://root@[::1]:2222");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 2222);
  EXPECT_EQ(parse_ssh_url("ssh://u@10.0.0.5:22/")->host, "10.0.0.5");
}

TEST(ParseSshUrl, RejectsWhatSshWouldMisread) {
  for (const char* bad :
       {"me@host", "ssh://host", "ssh://me@", "ssh://me@host:0", "ssh://me@host:70000",
        "ssh://me@host:", "ssh://-oProxyCommand=x@host", "ssh://me@-host", "ssh://me@ho st"}) {
    auto r = parse_ssh_url(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().kind, ErrorKind::invalid_input) << bad;
    }
  }
}

TEST(ParseSshUrl, OnlyPlainNamesAddressesAndUsersReachSsh) {
  // Each of these reached the managed ssh config (HostName/User) and, through a user's
  // `ProxyCommand ... %h`, a shell.
  for (const char* bad :
       {"ssh://root@h$(id>x)x", "ssh://root@h`id`", "ssh://root@h;id", "ssh://root@h|id",
        "ssh://root@h%h", "ssh://root@h\"x", "ssh://root@h'x", "ssh://root@[fe80::1%25eth0]",
        "ssh://root@h..example", "ssh://root@-h.example", "ssh://root@h-.example",
        "ssh://ro$ot@host", "ssh://ro ot@host", "ssh://1root@host", "ssh://root\n@host",
        "ssh://root@[not-an-address]", "ssh://root@h_x.example"}) {
    auto r = parse_ssh_url(bad);
    EXPECT_FALSE(r) << bad;
  }
  for (const char* good : {"ssh://ubuntu@gpu-1.lab.example.org", "ssh://_svc@10.1.2.3:2222",
                           "ssh://a.b-c@[2001:db8::7]:22", "ssh://me@localhost"}) {
    EXPECT_TRUE(parse_ssh_url(good)) << good;
  }
}

struct ByoFixture {
  testing::ScopedTempDir tmp;
  testing::FakeProcessRunner runner;
  testing::FakeClock clock;
  state::BoxStore store = state::BoxStore::open_memory().value();
  ByoDeps deps() { return {store, runner, clock, tmp.path(), tmp.path() / "known_hosts", {}}; }
};

TEST(AddByoBox, BootstrapsThenStoresAPinnedByoBox) {
  ByoFixture f;
  f.runner.expect_if(
      [](const auto& a) { return a.back().find("tar --no-same") != std::string::npos; }, "upload",
      {0, "", ""});
  f.runner.expect_if(
      [](const auto& a) { return a.back().find("--idle-action shutdown") != std::string::npos; },
      "bootstrap", {0, "", ""});
  AddByoRequest req{"lab", "ssh://me@10.0.0.5:2222", "", 45, 0};
  auto box = add_byo_box(f.deps(), req);
  ASSERT_TRUE(box) << box.error().message;
  auto stored = f.store.get_box("lab");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->kind, state::BoxKind::byo);
  EXPECT_EQ(stored->ssh_host, "10.0.0.5");
  EXPECT_EQ(stored->ssh_port, 2222);
  EXPECT_TRUE(stored->host_key_pinned);
  EXPECT_EQ(stored->idle_minutes, 45);
  EXPECT_TRUE(fs::exists(stored->jupyter_token_path));
  // The first connection accepts the host key; it is not yet pinned then.
  auto argv = f.runner.calls.at(0).argv;
  EXPECT_NE(std::find(argv.begin(), argv.end(), "StrictHostKeyChecking=accept-new"), argv.end());
}

TEST(AddByoBox, AFailedBootstrapStoresNothing) {
  ByoFixture f;
  f.runner.expect_if([](const auto&) { return true; }, "upload", {255, "", "Connection refused"});
  auto box = add_byo_box(f.deps(), {"lab", "ssh://me@10.0.0.5", "", 0, 0});
  ASSERT_FALSE(box);
  EXPECT_FALSE(f.store.find_box("lab").value());
  EXPECT_FALSE(fs::exists(f.tmp.path() / "tokens" / "lab"));
}

TEST(AddByoBox, RefusesADuplicateName) {
  ByoFixture f;
  state::Box existing;
  existing.name = "lab";
  ASSERT_TRUE(f.store.insert_box(existing));
  auto box = add_byo_box(f.deps(), {"lab", "ssh://me@10.0.0.5", "", 0, 0});
  ASSERT_FALSE(box);
  EXPECT_EQ(box.error().kind, ErrorKind::conflict);
}

TEST(AddByoCluster, EachUrlIsANodeWithItsRankAndAddress) {
  ByoFixture f;
  f.runner.expect_if([](const auto&) { return true; }, "upload and bootstrap", {0, "", ""}, -1);
  AddByoRequest req{"duo", "", "", 0, 0};
  auto nodes = add_byo_cluster(f.deps(), req, {"ssh://me@10.0.0.5", "ssh://me@10.0.0.6:2222"});
  ASSERT_TRUE(nodes) << nodes.error().message;
  auto members = f.store.list_members("duo").value();
  ASSERT_EQ(members.size(), 2U);
  EXPECT_EQ(members[0].name, "duo.0");
  EXPECT_EQ(members[1].name, "duo.1");
  EXPECT_EQ(members[1].node_index, 1);
  EXPECT_EQ(members[1].ssh_port, 2222);
  EXPECT_EQ(members[0].private_ip, "10.0.0.5");  // what the other nodes reach it at
  EXPECT_EQ(members[1].kind, state::BoxKind::byo);
}

TEST(AddByoCluster, AFailingNodeLeavesNoPartOfTheClusterBehind) {
  ByoFixture f;
  // Node 0 bootstraps; node 1 refuses the connection.
  f.runner.expect_if([](const auto& a) { return std::ranges::find(a, "10.0.0.6") != a.end(); },
                     "node 1", {255, "", "Connection refused"}, -1);
  f.runner.expect_if([](const auto&) { return true; }, "node 0", {0, "", ""}, -1);
  auto nodes =
      add_byo_cluster(f.deps(), {"duo", "", "", 0, 0}, {"ssh://me@10.0.0.5", "ssh://me@10.0.0.6"});
  ASSERT_FALSE(nodes);
  EXPECT_NE(nodes.error().message.find("node 1"), std::string::npos) << nodes.error().message;
  EXPECT_TRUE(f.store.list_members("duo").value().empty());
  EXPECT_TRUE(f.store.list_boxes().value().empty());
  EXPECT_FALSE(fs::exists(f.tmp.path() / "tokens" / "duo.0"));
}

TEST(AddByoCluster, RefusesAClusterNameInUseAndBadUrlsBeforeConnecting) {
  ByoFixture f;
  state::Box existing;
  existing.name = "duo";
  ASSERT_TRUE(f.store.insert_box(existing));
  auto taken = add_byo_cluster(f.deps(), {"duo", "", "", 0, 0}, {"ssh://a@h1", "ssh://a@h2"});
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().kind, ErrorKind::conflict);
  auto bad = add_byo_cluster(f.deps(), {"pair", "", "", 0, 0}, {"ssh://a@h1", "http://h2"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::invalid_input);
  EXPECT_TRUE(f.runner.calls.empty());
}

TEST(StopByo, RunsTheBootstrapsStopOverSsh) {
  testing::FakeProcessRunner runner;
  runner.expect_if(
      [](const auto& a) {
        return a.back().find("bash \"$B\" --stop; rc=$?;") != std::string::npos &&
               a.back().ends_with("bash \"$A\" remove; exit $rc");
      },
      "stop", {0, "", ""});
  remote::SshTarget target{"lab", "me", "10.0.0.5", 22, "", "/kh", true};
  EXPECT_TRUE(stop_byo(runner, target));
}

TEST(ForgetByoBox, RefusesAwsBoxesAndRemovesByoOnes) {
  ByoFixture f;
  state::Box aws;
  aws.name = "gpu";
  ASSERT_TRUE(f.store.insert_box(aws));
  auto refused = forget_byo_box(f.deps(), "gpu");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().hint.find("gpubox down gpu"), std::string::npos);
  state::Box byo;
  byo.name = "lab";
  byo.kind = state::BoxKind::byo;
  byo.ssh_host = "10.0.0.5";
  byo.jupyter_token_path = f.tmp.write("tokens/lab", "t\n").string();
  ASSERT_TRUE(f.store.insert_box(byo));
  ASSERT_TRUE(forget_byo_box(f.deps(), "lab"));
  EXPECT_FALSE(f.store.find_box("lab").value());
  EXPECT_FALSE(fs::exists(byo.jupyter_token_path));
}

TEST(CheckArgs, ExpectationsComeFromTheInstanceSpec) {
  catalog::InstanceSpec spec;
  spec.gpu = "A10G";
  spec.gpu_count = 4;
  spec.gpu_memory_gib = 24;
  CheckOptions o;
  o.quick = true;
  EXPECT_EQ(check_args(with_expectations(o, spec)),
            (std::vector<std::string>{"--quick", "--expect-gpu-model", "A10G", "--expect-gpu-count",
                                      "4", "--expect-gpu-memory-gib", "24"}));
  spec.gpu_count = 0.25;  // a slice: nvidia-smi shows one partial GPU
  EXPECT_EQ(with_expectations({}, spec).expect_gpu_count, 0);
}

TEST(RunRemoteCheck, UploadsThenRunsCheckPyWithTheFrameworkPython) {
  testing::FakeProcessRunner runner;
  runner.expect_if(
      [](const auto& a) { return a.back().find("tar --no-same") != std::string::npos; }, "upload",
      {0, "", ""});
  runner.expect_if(
      [](const auto& a) { return a.back().find("check.py --json") != std::string::npos; }, "check",
      {1, "{\"ok\": false}", ""});
  remote::SshTarget target{"lab", "me", "10.0.0.5", 22, "", "/kh", true};
  CheckOptions o;
  o.json = true;
  auto r = run_remote_check(runner, target, o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_code, 1);
  // The PyTorch DLAMI's torch lives in the /opt/pytorch venv; elsewhere the system python.
  const std::string& command = runner.calls.at(1).argv.back();
  EXPECT_TRUE(command.starts_with("PY=/opt/pytorch/bin/python3;")) << command;
  EXPECT_NE(command.find("|| PY=/usr/bin/python3;"), std::string::npos) << command;
}

TEST(RunLocalCheck, RunsTheEmbeddedCheckPyAndCleansUp) {
  testing::ScopedTempDir tmp;
  PosixProcessRunner runner;
  CheckOptions o;
  o.json = true;
  o.quick = true;
  auto r = run_local_check(runner, tmp.path(), o);
  ASSERT_TRUE(r) << r.error().message;
  auto doc = nlohmann::json::parse(r->stdout_text, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << r->stdout_text << r->stderr_text;
  EXPECT_TRUE(doc.contains("checks"));
  EXPECT_EQ(r->exit_code, doc.value("ok", false) ? 0 : 1);
  EXPECT_TRUE(fs::is_empty(tmp.path()));
}

}  // namespace
}  // namespace gpubox::box
