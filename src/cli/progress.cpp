#include "cli/progress.hpp"

#include <ostream>

#include <fmt/format.h>

#include "cli/output.hpp"

namespace gpubox::cli {
namespace {

constexpr std::string_view k_clear_line = "\r\x1b[K";
constexpr std::string_view k_spinner = "|/-\\";

}  // namespace

std::string format_elapsed(Duration d) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  s = s < 0 ? 0 : s;
  if (s >= 3600) {
    return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  }
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

void Progress::clear_line() {
  if (m_line_open) {
    m_err << k_clear_line;
    m_line_open = false;
  }
}

void Progress::draw() {
  const Duration elapsed = std::chrono::duration_cast<Duration>(m_clock.now() - m_phase->start);
  std::string times = format_elapsed(elapsed);
  if (m_phase->limit > Duration::zero()) {
    times += " of " + format_elapsed(m_phase->limit);
  }
  m_err << k_clear_line << m_phase->name << " (" << times << ") "
        << k_spinner[m_phase->ticks % k_spinner.size()] << std::flush;
  m_line_open = true;
}

void Progress::say(std::string_view line) {
  m_phase.reset();
  if (m_quiet) {
    return;
  }
  clear_line();
  m_err << terminal_safe(line) << '\n' << std::flush;
}

void Progress::phase(std::string_view name, Duration limit) {
  m_phase = Phase{terminal_safe(name), m_clock.now(), limit};
  if (m_quiet) {
    return;
  }
  if (m_tty) {
    draw();
  } else {
    m_err << m_phase->name << '\n' << std::flush;
  }
}

void Progress::tick() {
  if (!m_phase || m_quiet || !m_tty) {
    return;
  }
  ++m_phase->ticks;
  draw();
}

void Progress::finish() {
  m_phase.reset();
  if (!m_quiet) {
    clear_line();
    m_err << std::flush;
  }
}

}  // namespace gpubox::cli
