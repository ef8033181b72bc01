#pragma once
// A ProgressSink that records what the core reported, for exact assertions:
// "say: launched i-1", "phase: waiting for ssh on lab (600s)", "tick", "finish".

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "core/progress.hpp"

namespace gpubox::testing {

class RecordingProgress final : public ProgressSink {
public:
  void say(std::string_view line) override { events.push_back(fmt::format("say: {}", line)); }
  void phase(std::string_view name, Duration limit) override {
    events.push_back(fmt::format("phase: {} ({}s)", name,
                                 std::chrono::duration_cast<std::chrono::seconds>(limit).count()));
  }
  void tick() override { events.push_back("tick"); }
  void finish() override { events.push_back("finish"); }

  // Return the lines a pipe would show: each say() and each phase's name, in order.
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    for (const auto& e : events) {
      if (e.starts_with("say: ")) {
        out.push_back(e.substr(5));
      } else if (e.starts_with("phase: ")) {
        out.push_back(e.substr(7, e.rfind(" (") - 7));
      }
    }
    return out;
  }
  // Return how many ticks were reported.
  size_t ticks() const {
    return static_cast<size_t>(std::count(events.begin(), events.end(), "tick"));
  }

  std::vector<std::string> events;
};

}  // namespace gpubox::testing
