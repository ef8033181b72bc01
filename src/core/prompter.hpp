#pragma once
// Terminal input is an edge: a Prompter asks the person at the terminal. The questions' logic
// (defaults, re-asking, refusing without a terminal) lives here once; an implementation only
// shows a prompt and reads one line. The real one is cli::TerminalPrompter; tests script answers
// with FakePrompter (tests/fakes/fake_prompter.hpp).

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace gpubox {

// What a question does when nobody can answer it (stdin is not a terminal).
enum class Unattended {
  refuse,       // an Error: scripts are never left waiting, and nothing is guessed
  use_default,  // take the default answer
};

class Prompter {
public:
  virtual ~Prompter() = default;

  // Return whether someone can answer (stdin is a terminal).
  virtual bool interactive() const = 0;
  // Show `prompt` and read one line, echoed unless `secret`; nullopt at the end of input.
  virtual std::optional<std::string> read_line(std::string_view prompt, bool secret) = 0;

  // Ask yes or no; " [y/N] " or " [Y/n] " follows `question`. An empty answer (or the end of
  // input) is `default_answer`; another answer than y, yes, n or no asks again, three times.
  Result<bool> confirm(std::string_view question, bool default_answer,
                       Unattended unattended = Unattended::refuse);
  // Ask for one of `options` (listed numbered from 1); return its index. An empty answer picks
  // `default_index` when given.
  Result<size_t> choose(std::string_view question, std::span<const std::string> options,
                        std::optional<size_t> default_index = std::nullopt,
                        Unattended unattended = Unattended::refuse);
  // Ask for a secret (an MFA code, a token): typed without echo; `prompt` is shown as given.
  Result<std::string> secret(std::string_view prompt);
};

// Return the Error a Prompter gives when nobody can answer: kind invalid_input, "stdin is not a
// terminal". Callers prefix what they wanted and add a hint.
Error not_interactive_error();

}  // namespace gpubox
