#include "core/duration.hpp"

#include <charconv>

#include "core/strings.hpp"

namespace gpubox {
namespace {

Error invalid_duration(std::string_view text, std::string_view option, const std::string& why) {
  Error e;
  e.kind = ErrorKind::invalid_input;
  e.message = "invalid " + std::string(option) + " '" + std::string(text) + "': " + why;
  e.hint = "use a number with a unit, like 90s, 30m or 2h";
  return e;
}

}  // namespace

Result<std::chrono::seconds> parse_duration(std::string_view text, std::string_view option,
                                            std::chrono::seconds max) {
  const std::string t = to_lower(trim(text));
  if (t.empty()) {
    return fail(invalid_duration(text, option, "it is empty"));
  }
  auto zero = [&] {
    Error e = invalid_duration(text, option, "it must be more than zero");
    if (option == "--idle" || option == "--max-hours") {
      e.hint = "to turn it off, say " + std::string(option) + " off";
    }
    return e;
  };
  // One or more "<whole number><unit>" parts, largest unit first: 90s, 30m, 2h, 1h30m.
  long long total = 0;
  long long last_unit = 0;
  size_t i = 0;
  while (i < t.size()) {
    size_t digits = i;
    while (digits < t.size() && t[digits] >= '0' && t[digits] <= '9') {
      ++digits;
    }
    long long value = 0;
    auto [end, ec] = std::from_chars(t.data() + i, t.data() + digits, value);
    if (digits == i || ec != std::errc{} || value > 1'000'000'000) {
      return fail(invalid_duration(text, option, "it is not a whole number with a unit"));
    }
    if (digits == t.size()) {
      return fail(value == 0 && i == 0
                      ? zero()
                      : invalid_duration(text, option, "it has no unit (s, m, h or d)"));
    }
    long long unit = 0;
    switch (t[digits]) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      default:
        return fail(invalid_duration(text, option, "it has no unit (s, m, h or d)"));
    }
    if (last_unit != 0 && unit >= last_unit) {
      return fail(invalid_duration(text, option, "write the larger unit first, like 1h30m"));
    }
    last_unit = unit;
    total += value * unit;
    i = digits + 1;
  }
  if (total <= 0) {
    return fail(zero());
  }
  if (total > max.count()) {
    return fail(invalid_duration(text, option, "it must be at most " + format_duration(max)));
  }
  return std::chrono::seconds(total);
}

Result<std::optional<std::chrono::seconds>> parse_duration_or_off(std::string_view text,
                                                                  std::string_view option,
                                                                  std::chrono::seconds max) {
  std::string t = to_lower(trim(text));
  if (t == "off" || t == "none" || t == "never") {
    return std::optional<std::chrono::seconds>{};
  }
  GPUBOX_TRY_ASSIGN(d, parse_duration(text, option, max));
  return std::optional<std::chrono::seconds>{d};
}

std::string format_duration(std::chrono::seconds d) {
  long long s = d.count();
  if (s == 0) {
    return "0s";
  }
  std::string out;
  if (s >= 86400 && s % 86400 == 0) {
    return std::to_string(s / 86400) + "d";
  }
  if (s >= 3600) {
    out += std::to_string(s / 3600) + "h";
    s %= 3600;
  }
  if (s >= 60) {
    out += std::to_string(s / 60) + "m";
    s %= 60;
  }
  if (s > 0) {
    out += std::to_string(s) + "s";
  }
  return out;
}

}  // namespace gpubox
