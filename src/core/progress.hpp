#pragma once
// Progress is an edge: the core reports what it is doing to a ProgressSink and never writes to
// a terminal itself. cli::Progress renders it (an updating line on a terminal, plain lines when
// piped, nothing with --quiet); NullProgress drops it; tests record it with RecordingProgress
// (tests/fakes/recording_progress.hpp). ninja's Status is the model.

#include <string_view>

#include "core/clock.hpp"

namespace gpubox {

class ProgressSink {
public:
  virtual ~ProgressSink() = default;
  // Report that something happened, as one line ("launched i-0abc"); it ends the current phase.
  virtual void say(std::string_view line) = 0;
  // Start phase `name` ("waiting for ssh on lab"), expected to end within `limit` (zero: no
  // limit); it lasts until the next say() or phase().
  virtual void phase(std::string_view name, Duration limit = Duration::zero()) = 0;
  // Report that the current phase goes on with nothing new (a poll came back empty).
  virtual void tick() = 0;
  // End the current phase without a line, so that other output starts on a clean line.
  virtual void finish() = 0;
};

// A ProgressSink that reports nothing.
class NullProgress final : public ProgressSink {
public:
  void say(std::string_view) override {}
  void phase(std::string_view, Duration) override {}
  void tick() override {}
  void finish() override {}
};

// Return a shared NullProgress, the default of every Deps struct that takes a ProgressSink.
ProgressSink& null_progress();

}  // namespace gpubox
