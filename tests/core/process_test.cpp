#include "core/process.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "fakes/fake_process_runner.hpp"

namespace gpubox {
namespace {

using namespace std::chrono_literals;

TEST(PosixProcessRunner, CapturesStdoutOfEcho) {
  PosixProcessRunner runner;
  auto r = runner.run({"/bin/echo", "hello", "two words"}, {});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->stdout_text, "hello two words\n");
  EXPECT_EQ(r->stderr_text, "");
}

TEST(PosixProcessRunner, FindsProgramsOnPathWithoutAShell) {
  PosixProcessRunner runner;
  auto r = runner.run({"echo", "$HOME", "*"}, {});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->stdout_text, "$HOME *\n");  // no shell: nothing is expanded
}

TEST(PosixProcessRunner, ReportsExitCodeAndStderr) {
  PosixProcessRunner runner;
  auto r = runner.run({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, {});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->stdout_text, "out\n");
  EXPECT_EQ(r->stderr_text, "err\n");
}

// The child prints "first", then waits until the callback for that line has created a file: the
// run finishes only if lines are handed over while the child still runs, not after it exits.
TEST(PosixProcessRunner, HandsOverStderrLinesWhileTheChildRuns) {
  std::filesystem::path flag =
      ::testing::TempDir() + "gpubox-process-flag-" + std::to_string(::getpid());
  std::filesystem::remove(flag);
  PosixProcessRunner runner;
  std::vector<std::string> lines;
  RunOptions options;
  options.timeout = 10s;
  options.on_stderr_line = [&](std::string_view line) {
    lines.emplace_back(line);
    if (line == "first") {
      std::ofstream{flag};
    }
  };
  auto r = runner.run({"/bin/sh", "-c",
                       "echo first >&2; while [ ! -e \"$0\" ]; do sleep 0.01; done; echo out; "
                       "printf 'second\\nno newline' >&2",
                       flag.string()},
                      options);
  std::filesystem::remove(flag);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(lines, (std::vector<std::string>{"first", "second", "no newline"}));
  EXPECT_EQ(r->stderr_text, "first\nsecond\nno newline");
  EXPECT_EQ(r->stdout_text, "out\n");
}

TEST(PosixProcessRunner, StreamsStdoutToTheCallbackInsteadOfKeepingIt) {
  PosixProcessRunner runner;
  std::string streamed;
  RunOptions options;
  options.on_stdout = [&](std::string_view chunk) { streamed += chunk; };
  auto r = runner.run({"/bin/sh", "-c", "echo one; sleep 0.1; echo two; echo err >&2"}, options);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(streamed, "one\ntwo\n");
  EXPECT_EQ(r->stdout_text, "");
  EXPECT_EQ(r->stderr_text, "err\n");
}

TEST(PosixProcessRunner, ReportsDeathBySignalAs128PlusSignal) {
  PosixProcessRunner runner;
  auto r = runner.run({"/bin/sh", "-c", "kill -TERM $$"}, {});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->exit_code, 128 + 15);
}

TEST(PosixProcessRunner, FeedsStdinText) {
  PosixProcessRunner runner;
  RunOptions options;
  options.stdin_text = "line one\nline two\n";
  auto r = runner.run({"/bin/cat"}, options);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->stdout_text, "line one\nline two\n");
}

TEST(PosixProcessRunner, FeedsLargeStdinWhileReadingLargeStdout) {
  PosixProcessRunner runner;
  RunOptions options;
  options.stdin_text = std::string(1 << 20, 'x');  // larger than a pipe buffer both ways
  auto r = runner.run({"/bin/cat"}, options);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->stdout_text.size(), size_t{1} << 20);
}

TEST(PosixProcessRunner, SurvivesAChildThatIgnoresStdin) {
  PosixProcessRunner runner;
  RunOptions options;
  options.stdin_text = std::string(1 << 20, 'y');  // EPIPE, not a SIGPIPE that kills us
  auto r = runner.run({"/bin/true"}, options);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->exit_code, 0);
}

TEST(PosixProcessRunner, WithoutStdinTextTheChildReadsEndOfFile) {
  PosixProcessRunner runner;
  auto r = runner.run({"/bin/cat"}, {});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->stdout_text, "");
}

TEST(PosixProcessRunner, AddsAndReplacesEnvironmentVariables) {
  PosixProcessRunner runner;
  RunOptions options;
  options.env = {{"GPUBOX_TEST_VAR", "forty two"}, {"PATH", "/usr/bin:/bin"}};
  auto r = runner.run({"/bin/sh", "-c", "echo \"$GPUBOX_TEST_VAR|$PATH\""}, options);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->stdout_text, "forty two|/usr/bin:/bin\n");
}

TEST(PosixProcessRunner, KillsTheChildAfterTheTimeout) {
  PosixProcessRunner runner;
  RunOptions options;
  options.timeout = 200ms;
  auto start = std::chrono::steady_clock::now();
  auto r = runner.run({"/bin/sleep", "10"}, options);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::network);
  EXPECT_TRUE(r.error().retryable);
  EXPECT_EQ(r.error().message, "`/bin/sleep 10` timed out after 0.2 s");
  EXPECT_LT(elapsed, 5s);
}

TEST(PosixProcessRunner, AFastCommandFinishesWithinItsTimeout) {
  PosixProcessRunner runner;
  RunOptions options;
  options.timeout = 5s;
  auto r = runner.run({"/bin/echo", "quick"}, options);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->stdout_text, "quick\n");
}

TEST(PosixProcessRunner, AMissingProgramIsANotFoundError) {
  PosixProcessRunner runner;
  auto r = runner.run({"gpubox-no-such-program-xyz"}, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::not_found);
  EXPECT_NE(r.error().message.find("gpubox-no-such-program-xyz"), std::string::npos);
}

TEST(PosixProcessRunner, AnEmptyCommandIsAnError) {
  PosixProcessRunner runner;
  EXPECT_FALSE(runner.run({}, {}).has_value());
}

TEST(DescribeCommand, QuotesArgumentsWithSpaces) {
  EXPECT_EQ(describe_command({"ssh", "-o", "a b", ""}), "ssh -o 'a b' ''");
}

TEST(FakeProcessRunner, ReturnsCannedResultsAndRecordsCalls) {
  testing::FakeProcessRunner runner;
  runner.expect({"ssh", "host", "true"}, {0, "ok\n", ""});
  runner.expect_if([](const auto& argv) { return argv.at(0) == "scp"; }, "any scp", {1, "", "no"},
                   -1);
  RunOptions options;
  options.stdin_text = "input";
  auto first = runner.run({"ssh", "host", "true"}, options);
  auto second = runner.run({"scp", "a", "b"}, {});
  auto third = runner.run({"scp", "c", "d"}, {});
  ASSERT_TRUE(first && second && third);
  EXPECT_EQ(first->stdout_text, "ok\n");
  EXPECT_EQ(third->exit_code, 1);
  ASSERT_EQ(runner.calls.size(), 3u);
  EXPECT_EQ(runner.calls[0].options.stdin_text, "input");
  EXPECT_EQ(runner.calls[2].argv[1], "c");
}

TEST(FakeProcessRunner, CanReturnAnError) {
  testing::FakeProcessRunner runner;
  Error e;
  e.kind = ErrorKind::network;
  e.message = "timed out";
  runner.expect_error({"ssh", "h"}, e);
  auto r = runner.run({"ssh", "h"}, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "timed out");
}

TEST(FakeProcessRunner, FailsTheTestOnAnUnexpectedCommand) {
  testing::FakeProcessRunner runner;
  runner.expect({"a"}, {0, "", ""});
  EXPECT_NONFATAL_FAILURE(
      {
        auto r = runner.run({"b"}, {});
        EXPECT_FALSE(r.has_value());
      },
      "unexpected command: b");
  EXPECT_NONFATAL_FAILURE(runner.verify(), "expected command not run: a");
  runner.verify_on_destroy = false;
}

}  // namespace
}  // namespace gpubox
