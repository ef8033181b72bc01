#include "cli/main.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "aws/credentials.hpp"
#include "aws/http_curl.hpp"
#include "aws/settings.hpp"
#include "cli/app.hpp"
#include "cli/prompter.hpp"
#include "core/iso8601.hpp"
#include "core/log.hpp"
#include "core/process.hpp"

namespace gpubox::cli {

namespace {

// A testing aid: GPUBOX_FAKE_NOW=<RFC 3339> starts the clock at that time; it then advances in
// real time, so waits and timeouts still work. Used by the e2e tests of time-based reports.
class ShiftedClock final : public Clock {
public:
  explicit ShiftedClock(Duration shift) : m_shift(shift) {}
  TimePoint now() const override { return m_system.now() + m_shift; }
  void sleep_for(Duration d) override { m_system.sleep_for(d); }

private:
  SystemClock m_system;
  Duration m_shift;
};

Duration fake_now_shift() {
  const char* fake = std::getenv("GPUBOX_FAKE_NOW");
  if (fake == nullptr || *fake == '\0') {
    return Duration::zero();
  }
  auto t = parse_iso8601(fake);
  if (!t) {
    std::cerr << "gpubox: warning: ignoring GPUBOX_FAKE_NOW, not an RFC 3339 time\n";
    return Duration::zero();
  }
  return std::chrono::duration_cast<Duration>(*t - std::chrono::system_clock::now());
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  Streams streams{std::cout, std::cerr, isatty(STDOUT_FILENO) == 1, isatty(STDERR_FILENO) == 1};
  ShiftedClock clock(fake_now_shift());
  aws::CurlHttpClient http;
  PosixProcessRunner runner;
  TerminalPrompter prompter(std::cin, std::cerr, isatty(STDIN_FILENO) == 1, STDIN_FILENO);
  Env env(streams, process_environment(), clock, http, runner, prompter);
  if (auto d = env.getenv("GPUBOX_DEBUG"); d && *d != "0" && !d->empty()) {
    env.global.debug = true;
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& a : args) {
    if (a == "--debug") {
      env.global.debug = true;
    }
  }
  log::set_enabled(env.global.debug);
  int code = run(env, std::move(args));
  std::cout.flush();
  return code;
}

}  // namespace gpubox::cli
