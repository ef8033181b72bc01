#include "box/onbox/check.hpp"

#include <cmath>
#include <functional>
#include <string_view>

#include <fmt/format.h>

#include "box/onbox/onbox_files.hpp"
#include "core/crypto.hpp"

namespace gpubox::box {
namespace {

namespace fs = std::filesystem;

// The IMDB run trains a small model; on a CPU it takes minutes.
constexpr std::chrono::minutes k_check_timeout{40};

std::string number(double value) { return fmt::format("{}", value); }

// The PyTorch DLAMI keeps torch in the /opt/pytorch venv; Debian keeps its frameworks under the
// system python, which a pyenv or venv python3 first on PATH would miss. So check.py runs with
// /opt/pytorch's python when there is one, else /usr/bin/python3.
std::string python_for_shell() {
  return "PY=/opt/pytorch/bin/python3; [ -x \"$PY\" ] || PY=/usr/bin/python3; "
         "[ -x \"$PY\" ] || PY=python3; ";
}

// Run check.py's `argv` with its stages reported to `progress` as they start, and drop those
// lines from the result's stderr.
Result<ProcessResult> run_reporting_stages(
    const std::function<Result<ProcessResult>(RunOptions)>& run, ProgressSink& progress) {
  RunOptions options;
  options.timeout = k_check_timeout;
  options.on_stderr_line = [&progress](std::string_view line) {
    if (line.starts_with(k_check_progress_prefix)) {
      progress.phase(line.substr(k_check_progress_prefix.size()));
    }
  };
  auto result = run(std::move(options));
  progress.finish();
  if (result) {
    std::string rest;
    std::string_view text = result->stderr_text;
    while (!text.empty()) {
      size_t end = text.find('\n');
      end = end == std::string_view::npos ? text.size() : end + 1;
      if (!text.starts_with(k_check_progress_prefix)) {
        rest += text.substr(0, end);
      }
      text.remove_prefix(end);
    }
    result->stderr_text = std::move(rest);
  }
  return result;
}

}  // namespace

CheckOptions with_expectations(CheckOptions options, const catalog::InstanceSpec& spec) {
  options.expect_gpu_model = spec.gpu;
  if (spec.gpu_count >= 1 && std::floor(spec.gpu_count) == spec.gpu_count) {
    options.expect_gpu_count = static_cast<int>(spec.gpu_count);
  }
  options.expect_gpu_memory_gib = spec.gpu_memory_gib;
  return options;
}

std::vector<std::string> check_args(const CheckOptions& options) {
  std::vector<std::string> args;
  if (options.json) {
    args.emplace_back("--json");
  }
  if (options.quick) {
    args.emplace_back("--quick");
  }
  if (!options.expect_gpu_model.empty()) {
    args.insert(args.end(), {"--expect-gpu-model", options.expect_gpu_model});
  }
  if (options.expect_gpu_count > 0) {
    args.insert(args.end(), {"--expect-gpu-count", std::to_string(options.expect_gpu_count)});
  }
  if (options.expect_gpu_memory_gib > 0) {
    args.insert(args.end(), {"--expect-gpu-memory-gib", number(options.expect_gpu_memory_gib)});
  }
  return args;
}

Result<ProcessResult> run_remote_check(ProcessRunner& runner, const remote::SshTarget& target,
                                       const CheckOptions& options, ProgressSink& progress) {
  GPUBOX_TRY(upload_onbox_files(runner, target));
  std::string command =
      python_for_shell() + "exec \"$PY\" ~/" + std::string(k_remote_onbox_dir) + "/check.py";
  std::string args = shell_join(check_args(options));
  if (!args.empty()) {
    command += " " + args;
  }
  return run_reporting_stages(
      [&](const RunOptions& run) { return remote::ssh_run(runner, target, {command}, run); },
      progress);
}

Result<ProcessResult> run_local_check(ProcessRunner& runner, const fs::path& tmp_root,
                                      const CheckOptions& options, ProgressSink& progress) {
  fs::path dir = tmp_root / ("gpubox-check-" + hex_encode(random_bytes(6)));
  GPUBOX_TRY(extract_onbox_files(dir));
  std::vector<std::string> argv{"sh", "-c", python_for_shell() + R"(exec "$PY" "$0" "$@")",
                                (dir / "check.py").string()};
  for (std::string& a : check_args(options)) {
    argv.push_back(std::move(a));
  }
  auto result =
      run_reporting_stages([&](const RunOptions& run) { return runner.run(argv, run); }, progress);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return result;
}

}  // namespace gpubox::box
