#pragma once
// A ProcessRunner that never runs anything: each expected command gets a canned result, every
// call is recorded (a canned stderr goes to the caller's on_stderr_line), and an unexpected command
// (or an expectation never used) fails the test.
//
//   FakeProcessRunner runner;
//   runner.expect({"ssh", "-o", "BatchMode=yes", "ubuntu@10.0.0.1", "true"}, {0, "", ""});
//   runner.expect_if([](const auto& argv) { return argv.at(0) == "scp"; }, "any scp", {1, "",
//   "x"});

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "core/process.hpp"

namespace gpubox::testing {

class FakeProcessRunner final : public ProcessRunner {
public:
  using Matcher = std::function<bool(const std::vector<std::string>&)>;

  struct Call {
    std::vector<std::string> argv;
    RunOptions options;
  };

  // Fail any expectation that was never used (disable with `verify_on_destroy = false`).
  ~FakeProcessRunner() override {
    if (verify_on_destroy) {
      verify();
    }
  }

  // Answer the next call whose argv equals `argv` with `result`; `times` < 0 means any number.
  void expect(std::vector<std::string> argv, ProcessResult result, int times = 1) {
    std::string what = describe_command(argv);
    add([argv = std::move(argv)](const auto& a) { return a == argv; }, std::move(what),
        Result<ProcessResult>(std::move(result)), times);
  }

  // Answer the next call whose argv equals `argv` with the Error `error` (spawn failure, timeout).
  void expect_error(std::vector<std::string> argv, Error error, int times = 1) {
    std::string what = describe_command(argv);
    add([argv = std::move(argv)](const auto& a) { return a == argv; }, std::move(what),
        Result<ProcessResult>(std::unexpected(std::move(error))), times);
  }

  // Answer calls for which `matcher` is true; `description` names them in failures.
  void expect_if(Matcher matcher, std::string description, ProcessResult result, int times = 1) {
    add(std::move(matcher), std::move(description), Result<ProcessResult>(std::move(result)),
        times);
  }

  // Safe to call from several threads at once (a cluster job reaches its nodes in parallel).
  Result<ProcessResult> run(const std::vector<std::string>& argv,
                            const RunOptions& options) override {
    const std::scoped_lock hold(m_lock);
    calls.push_back(Call{argv, options});
    for (Stub& stub : m_stubs) {
      if ((stub.times < 0 || stub.used < stub.times) && stub.matcher(argv)) {
        ++stub.used;
        Result<ProcessResult> result = stub.result;
        report_output(result, options);
        return result;
      }
    }
    ADD_FAILURE() << "FakeProcessRunner: unexpected command: " << describe_command(argv);
    return fail(ErrorKind::internal, "unexpected command in test: " + describe_command(argv));
  }

  // Fail the current test for each expectation used fewer times than expected.
  void verify() const {
    for (const Stub& stub : m_stubs) {
      if (stub.times >= 0 && stub.used < stub.times) {
        ADD_FAILURE() << "FakeProcessRunner: expected command not run: " << stub.description
                      << " (ran " << stub.used << " of " << stub.times << " times)";
      }
    }
  }

  std::vector<Call> calls;
  bool verify_on_destroy = true;

private:
  // Hand a canned stdout and stderr to the caller's callbacks, as the real runner does as it runs.
  static void report_output(Result<ProcessResult>& result, const RunOptions& options) {
    if (result && options.on_stdout) {
      options.on_stdout(result->stdout_text);
      result->stdout_text.clear();
    }
    if (!result || !options.on_stderr_line) {
      return;
    }
    std::string_view text = result->stderr_text;
    while (!text.empty()) {
      size_t nl = text.find('\n');
      options.on_stderr_line(text.substr(0, nl));
      text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    }
  }

  struct Stub {
    Matcher matcher;
    std::string description;
    Result<ProcessResult> result;
    int times = 1;
    int used = 0;
  };

  void add(Matcher matcher, std::string description, Result<ProcessResult> result, int times) {
    m_stubs.push_back(
        Stub{std::move(matcher), std::move(description), std::move(result), times, 0});
  }

  std::vector<Stub> m_stubs;
  std::mutex m_lock;
};

}  // namespace gpubox::testing
