#include "core/prompter.hpp"

#include <charconv>

#include <fmt/format.h>

#include "core/strings.hpp"

namespace gpubox {
namespace {

constexpr int k_max_tries = 3;

Error no_answer_error(std::string_view question) {
  Error e;
  e.kind = ErrorKind::invalid_input;
  e.message = fmt::format("no valid answer to \"{}\"", question);
  e.hint = "answer y or n";
  return e;
}

}  // namespace

Error not_interactive_error() {
  Error e;
  e.kind = ErrorKind::invalid_input;
  e.message = "stdin is not a terminal";
  return e;
}

Result<bool> Prompter::confirm(std::string_view question, bool default_answer,
                               Unattended unattended) {
  if (!interactive()) {
    if (unattended == Unattended::use_default) {
      return default_answer;
    }
    return fail(not_interactive_error());
  }
  const std::string prompt = fmt::format("{} {} ", question, default_answer ? "[Y/n]" : "[y/N]");
  for (int i = 0; i < k_max_tries; ++i) {
    auto line = read_line(prompt, false);
    if (!line) {
      return default_answer;
    }
    const std::string answer = to_lower(trim(*line));
    if (answer.empty()) {
      return default_answer;
    }
    if (answer == "y" || answer == "yes") {
      return true;
    }
    if (answer == "n" || answer == "no") {
      return false;
    }
  }
  return fail(no_answer_error(question));
}

Result<size_t> Prompter::choose(std::string_view question, std::span<const std::string> options,
                                std::optional<size_t> default_index, Unattended unattended) {
  if (options.empty()) {
    return fail(ErrorKind::internal, fmt::format("nothing to choose for \"{}\"", question));
  }
  if (!interactive()) {
    if (unattended == Unattended::use_default && default_index) {
      return *default_index;
    }
    return fail(not_interactive_error());
  }
  std::string prompt = std::string(question) + "\n";
  for (size_t i = 0; i < options.size(); ++i) {
    prompt += fmt::format("  {}) {}\n", i + 1, options[i]);
  }
  prompt += default_index ? fmt::format("Choose 1-{} [{}]: ", options.size(), *default_index + 1)
                          : fmt::format("Choose 1-{}: ", options.size());
  for (int i = 0; i < k_max_tries; ++i) {
    auto line = read_line(prompt, false);
    const std::string answer = line ? std::string(trim(*line)) : std::string();
    if (answer.empty() && default_index) {
      return *default_index;
    }
    if (!line) {
      break;
    }
    size_t n = 0;
    auto [end, ec] = std::from_chars(answer.data(), answer.data() + answer.size(), n);
    if (ec == std::errc() && end == answer.data() + answer.size() && n >= 1 &&
        n <= options.size()) {
      return n - 1;
    }
  }
  return fail(no_answer_error(question));
}

Result<std::string> Prompter::secret(std::string_view prompt) {
  if (!interactive()) {
    return fail(not_interactive_error());
  }
  auto line = read_line(prompt, true);
  if (!line) {
    return fail(ErrorKind::invalid_input, "no answer on stdin");
  }
  return std::move(*line);
}

}  // namespace gpubox
