#include "core/clock.hpp"

#include <thread>

namespace gpubox {

TimePoint SystemClock::now() const { return std::chrono::system_clock::now(); }

void SystemClock::sleep_for(Duration d) { std::this_thread::sleep_for(d); }

}  // namespace gpubox
