#pragma once

#include <vector>

#include "core/clock.hpp"

namespace gpubox::testing {

// A clock that stands still until moved; sleep_for() records the delay and advances time.
class FakeClock final : public Clock {
public:
  explicit FakeClock(TimePoint start = TimePoint{std::chrono::seconds{1440590160}})  // 2015-08-26
      : m_now(start) {}
  TimePoint now() const override { return m_now; }
  void sleep_for(Duration d) override {
    sleeps.push_back(d);
    m_now += d;
  }
  void advance(Duration d) { m_now += d; }
  void set(TimePoint t) { m_now = t; }

  std::vector<Duration> sleeps;

private:
  TimePoint m_now;
};

}  // namespace gpubox::testing
