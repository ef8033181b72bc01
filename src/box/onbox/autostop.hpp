#pragma once
// The safety net of every box: the idle stop and the hard cap. One syntax for both (core/
// duration.hpp), one way to show them ("idle 30m, max 8h" or "off").

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace gpubox::box {

// Parse a duration ("90s", "30m", "2h") or "off" into whole minutes (0 = off); "0" and bare
// numbers are refused.
Result<int> parse_idle_minutes(std::string_view text);

// Return the hard cap of `text` ("8", "1.5", "90m" or "off") in hours; 0 means off.
Result<double> parse_max_hours(std::string_view text);

// Return the settings in words for plans, summaries and `ls`: "idle 30m, max 8h", "idle 30m",
// "max 8h" or "off".
std::string describe_autostop(int idle_minutes, double max_hours);

}  // namespace gpubox::box
