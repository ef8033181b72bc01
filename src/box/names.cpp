#include "box/names.hpp"

#include <array>
#include <cstring>

#include <fmt/format.h>

#include "core/crypto.hpp"

namespace gpubox::box {

namespace {

constexpr std::array<std::string_view, 32> k_adjectives = {
    "amber", "bold",   "brave", "bright", "calm",  "clever", "cosmic", "crisp",
    "eager", "fancy",  "fast",  "gentle", "glad",  "golden", "happy",  "jolly",
    "keen",  "lively", "lucky", "mellow", "misty", "noble",  "proud",  "quick",
    "quiet", "rapid",  "sunny", "swift",  "tidy",  "vivid",  "warm",   "witty",
};

constexpr std::array<std::string_view, 32> k_nouns = {
    "badger", "beacon", "comet",  "condor", "falcon", "ferret", "finch",  "gecko",
    "heron",  "ibex",   "koala",  "lemur",  "lynx",   "marten", "meteor", "nebula",
    "otter",  "panda",  "pulsar", "quasar", "raven",  "robin",  "salmon", "spark",
    "tapir",  "tiger",  "toucan", "walrus", "wombat", "yak",    "zebra",  "zephyr",
};

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Return `name` safe to print on one line: control bytes become '?', long names are cut.
std::string printable(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 60)) {
    out += (c >= ' ' && c < 127) ? c : '?';
  }
  if (name.size() > 60) {
    out += "...";
  }
  return out;
}

std::unexpected<Error> bad_name(std::string_view name, std::string_view why) {
  auto e = fail(ErrorKind::invalid_input,
                fmt::format("invalid box name '{}': {}", printable(name), why));
  e.error().hint = "use 1 to 40 letters, digits and dashes, starting with a letter, e.g. my-box-1";
  return e;
}

}  // namespace

RandomSource system_random() {
  return [] {
    std::string bytes = random_bytes(sizeof(std::uint64_t));
    std::uint64_t value = 0;
    std::memcpy(&value, bytes.data(), sizeof value);
    return value;
  };
}

Result<void> validate_name(std::string_view name) {
  if (name.empty()) {
    return bad_name(name, "it is empty");
  }
  if (name.size() > k_max_name_length) {
    return bad_name(name, fmt::format("it is {} characters long, more than the limit of {}",
                                      name.size(), k_max_name_length));
  }
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!is_letter(c) && !is_digit(c) && c != '-') {
      // Show printable characters as is and others as a code, so the message stays one line.
      std::string shown = (c > ' ' && c < 127)
                              ? fmt::format("'{}'", c)
                              : fmt::format("byte 0x{:02x}", static_cast<unsigned char>(c));
      return bad_name(
          name, fmt::format("{} at position {} is not a letter, digit or dash", shown, i + 1));
    }
  }
  if (!is_letter(name.front())) {
    return bad_name(name, "it must start with a letter");
  }
  if (name.back() == '-') {
    return bad_name(name, "it must not end with a dash");
  }
  return {};
}

std::string generate_name(const RandomSource& random) {
  std::string_view adjective = k_adjectives[random() % k_adjectives.size()];
  std::string_view noun = k_nouns[random() % k_nouns.size()];
  return fmt::format("{}-{}-{:04}", adjective, noun, random() % 10000);
}

std::span<const std::string_view> name_adjectives() { return k_adjectives; }
std::span<const std::string_view> name_nouns() { return k_nouns; }

}  // namespace gpubox::box
