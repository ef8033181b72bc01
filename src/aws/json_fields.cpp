#include "aws/json_fields.hpp"

#include "aws/xml.hpp"

namespace gpubox::aws {

namespace {

const nlohmann::json* member(const nlohmann::json& j, std::string_view key) {
  if (!j.is_object()) {
    return nullptr;
  }
  const auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

}  // namespace

std::string json_string(const nlohmann::json& j, std::string_view key) {
  const nlohmann::json* m = member(j, key);
  return m && m->is_string() ? m->get<std::string>() : std::string{};
}

double json_number(const nlohmann::json& j, std::string_view key, double fallback) {
  const nlohmann::json* m = member(j, key);
  return m && m->is_number() ? m->get<double>() : fallback;
}

bool json_bool(const nlohmann::json& j, std::string_view key, bool fallback) {
  const nlohmann::json* m = member(j, key);
  return m && m->is_boolean() ? m->get<bool>() : fallback;
}

std::optional<TimePoint> json_time(const nlohmann::json& j, std::string_view key) {
  const nlohmann::json* m = member(j, key);
  if (!m || !m->is_number()) {
    return std::nullopt;
  }
  return from_epoch_seconds(m->get<double>());
}

const nlohmann::json& json_array(const nlohmann::json& j, std::string_view key) {
  static const nlohmann::json k_empty = nlohmann::json::array();
  const nlohmann::json* m = member(j, key);
  return m && m->is_array() ? *m : k_empty;
}

}  // namespace gpubox::aws
