#include "cli/main.hpp"

#include <unistd.h>

#include <iostream>

#include "aws/http_curl.hpp"
#include "aws/settings.hpp"
#include "cli/app.hpp"
#include "core/log.hpp"
#include "core/process.hpp"

namespace gpubox::cli {

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  Streams streams{std::cout, std::cerr, isatty(STDOUT_FILENO) == 1, isatty(STDERR_FILENO) == 1};
  SystemClock clock;
  aws::CurlHttpClient http;
  PosixProcessRunner runner;
  Env env(streams, process_environment(), clock, http, runner);
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
