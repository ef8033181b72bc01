#pragma once
// The clock is an edge: tests use FakeClock (tests/fakes/fake_clock.hpp), which records sleeps
// instead of waiting and can be moved forward.

#include <chrono>

namespace gpubox {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::milliseconds;

class Clock {
public:
  virtual ~Clock() = default;
  // Return the current wall-clock time.
  virtual TimePoint now() const = 0;
  // Block for `d` (a fake records it and advances its time).
  virtual void sleep_for(Duration d) = 0;
};

class SystemClock final : public Clock {
public:
  TimePoint now() const override;
  void sleep_for(Duration d) override;
};

}  // namespace gpubox
