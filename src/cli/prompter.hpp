#pragma once
// The real Prompter: questions on stderr, answers from stdin, secrets typed without echo.

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "core/prompter.hpp"

namespace gpubox::cli {

class TerminalPrompter final : public Prompter {
public:
  // Read from `in` and write prompts to `err`; `interactive` says whether `in` is a terminal;
  // `fd` is its file descriptor, whose echo is turned off for secrets (-1: none).
  TerminalPrompter(std::istream& in, std::ostream& err, bool interactive, int fd = -1)
      : m_in(in), m_err(err), m_interactive(interactive), m_fd(fd) {}

  bool interactive() const override { return m_interactive; }
  std::optional<std::string> read_line(std::string_view prompt, bool secret) override;

private:
  std::istream& m_in;
  std::ostream& m_err;
  bool m_interactive;
  int m_fd;
};

}  // namespace gpubox::cli
