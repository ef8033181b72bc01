#pragma once
// ISO 8601 / RFC 3339 times as AWS writes them ("2024-05-01T12:00:00Z", "...T12:00:00.123+02:00"),
// shared by the AWS wire formats, the credential chain, the state files and the commands.

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace gpubox {

// Parse an ISO 8601 time such as "2024-05-01T12:00:00Z" or "...T12:00:00.123+00:00" (a space may
// replace the T; no zone means UTC); nullopt for anything else or a year outside 1700-2200.
std::optional<TimePoint> parse_iso8601(std::string_view text);

// Format `t` as "YYYY-MM-DDTHH:MM:SSZ" (UTC, seconds precision).
std::string format_iso8601(TimePoint t);

}  // namespace gpubox
