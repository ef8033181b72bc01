#pragma once
// Running other programs is an edge: PosixProcessRunner is the real one, and tests use
// FakeProcessRunner (tests/fakes/fake_process_runner.hpp). Commands are argv vectors run without
// a shell, so nothing is ever re-parsed or quoted.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace gpubox {

struct RunOptions {
  std::optional<std::string> stdin_text;  // written to the child's stdin, then closed
  std::vector<std::pair<std::string, std::string>> env;  // added to (or replacing) ours
  std::optional<std::chrono::milliseconds> timeout;      // the child is killed after this
  // Called with each line of the child's stderr (without its newline) as it arrives, and with a
  // last unterminated line when the pipe closes; stderr_text still gets all of it.
  std::function<void(std::string_view)> on_stderr_line;
  // When set, the child's stdout goes here in chunks as it arrives (a live job's output, which
  // may be long) instead of into stdout_text.
  std::function<void(std::string_view)> on_stdout;
};

struct ProcessResult {
  int exit_code = 0;  // 128 + signal number when the child was killed by a signal
  std::string stdout_text;
  std::string stderr_text;
};

class ProcessRunner {
public:
  virtual ~ProcessRunner() = default;
  // Run `argv` (argv[0] is looked up in PATH) to completion and capture its output. A non-zero
  // exit is a ProcessResult, not an Error; failing to start (not_found) and running past the
  // timeout (network, retryable) are Errors.
  virtual Result<ProcessResult> run(const std::vector<std::string>& argv,
                                    const RunOptions& options) = 0;
};

class PosixProcessRunner final : public ProcessRunner {
public:
  Result<ProcessResult> run(const std::vector<std::string>& argv,
                            const RunOptions& options) override;
};

// Return `argv` as one line for messages and logs, quoting arguments that contain spaces.
std::string describe_command(const std::vector<std::string>& argv);

}  // namespace gpubox
