#include "aws/retry.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <random>

#include "core/strings.hpp"

namespace gpubox::aws {
namespace {

int parse_int(std::string_view s) {
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return -1;
    }
    v = v * 10 + (c - '0');
  }
  return s.empty() ? -1 : v;
}

int month_index(std::string_view name) {
  static constexpr std::array<std::string_view, 12> k_months{
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (size_t i = 0; i < k_months.size(); ++i) {
    if (k_months[i] == name) {
      return static_cast<int>(i) + 1;
    }
  }
  return -1;
}

}  // namespace

RandomSource default_random_source() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  auto mutex = std::make_shared<std::mutex>();
  return [engine, mutex]() {
    std::lock_guard lock(*mutex);
    return std::uniform_real_distribution<double>(0.0, 1.0)(*engine);
  };
}

bool should_retry(const Error& error, int attempt, int max_attempts) {
  return error.retryable && attempt < max_attempts;
}

Duration backoff_delay(int attempt, double random01) {
  random01 = std::clamp(random01, 0.0, 1.0);
  // 2^(attempt-1) seconds, capped; computed in double so large attempt numbers cannot overflow.
  double base_ms = std::ldexp(1000.0, std::max(attempt, 1) - 1);
  base_ms = std::min(base_ms, static_cast<double>(k_max_backoff.count()));
  return Duration{static_cast<Duration::rep>(random01 * base_ms)};
}

bool is_timeout_error(const Error& error) {
  if (error.kind != ErrorKind::network) {
    return false;
  }
  auto m = to_lower(error.message);
  return m.find("timed out") != std::string::npos || m.find("timeout") != std::string::npos;
}

std::optional<int> RetryQuota::acquire(const Error& error) {
  int cost = is_timeout_error(error) ? k_timeout_retry_cost : k_retry_cost;
  std::lock_guard lock(m_mutex);
  if (m_available < cost) {
    return std::nullopt;
  }
  m_available -= cost;
  return cost;
}

void RetryQuota::on_success(int tokens_taken) {
  std::lock_guard lock(m_mutex);
  m_available += tokens_taken > 0 ? tokens_taken : k_success_refill;
  m_available = std::min(m_available, m_capacity);
}

int RetryQuota::available() const {
  std::lock_guard lock(m_mutex);
  return m_available;
}

std::optional<TimePoint> parse_http_date(std::string_view value) {
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  auto parts = split(trim(value), ' ');
  if (parts.size() != 6 || parts[5] != "GMT") {
    return std::nullopt;
  }
  auto hms = split(parts[4], ':');
  if (hms.size() != 3) {
    return std::nullopt;
  }
  int day = parse_int(parts[1]);
  int month = month_index(parts[2]);
  int year = parse_int(parts[3]);
  int h = parse_int(hms[0]);
  int m = parse_int(hms[1]);
  int s = parse_int(hms[2]);
  // TimePoint holds int64 nanoseconds (up to 2262): later years would overflow it.
  if (day < 1 || month < 1 || year < 1970 || year > 2200 || h < 0 || h > 23 || m < 0 || m > 59 ||
      s < 0 || s > 60) {
    return std::nullopt;
  }
  std::chrono::year_month_day ymd{std::chrono::year{year},
                                  std::chrono::month{static_cast<unsigned>(month)},
                                  std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  return TimePoint{std::chrono::sys_days{ymd}} + std::chrono::hours{h} + std::chrono::minutes{m} +
         std::chrono::seconds{s};
}

std::optional<Duration> corrected_clock_offset(TimePoint server_date, TimePoint local_now,
                                               Duration current_offset) {
  auto skew = std::chrono::duration_cast<Duration>(server_date - (local_now + current_offset));
  if (std::chrono::abs(skew) < k_clock_skew_threshold) {
    return std::nullopt;
  }
  return std::chrono::duration_cast<Duration>(server_date - local_now);
}

}  // namespace gpubox::aws
