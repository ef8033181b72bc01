#include "box/onbox/bootstrap.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "box/onbox/onbox_files.hpp"
#include "core/crypto.hpp"
#include "core/paths.hpp"
#include "fakes/fake_file_system.hpp"
#include "fakes/fake_process_runner.hpp"
#include "fakes/temp_dir.hpp"

namespace gpubox::box {
namespace {

namespace fs = std::filesystem;

const std::string k_token = "0123456789abcdef0123456789abcdef0123456789abcdef";

// What `up` puts in user-data: no token (it goes over ssh).
BootstrapOptions aws_options() {
  BootstrapOptions o;
  o.idle_minutes = 45;
  o.max_hours = 2.5;
  o.budget_usd = 10;
  o.price_per_hour_usd = 1.006;
  return o;
}

// Return the text between the heredoc's first line and its terminator.
std::string heredoc_body(const std::string& script, const std::string& marker) {
  auto start = script.find("<<'" + marker + "'");
  auto body = script.find('\n', start) + 1;
  auto end = script.find("\n" + marker + "\n", body);
  EXPECT_NE(start, std::string::npos);
  EXPECT_NE(end, std::string::npos);
  return script.substr(body, end - body);
}

std::string run_ok(const std::vector<std::string>& argv, const RunOptions& options = {}) {
  PosixProcessRunner runner;
  auto r = runner.run(argv, options);
  EXPECT_TRUE(r) << describe_command(argv);
  EXPECT_EQ(r ? r->exit_code : -1, 0) << (r ? r->stderr_text : "");
  return r ? r->stdout_text : "";
}

std::string source_file(const std::string& name) {
  return read_file(fs::path(GPUBOX_SOURCE_DIR) / "onbox" / name).value_or("<missing>");
}

TEST(BuildUserData, FitsUnderEc2LimitAndCarriesTheSourceScripts) {
  auto data = build_user_data(aws_options());
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_LT(data->size(), k_user_data_limit);
  EXPECT_TRUE(data->starts_with("#!/bin/bash\n"));
  // Decode the embedded archive the way the box does and compare with onbox/.
  testing::ScopedTempDir tmp;
  std::string body = heredoc_body(*data, "GPUBOX_ARCHIVE");
  std::erase(body, '\n');
  std::string archive = base64_decode(body);
  ASSERT_FALSE(archive.empty());
  RunOptions in;
  in.stdin_text = archive;
  run_ok({"tar", "-xzf", "-", "-C", tmp.path().string()}, in);
  EXPECT_EQ(read_file(tmp.path() / "bootstrap.sh").value_or(""), source_file("bootstrap.sh"));
  EXPECT_EQ(read_file(tmp.path() / "watchdog.py").value_or(""), source_file("watchdog.py"));
}

TEST(BuildUserData, NeverCarriesTheJupyterToken) {
  // User-data is readable through IMDS by every process on the box, and by anyone allowed
  // ec2:DescribeInstanceAttribute: the token must never be in it.
  auto data = build_user_data(aws_options());
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ(data->find("--token-file"), std::string::npos);
  EXPECT_EQ(data->find("jupyter_token"), std::string::npos);
  BootstrapOptions with_token = aws_options();
  with_token.jupyter_token = k_token;
  auto refused = build_user_data(with_token);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::internal);
}

TEST(DeliverToken, SendsTheTokenOnStdinToTheInstalledBootstrap) {
  testing::FakeProcessRunner runner;
  BootstrapOptions o = aws_options();
  o.jupyter_token = k_token;
  runner.expect_if(
      [](const auto& argv) {
        return argv.back().find("--token-file /dev/stdin --mode aws") != std::string::npos;
      },
      "delivery", {0, "", ""});
  remote::SshTarget target{"lab", "ubuntu", "127.0.0.1", 2222, "/k", "/kh", true};
  ASSERT_TRUE(deliver_token(runner, target, o));
  ASSERT_EQ(runner.calls.size(), 1u);
  EXPECT_EQ(runner.calls[0].options.stdin_text.value_or(""), k_token + "\n");
  for (const auto& arg : runner.calls[0].argv) {
    EXPECT_EQ(arg.find(k_token), std::string::npos) << "the token is in argv: " << arg;
  }
}

TEST(DeliverToken, TheCommandStoresTheTokenOwnerOnlyWhereTheBootstrapRan) {
  // Run the delivery command for real against a fake box HOME whose bootstrap left its config.
  testing::ScopedTempDir home;
  fs::create_directories(home.path() / ".gpubox" / "etc");
  home.write(".gpubox/etc/watchdog.json", "{}");
  BootstrapOptions o = aws_options();
  o.jupyter_token = k_token;
  RunOptions run;
  run.stdin_text = k_token + "\n";
  run.env = {{"HOME", home.path().string()}};
  run_ok({"bash", "-c", deliver_token_command(o)}, run);
  const fs::path token = home.path() / ".gpubox" / "etc" / "jupyter_token";
  EXPECT_EQ(read_file(token).value_or(""), k_token + "\n");
  struct stat st{};
  ASSERT_EQ(::stat(token.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(DeliverToken, ABootstrapThatFailedBeforeItsSettingsEndsTheWaitAtOnce) {
  // The first boot's bootstrap wrote its (failed) result but no settings: the delivery stops
  // waiting for them, stores nothing and says so, so `up` can report the bootstrap's own error.
  testing::ScopedTempDir home;
  fs::create_directories(home.path() / ".gpubox" / "run");
  home.write(".gpubox/run/bootstrap.json", R"({"ok": false, "error": "pip failed"})");
  BootstrapOptions o = aws_options();
  o.jupyter_token = k_token;
  RunOptions run;
  run.stdin_text = k_token + "\n";
  run.env = {{"HOME", home.path().string()}};
  run.timeout = std::chrono::seconds(20);
  PosixProcessRunner runner;
  auto r = runner.run({"bash", "-c", deliver_token_command(o)}, run);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_code, 4) << r->stderr_text;
  EXPECT_NE(r->stderr_text.find("failed before it could take the token"), std::string::npos);
  EXPECT_FALSE(fs::exists(home.path() / ".gpubox" / "etc" / "jupyter_token"));
}

TEST(BuildUserData, CarriesIdleAndHardCapSettings) {
  auto data = build_user_data(aws_options());
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_NE(data->find(" --mode aws --idle 45 --max-hours 2.5 --budget 10 --price 1.006"),
            std::string::npos)
      << *data;
}

TEST(BuildUserData, IsValidBashThatUnpacksAndRunsWithAFakePrefix) {
  auto data = build_user_data(aws_options());
  ASSERT_TRUE(data) << data.error().message;
  testing::ScopedTempDir tmp;
  std::string script = *data;
  // Point the script at a temp prefix and replace the bootstrap call by a recorder.
  for (size_t at; (at = script.find("/opt/gpubox")) != std::string::npos;) {
    script.replace(at, 11, tmp.path().string());
  }
  auto call = script.find("bash " + tmp.path().string() + "/bin/bootstrap.sh");
  ASSERT_NE(call, std::string::npos);
  std::string bootstrap_call = "bash " + tmp.path().string() + "/bin/bootstrap.sh";
  script.replace(call, bootstrap_call.size(), "echo");
  auto path = tmp.write("user-data.sh", script);
  std::string out = run_ok({"bash", path.string()});
  EXPECT_EQ(read_file(tmp.path() / "bin" / "bootstrap.sh").value_or(""),
            source_file("bootstrap.sh"));
  EXPECT_NE(out.find("--idle 45"), std::string::npos) << out;
}

TEST(BuildUserData, RejectsABadTokenAndABudgetWithoutPrice) {
  BootstrapOptions o = aws_options();
  o.jupyter_token = "abc'; rm -rf / #0123456789";
  EXPECT_FALSE(build_user_data(o));
  o = aws_options();
  o.price_per_hour_usd = 0;
  auto r = build_user_data(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::invalid_input);
}

TEST(BootstrapArgs, IdleZeroIsOffAndByoModeHasNoCap) {
  BootstrapOptions o;
  o.jupyter_token = k_token;
  o.idle_minutes = 0;
  o.byo = true;
  EXPECT_EQ(bootstrap_args(o), (std::vector<std::string>{"--mode", "byo", "--idle", "off"}));
  o.install_jupyter = true;
  o.run_user = "ubuntu";
  auto args = bootstrap_args(o);
  EXPECT_EQ(args.back(), "--install-jupyter");
  EXPECT_EQ(args.at(args.size() - 2), "ubuntu");
}

TEST(EnsureJupyterToken, CreatesAPrivateTokenOnceAndReusesIt) {
  testing::FakeFileSystem files;
  fs::path path = jupyter_token_path("/data", "lab");
  auto first = ensure_jupyter_token(files, path);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->size(), 48u);
  EXPECT_EQ(files.content(path), *first + "\n");
  EXPECT_EQ(files.mode(path), 0600u);
  EXPECT_EQ(files.mode("/data/tokens"), 0700u);
  auto second = ensure_jupyter_token(files, path);
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, *first);
  EXPECT_NE(new_jupyter_token(), new_jupyter_token());
}

TEST(RunBootstrap, UploadsTheArchiveThenSendsTheTokenOnStdinOnly) {
  testing::FakeProcessRunner runner;
  remote::SshTarget target{"lab", "me", "127.0.0.1", 2222, "", "/kh", true};
  runner.expect_if(
      [](const auto& argv) { return argv.back().find("tar --no-same-owner") != std::string::npos; },
      "upload", {0, "", ""});
  runner.expect_if(
      [](const auto& argv) { return argv.back().find("bootstrap.sh") != std::string::npos; },
      "bootstrap", {0, "", ""});
  BootstrapOptions o;
  o.jupyter_token = k_token;
  o.byo = true;
  ASSERT_TRUE(run_bootstrap(runner, target, o, false));
  ASSERT_EQ(runner.calls.size(), 2u);
  EXPECT_EQ(runner.calls[0].options.stdin_text.value_or(""), std::string(onbox_archive()));
  EXPECT_EQ(runner.calls[1].options.stdin_text.value_or(""), k_token + "\n");
  for (const auto& call : runner.calls) {
    EXPECT_EQ(describe_command(call.argv).find(k_token), std::string::npos);
  }
  EXPECT_EQ(runner.calls[1].argv.back(),
            "umask 077 && cat >~/.gpubox/onbox/jupyter_token.in && umask 022 && bash "
            "~/.gpubox/onbox/bootstrap.sh --token-file ~/.gpubox/onbox/jupyter_token.in --mode byo "
            "--idle 30; rc=$?; rm -f ~/.gpubox/onbox/jupyter_token.in; [ $rc = 0 ] && { bash "
            "~/.gpubox/onbox/autostart.sh install --mode byo --idle 30 || true; }; exit $rc");
}

TEST(RunBootstrap, ReportsTheBootstrapsErrorAndUsesSudoForAwsBoxes) {
  testing::FakeProcessRunner runner;
  remote::SshTarget target{"gpu", "ubuntu", "127.0.0.1", 22, "", "/kh", true};
  runner.expect_if([](const auto& argv) { return argv.back().find("tar ") != std::string::npos; },
                   "upload", {0, "", ""});
  runner.expect_if(
      [](const auto& argv) { return argv.back().find("sudo -n bash") != std::string::npos; },
      "bootstrap", {1, "", "gpubox-bootstrap: error: bad --port\n"});
  BootstrapOptions options = aws_options();
  options.jupyter_token = k_token;  // runs over ssh carry the token on stdin
  auto r = run_bootstrap(runner, target, options, true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::remote);
  EXPECT_NE(r.error().message.find("bad --port"), std::string::npos);
}

}  // namespace
}  // namespace gpubox::box
