#pragma once
// The AWS "standard" retry mode (botocore retries/standard.py and retries/quota.py) as pure
// functions plus a small thread-safe token bucket, and the clock-skew arithmetic of the AWS JS
// SDK. Nothing here sleeps: the client sleeps through the injected Clock.

#include <functional>
#include <mutex>
#include <optional>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace gpubox::aws {

// A source of uniformly distributed numbers in [0, 1); tests inject a fixed one.
using RandomSource = std::function<double()>;

// Return a thread-safe RandomSource backed by a seeded Mersenne Twister.
RandomSource default_random_source();

inline constexpr int k_default_max_attempts = 3;
inline constexpr Duration k_max_backoff{20000};
inline constexpr Duration k_clock_skew_threshold{5 * 60 * 1000};

// Return true when `error` should be retried after failed attempt number `attempt` (1-based)
// out of `max_attempts`.
bool should_retry(const Error& error, int attempt, int max_attempts);

// Return the delay before the retry that follows failed attempt `attempt` (1-based):
// `random01` * min(2^(attempt-1) s, 20 s).
Duration backoff_delay(int attempt, double random01);

// Return true when `error` is a transport timeout (connect or read), which costs more quota.
bool is_timeout_error(const Error& error);

// The retry quota: a bucket of 500 tokens shared by all requests of one client.
class RetryQuota {
public:
  static constexpr int k_capacity = 500;
  static constexpr int k_retry_cost = 5;
  static constexpr int k_timeout_retry_cost = 10;
  static constexpr int k_success_refill = 1;

  explicit RetryQuota(int capacity = k_capacity) : m_capacity(capacity), m_available(capacity) {}

  // Take the cost of retrying after `error`; return the tokens taken, or nullopt (and take
  // nothing) when the bucket cannot cover it.
  std::optional<int> acquire(const Error& error);
  // Record a successful request that took `tokens_taken` tokens over its retries: refund them,
  // or refill one token when it succeeded first time. Never exceeds the capacity.
  void on_success(int tokens_taken);
  // Return the tokens left.
  int available() const;

private:
  mutable std::mutex m_mutex;
  int m_capacity;
  int m_available;
};

// Parse an HTTP `Date` header (RFC 7231 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT").
std::optional<TimePoint> parse_http_date(std::string_view value);

// Return the new clock offset when the server's `server_date` differs from `local_now` +
// `current_offset` by the skew threshold or more; nullopt when the current offset is fine.
std::optional<Duration> corrected_clock_offset(TimePoint server_date, TimePoint local_now,
                                               Duration current_offset);

}  // namespace gpubox::aws
