#include "box/onbox/autostop.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "core/duration.hpp"
#include "core/strings.hpp"

namespace gpubox::box {
Result<int> parse_idle_minutes(std::string_view text) {
  // The watchdog counts whole minutes, so 90s rounds up to 2m; a week is the longest idle stop.
  GPUBOX_TRY_ASSIGN(d, parse_duration_or_off(text, "--idle", std::chrono::hours(24 * 7)));
  if (!d) {
    return 0;
  }
  return static_cast<int>((d->count() + 59) / 60);
}

Result<double> parse_max_hours(std::string_view text) {
  std::string t = to_lower(trim(text));
  if (t == "off" || t == "none" || t == "never") {
    return 0.0;
  }
  // A bare number is hours (the option's name says so); a duration like 90m also works.
  double hours = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), hours);
  if (!t.empty() && ec == std::errc{} && end == t.data() + t.size()) {
    if (hours <= 0 || hours > 24 * 30) {
      return fail(ErrorKind::invalid_input,
                  "invalid --max-hours '" + std::string(text) +
                      "': it must be more than 0 "
                      "and at most 720",
                  "to turn the cap off, say --max-hours off");
    }
    return hours;
  }
  GPUBOX_TRY_ASSIGN(d, parse_duration(text, "--max-hours"));
  return static_cast<double>(d.count()) / 3600.0;
}

std::string describe_autostop(int idle_minutes, double max_hours) {
  std::string idle =
      idle_minutes > 0 ? "idle " + format_duration(std::chrono::minutes(idle_minutes)) : "";
  std::string cap;
  if (max_hours > 0) {
    cap = std::fmod(max_hours, 1.0) == 0.0
              ? fmt::format("max {}h", static_cast<long long>(max_hours))
              : "max " + format_duration(std::chrono::seconds(std::llround(max_hours * 3600)));
  }
  if (idle.empty() && cap.empty()) {
    return "off";
  }
  if (idle.empty() || cap.empty()) {
    return idle + cap;
  }
  return idle + ", " + cap;
}

}  // namespace gpubox::box
