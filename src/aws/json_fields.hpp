#pragma once
// Tolerant readers for fields of JSON 1.1 replies: a missing or mistyped field gives the fallback.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"

namespace gpubox::aws {

// Return the string member `key` of `j`, or "" when absent or not a string.
std::string json_string(const nlohmann::json& j, std::string_view key);

// Return the numeric member `key` of `j`, or `fallback`.
double json_number(const nlohmann::json& j, std::string_view key, double fallback = 0);

// Return the boolean member `key` of `j`, or `fallback`.
bool json_bool(const nlohmann::json& j, std::string_view key, bool fallback = false);

// Return the epoch-seconds timestamp member `key` of `j`, if present.
std::optional<TimePoint> json_time(const nlohmann::json& j, std::string_view key);

// Return the array member `key` of `j`, or an empty array.
const nlohmann::json& json_array(const nlohmann::json& j, std::string_view key);

}  // namespace gpubox::aws
