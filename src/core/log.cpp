#include "core/log.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <mutex>

namespace gpubox::log {
namespace {
std::atomic<bool> g_enabled{false};
std::mutex g_mutex;

bool iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}
}  // namespace

bool enabled() { return g_enabled.load(std::memory_order_relaxed); }
void set_enabled(bool on) { g_enabled.store(on); }

void write(std::string_view line) {
  using namespace std::chrono;
  auto now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  std::lock_guard lock(g_mutex);
  std::fprintf(stderr, "[gpubox %lld.%03lld] %.*s\n", static_cast<long long>(now / 1000),
               static_cast<long long>(now % 1000), static_cast<int>(line.size()), line.data());
}

std::string redact_header(std::string_view name, std::string_view value) {
  if (iequals(name, "authorization")) {
    auto pos = value.find("Signature=");
    if (pos == std::string_view::npos) {
      return "REDACTED";
    }
    return std::string(value.substr(0, pos)) + "Signature=REDACTED";
  }
  if (iequals(name, "x-amz-security-token") || iequals(name, "x-aws-ec2-metadata-token") ||
      iequals(name, "x-amz-sso_bearer_token")) {
    return "REDACTED";
  }
  return std::string(value);
}

}  // namespace gpubox::log
