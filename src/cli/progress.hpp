#pragma once
// Progress on stderr, rendered as ninja's LinePrinter does: on a terminal the current phase is
// one line rewritten in place ("\r", the text, clear to the end of the line) with its elapsed
// time, limit and a spinner; piped, each phase and each event is one plain line and ticks print
// nothing; quiet, nothing at all.

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/progress.hpp"

namespace gpubox::cli {

class Progress final : public ProgressSink {
public:
  // Render to `err`: updating line when `tty`, nothing when `quiet`; times from `clock`.
  Progress(std::ostream& err, bool tty, bool quiet, const Clock& clock)
      : m_err(err), m_tty(tty), m_quiet(quiet), m_clock(clock) {}

  void say(std::string_view line) override;
  void phase(std::string_view name, Duration limit = Duration::zero()) override;
  void tick() override;
  void finish() override;

private:
  struct Phase {
    std::string name;
    TimePoint start;
    Duration limit;
    size_t ticks = 0;
  };
  void draw();
  void clear_line();

  std::ostream& m_err;
  bool m_tty;
  bool m_quiet;
  const Clock& m_clock;
  std::optional<Phase> m_phase;
  bool m_line_open = false;  // the terminal's cursor is on our status line
};

// Return `d` as "m:ss", or "h:mm:ss" from an hour on.
std::string format_elapsed(Duration d);

}  // namespace gpubox::cli
