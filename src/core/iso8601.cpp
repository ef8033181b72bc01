#include "core/iso8601.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace gpubox {
namespace {

bool read_int(std::string_view text, size_t pos, size_t len, int& out) {
  if (pos + len > text.size()) {
    return false;
  }
  const char* begin = text.data() + pos;
  auto [end, ec] = std::from_chars(begin, begin + len, out);
  return ec == std::errc() && end == begin + len;
}

// Parse the zone part: "Z", "+HH:MM", "-HHMM", or nothing (UTC).
std::optional<std::chrono::minutes> parse_offset(std::string_view zone) {
  if (zone.empty() || zone == "Z" || zone == "z") {
    return std::chrono::minutes{0};
  }
  int hours = 0;
  int minutes = 0;
  bool colon = zone.size() == 6 && zone[3] == ':';
  if ((zone[0] != '+' && zone[0] != '-') || (zone.size() != 5 && !colon) ||
      !read_int(zone, 1, 2, hours) || !read_int(zone, colon ? 4 : 3, 2, minutes)) {
    return std::nullopt;
  }
  std::chrono::minutes offset{hours * 60 + minutes};
  return zone[0] == '-' ? -offset : offset;
}

}  // namespace

std::optional<TimePoint> parse_iso8601(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != ' ') || text[13] != ':' || text[16] != ':' ||
      !read_int(text, 0, 4, y) || !read_int(text, 5, 2, mo) || !read_int(text, 8, 2, d) ||
      !read_int(text, 11, 2, h) || !read_int(text, 14, 2, mi) || !read_int(text, 17, 2, s) ||
      h > 23 || mi > 59 || s > 60 || y < 1700 || y > 2200) {
    // TimePoint holds int64 nanoseconds (years 1678-2261): other years would overflow it.
    return std::nullopt;
  }
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      ++pos;
    }
  }
  auto offset = parse_offset(text.substr(pos));
  std::chrono::year_month_day date{std::chrono::year{y},
                                   std::chrono::month{static_cast<unsigned>(mo)},
                                   std::chrono::day{static_cast<unsigned>(d)}};
  if (!offset || !date.ok()) {
    return std::nullopt;
  }
  return TimePoint{std::chrono::sys_days{date}} + std::chrono::hours{h} + std::chrono::minutes{mi} +
         std::chrono::seconds{s} - *offset;
}

std::string format_iso8601(TimePoint t) {
  const auto secs = std::chrono::floor<std::chrono::seconds>(t);
  const auto days = std::chrono::floor<std::chrono::days>(secs);
  const std::chrono::year_month_day ymd{days};
  const std::chrono::hh_mm_ss hms{secs - days};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

}  // namespace gpubox
