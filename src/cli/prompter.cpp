#include "cli/prompter.hpp"

#include <termios.h>

#include <istream>
#include <ostream>

namespace gpubox::cli {
namespace {

// Turns the terminal's echo off while alive (getpass without the deprecated getpass).
class EchoOff {
public:
  explicit EchoOff(int fd) : m_fd(fd) {
    if (m_fd >= 0 && ::tcgetattr(m_fd, &m_saved) == 0) {
      termios quiet = m_saved;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      m_active = ::tcsetattr(m_fd, TCSAFLUSH, &quiet) == 0;
    }
  }
  ~EchoOff() {
    if (m_active) {
      ::tcsetattr(m_fd, TCSAFLUSH, &m_saved);
    }
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;
  bool active() const { return m_active; }

private:
  int m_fd;
  termios m_saved{};
  bool m_active = false;
};

}  // namespace

std::optional<std::string> TerminalPrompter::read_line(std::string_view prompt, bool secret) {
  m_err << prompt << std::flush;
  std::string line;
  bool ok = false;
  if (secret) {
    EchoOff echo_off(m_fd);
    ok = static_cast<bool>(std::getline(m_in, line));
    if (echo_off.active()) {
      m_err << '\n' << std::flush;  // the typed newline was not echoed either
    }
  } else {
    ok = static_cast<bool>(std::getline(m_in, line));
  }
  if (!ok) {
    return std::nullopt;
  }
  return line;
}

}  // namespace gpubox::cli
