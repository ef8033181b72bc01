#pragma once
// A Prompter that answers from a script of typed lines and records every prompt it showed.
//
//   FakePrompter prompter;
//   prompter.type("y");                        // the next question gets "y"
//   ... run the code under test ...
//   EXPECT_EQ(prompter.prompts, (std::vector<std::string>{"Delete lab? [y/N] "}));
//
// With `is_interactive = false` it behaves like stdin that is not a terminal. A question with no
// scripted line left gets the end of input.

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/prompter.hpp"

namespace gpubox::testing {

class FakePrompter final : public Prompter {
public:
  // Script `line` as the answer to the next question.
  void type(std::string line) { m_lines.push_back(std::move(line)); }

  bool interactive() const override { return is_interactive; }
  std::optional<std::string> read_line(std::string_view prompt, bool secret) override {
    prompts.emplace_back(prompt);
    secrets.push_back(secret);
    if (m_lines.empty()) {
      return std::nullopt;
    }
    std::string line = std::move(m_lines.front());
    m_lines.pop_front();
    return line;
  }

  // Return how many scripted lines no question used.
  size_t unused() const { return m_lines.size(); }

  bool is_interactive = true;
  std::vector<std::string> prompts;  // every prompt shown, in order
  std::vector<bool> secrets;         // whether each prompt asked for a secret

private:
  std::deque<std::string> m_lines;
};

}  // namespace gpubox::testing
