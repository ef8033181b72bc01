#include "box/onbox/status.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "fakes/fake_process_runner.hpp"

namespace gpubox::box {
namespace {

using nlohmann::json;

TimePoint at(const char* iso) { return parse_utc(iso).value(); }

json idle_status() {
  return json::parse(R"({"version": 1, "updated_at": "2026-01-02T10:00:00Z", "mode": "aws",
    "action": "shutdown", "idle_minutes": 30, "idle": true, "idle_since": "2026-01-02T09:48:00Z",
    "why_active": [], "unknown": [], "hard_cap_at": null, "stops_at": "2026-01-02T10:18:00Z",
    "acting": null, "signals": {}})");
}

TEST(SummarizeStatus, IdleBoxSaysHowLongAndWhenItStops) {
  EXPECT_EQ(summarize_status(idle_status(), at("2026-01-02T10:00:00Z")), "idle 12m, stops in 18m");
}

TEST(SummarizeStatus, ASpotInterruptionNoticeComesFirst) {
  json s = idle_status();
  s["spot_interruption"] = {
      {"action", "stop"}, {"time", "2026-01-02T10:02:00Z"}, {"seen_at", "2026-01-02T10:00:00Z"}};
  EXPECT_EQ(summarize_status(s, at("2026-01-02T10:00:00Z")),
            "SPOT INTERRUPTION: AWS will stop it at 2026-01-02T10:02:00Z; running jobs were "
            "interrupted; idle 12m, stops in 18m");
  s["spot_interruption"] = nullptr;  // no notice: as before
  EXPECT_EQ(summarize_status(s, at("2026-01-02T10:00:00Z")), "idle 12m, stops in 18m");
}

TEST(SummarizeStatus, ActiveBoxNamesWhatKeepsItBusy) {
  json s = idle_status();
  s["why_active"] = {"jupyter: 1 kernel(s) busy", "ssh: 2 ssh connection(s)"};
  s["idle_since"] = nullptr;
  EXPECT_EQ(summarize_status(s, at("2026-01-02T10:00:00Z")),
            "active: 1 kernel(s) busy, 2 ssh connection(s)");
}

TEST(SummarizeStatus, HardCapShowsEvenWhileActive) {
  json s = idle_status();
  s["why_active"] = {"gpu: gpu 97% busy"};
  s["hard_cap_at"] = "2026-01-02T12:05:00Z";
  s["stops_at"] = "2026-01-02T12:05:00Z";
  EXPECT_EQ(summarize_status(s, at("2026-01-02T10:00:00Z")),
            "active: gpu 97% busy, hard cap in 2h05m");
}

TEST(SummarizeStatus, NoIdleLimitSaysNoAutoStopAndStaleStatusSaysSo) {
  json s = idle_status();
  s["stops_at"] = nullptr;
  EXPECT_EQ(summarize_status(s, at("2026-01-02T10:10:00Z")),
            "idle 22m, no auto-stop (status 10m old)");
}

TEST(SummarizeStatus, UnknownSourceAndActingAreShown) {
  json s = idle_status();
  s["unknown"] = {"jupyter"};
  s["signals"] = {{"jupyter", {{"state", "unknown"}, {"reason", "jupyter api: refused"}}}};
  EXPECT_EQ(
      summarize_status(s, at("2026-01-02T10:00:00Z")),
      "unknown: jupyter (jupyter api: refused); the watchdog waits, it never stops on unknown");
  s["acting"] = "hard cap reached";
  EXPECT_EQ(summarize_status(s, at("2026-01-02T10:00:00Z")), "stopping: hard cap reached");
}

TEST(ShortDuration, UsesSecondsMinutesOrHours) {
  EXPECT_EQ(short_duration(std::chrono::seconds(45)), "45s");
  EXPECT_EQ(short_duration(std::chrono::seconds(125)), "2m");
  EXPECT_EQ(short_duration(std::chrono::seconds(3 * 3600 + 7 * 60)), "3h07m");
}

TEST(ParseRemoteState, ReadsPrefixConfigAndStatus) {
  std::string out =
      "GPUBOX_PREFIX /home/me/.gpubox\nGPUBOX_CONFIG\n"
      "{\"jupyter_sock\": \"/home/me/.gpubox/run/jupyter/jupyter.sock\", \"mode\": \"byo\"}\n"
      "\nGPUBOX_STATUS\n" +
      idle_status().dump() + "\n";
  auto state = parse_remote_state(out);
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_EQ(state->prefix, "/home/me/.gpubox");
  EXPECT_EQ(jupyter_socket(*state), "/home/me/.gpubox/run/jupyter/jupyter.sock");
  ASSERT_TRUE(state->status);
  EXPECT_EQ(state->status->at("mode"), "aws");
}

TEST(ParseRemoteState, NoStatusYetAndGarbage) {
  auto state = parse_remote_state("GPUBOX_PREFIX /opt/gpubox\nGPUBOX_CONFIG\n{}\nGPUBOX_STATUS\n");
  ASSERT_TRUE(state);
  EXPECT_FALSE(state->status);
  EXPECT_EQ(jupyter_socket(*state), "");  // an older bootstrap: no socket, never a TCP port
  EXPECT_FALSE(parse_remote_state("Welcome to the box\n"));
  EXPECT_FALSE(parse_remote_state("GPUBOX_PREFIX x\nGPUBOX_CONFIG\n{nope\nGPUBOX_STATUS\n"));
}

TEST(JupyterSocket, OnlyAnAbsolutePathSshCanForward) {
  auto with = [](const nlohmann::json& sock) {
    RemoteState s;
    s.config = {{"jupyter_sock", sock}};
    return jupyter_socket(s);
  };
  EXPECT_EQ(with("/opt/gpubox/run/jupyter/jupyter.sock"), "/opt/gpubox/run/jupyter/jupyter.sock");
  EXPECT_EQ(with("run/jupyter.sock"), "");   // relative
  EXPECT_EQ(with("/a:b/jupyter.sock"), "");  // ':' splits an -L spec
  EXPECT_EQ(with("/a b/jupyter.sock"), "");  // whitespace
  EXPECT_EQ(with("/a\nb"), "");              // control characters
  EXPECT_EQ(with(42), "");
}

TEST(FetchRemoteState, NeverBootstrappedIsNotFoundWithAHint) {
  testing::FakeProcessRunner runner;
  runner.expect_if([](const auto& argv) { return argv.back() == remote_state_command(); }, "probe",
                   {3, "", "gpubox: not bootstrapped\n"});
  remote::SshTarget target{"lab", "me", "127.0.0.1", 22, "", "/kh", true};
  auto r = fetch_remote_state(runner, target);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::not_found);
  EXPECT_NE(r.error().hint.find("gpubox notebook lab"), std::string::npos);
}

TEST(RemoteStateCommand, PrintsTheMarkersInARealShell) {
  // Run the probe locally against a fake HOME to check its shell syntax and output format.
  PosixProcessRunner runner;
  RunOptions o;
  std::string home = ::testing::TempDir() + "/gpubox-status-home";
  std::filesystem::create_directories(home + "/.gpubox/etc");
  std::filesystem::create_directories(home + "/.gpubox/run");
  {
    std::ofstream(home + "/.gpubox/etc/watchdog.json") << "{\"jupyter_sock\": \"/s/jupyter.sock\"}";
  }
  o.env = {{"HOME", home}};
  auto r = runner.run({"sh", "-c", remote_state_command()}, o);
  ASSERT_TRUE(r);
  if (std::filesystem::exists("/opt/gpubox/etc/watchdog.json")) {
    GTEST_SKIP() << "this machine has a real /opt/gpubox";
  }
  ASSERT_EQ(r->exit_code, 0) << r->stderr_text;
  auto state = parse_remote_state(r->stdout_text);
  ASSERT_TRUE(state) << r->stdout_text;
  EXPECT_EQ(state->prefix, home + "/.gpubox");
  EXPECT_EQ(jupyter_socket(*state), "/s/jupyter.sock");
  EXPECT_FALSE(state->status);
  std::filesystem::remove_all(home);
}

}  // namespace
}  // namespace gpubox::box
