#include <nlohmann/json.hpp>

#include "aws/xml.hpp"
#include "box/launch/quota.hpp"
#include "core/iso8601.hpp"
#include "core/log.hpp"
#include "core/paths.hpp"

namespace gpubox::box {

QuotaCodeCache::QuotaCodeCache(std::filesystem::path file, const Clock& clock,
                               std::chrono::seconds ttl)
    : m_file(std::move(file)), m_clock(clock), m_ttl(ttl) {}

void QuotaCodeCache::load_locked() {
  if (m_loaded) {
    return;
  }
  m_loaded = true;
  auto text = read_file(m_file);
  if (!text) {
    return;
  }
  // A corrupt cache only costs one ListServiceQuotas per region, so it is dropped silently.
  const nlohmann::json doc = nlohmann::json::parse(*text, nullptr, false);
  if (!doc.is_object() || !doc.contains("regions") || !doc["regions"].is_object()) {
    return;
  }
  for (const auto& [region, entry] : doc["regions"].items()) {
    if (!entry.is_object() || !entry.value("fetched_at", nlohmann::json()).is_string() ||
        !entry.value("codes", nlohmann::json()).is_object()) {
      continue;
    }
    auto at = parse_iso8601(entry["fetched_at"].get<std::string>());
    if (!at) {
      continue;
    }
    RegionEntry e;
    e.fetched_at = *at;
    for (const auto& [name, code] : entry["codes"].items()) {
      if (code.is_string()) {
        e.codes[name] = code.get<std::string>();
      }
    }
    m_regions[region] = std::move(e);
  }
}

Result<void> QuotaCodeCache::save_locked() {
  nlohmann::json regions = nlohmann::json::object();
  for (const auto& [region, e] : m_regions) {
    regions[region] = {{"fetched_at", format_iso8601(e.fetched_at)}, {"codes", e.codes}};
  }
  const nlohmann::json doc = {{"version", 1}, {"regions", regions}};
  GPUBOX_TRY(ensure_private_dir(m_file.parent_path()));
  return write_file_atomic(m_file, doc.dump(1) + "\n");
}

std::optional<std::string> QuotaCodeCache::code_for(std::string_view region,
                                                    std::string_view quota_name) {
  std::lock_guard lock(m_mutex);
  load_locked();
  auto it = m_regions.find(region);
  if (it == m_regions.end()) {
    return std::nullopt;
  }
  const auto age = m_clock.now() - it->second.fetched_at;
  if (age > m_ttl || age < -m_ttl) {
    return std::nullopt;
  }
  for (const auto& [name, code] : it->second.codes) {
    if (quota_name_matches(name, quota_name)) {
      return code;
    }
  }
  return std::nullopt;
}

Result<void> QuotaCodeCache::store(std::string_view region,
                                   const std::vector<aws::ServiceQuota>& quotas) {
  std::lock_guard lock(m_mutex);
  load_locked();
  RegionEntry e;
  e.fetched_at = m_clock.now();
  for (const aws::ServiceQuota& q : quotas) {
    if (!q.quota_name.empty() && !q.quota_code.empty()) {
      e.codes[q.quota_name] = q.quota_code;
    }
  }
  m_regions[std::string(region)] = std::move(e);
  return save_locked();
}

void QuotaCodeCache::forget(std::string_view region) {
  std::lock_guard lock(m_mutex);
  load_locked();
  if (auto it = m_regions.find(region); it != m_regions.end()) {
    m_regions.erase(it);
    if (auto saved = save_locked(); !saved) {
      GPUBOX_LOG("quota code cache: {}", saved.error().message);
    }
  }
}

}  // namespace gpubox::box
