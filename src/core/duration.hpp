#pragma once
// The one duration syntax of every gpubox option: a whole number with a unit, `90s`, `30m`,
// `2h` (a bare number is refused: its unit would be a guess), and `off` where an option allows it.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace gpubox {

// Return `text` ("90s", "30m", "2h") as seconds. `option` names the flag in the error
// ("--idle"); zero, negatives, bare numbers and anything past `max` are refused with a hint.
Result<std::chrono::seconds> parse_duration(std::string_view text, std::string_view option,
                                            std::chrono::seconds max = std::chrono::hours(24 * 30));

// Like parse_duration, but `off` (also "none", "never") is accepted and returns nullopt.
Result<std::optional<std::chrono::seconds>> parse_duration_or_off(
    std::string_view text, std::string_view option,
    std::chrono::seconds max = std::chrono::hours(24 * 30));

// Return `d` in the shortest exact form: "90s", "30m", "2h", "1h30m".
std::string format_duration(std::chrono::seconds d);

}  // namespace gpubox
