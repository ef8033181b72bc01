#include "catalog/catalog.hpp"

#include <algorithm>
#include <fstream>
#include <span>
#include <sstream>
#include <tuple>

#include "catalog/catalog_data.hpp"

namespace gpubox::catalog {
namespace {

// The embedded snapshot's commit date is unknown; its content is from after 2025-09-10
// (data/catalog/NOTICE.md), so only the month is claimed.
constexpr std::string_view k_embedded_generated_at = "2025-09";
constexpr std::string_view k_embedded_source = "the SkyPilot catalog v8, embedded in gpubox";
constexpr std::string_view k_embedded_attribution =
    "Prices from the SkyPilot catalog, https://github.com/skypilot-org/skypilot-catalog";

std::string join_chunks(std::span<const std::string_view> chunks) {
  std::string out;
  size_t total = 0;
  for (std::string_view c : chunks) {
    total += c.size();
  }
  out.reserve(total);
  for (std::string_view c : chunks) {
    out.append(c);
  }
  return out;
}

}  // namespace

bool is_local_zone(std::string_view zone_id) {
  return std::count(zone_id.begin(), zone_id.end(), '-') >= 2;
}

const InstanceSpec* Catalog::find_type(std::string_view instance_type) const {
  auto it = std::ranges::lower_bound(
      types, instance_type, std::ranges::less{},
      [](const InstanceSpec& s) -> std::string_view { return s.instance_type; });
  return it != types.end() && it->instance_type == instance_type ? &*it : nullptr;
}

const RegionPrice* Catalog::find_price(std::string_view instance_type,
                                       std::string_view region) const {
  auto key = std::make_pair(instance_type, region);
  auto it = std::ranges::lower_bound(prices, key, std::ranges::less{}, [](const RegionPrice& p) {
    return std::make_pair(std::string_view(p.instance_type), std::string_view(p.region));
  });
  bool found = it != prices.end() && it->instance_type == instance_type && it->region == region;
  return found ? &*it : nullptr;
}

std::vector<std::string> Catalog::regions() const {
  std::vector<std::string> out;
  out.reserve(prices.size());
  for (const RegionPrice& p : prices) {
    out.push_back(p.region);
  }
  std::ranges::sort(out);
  out.erase(std::ranges::unique(out).begin(), out.end());
  return out;
}

Result<Catalog> load_embedded() {
  std::string instances = join_chunks(embedded_instances_csv_chunks());
  std::string coverage = join_chunks(embedded_coverage_csv_chunks());
  GPUBOX_TRY_ASSIGN(catalog, parse_catalog(instances, coverage, "embedded aws-gpu-instances.csv"));
  catalog.snapshot.generated_at = std::string(k_embedded_generated_at);
  catalog.snapshot.source = std::string(k_embedded_source);
  catalog.snapshot.attribution = std::string(k_embedded_attribution);
  catalog.snapshot.origin = "embedded";
  return catalog;
}

Result<Catalog> load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ErrorKind::not_found, "cannot open catalog file " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return fail(ErrorKind::invalid_input, "cannot read catalog file " + path);
  }
  return parse_catalog(text.str(), {}, path);
}

const Catalog& newest(const Catalog& embedded, const std::optional<Catalog>& cached) {
  // ISO dates compare as strings; "2025-09" sorts before any day of that month, so a refresh
  // made in the snapshot's month still wins. A cached file without a date never wins.
  if (cached && !cached->snapshot.generated_at.empty() &&
      cached->snapshot.generated_at >= embedded.snapshot.generated_at) {
    return *cached;
  }
  // Identity is the point (callers compare addresses), and both arguments outlive the call.
  return embedded;  // NOLINT(bugprone-return-const-ref-from-parameter)
}

std::string price_footer(const SnapshotInfo& snapshot) {
  std::string date = snapshot.generated_at.empty() ? "an unknown date" : snapshot.generated_at;
  // The source by name, never a file path (a refreshed catalog without a source line says so).
  std::string source = !snapshot.source.empty()        ? snapshot.source
                       : snapshot.origin == "embedded" ? std::string("embedded")
                                                       : std::string("`gpubox catalog refresh`");
  std::string out = "Prices as of " + date + " (" + source +
                    "). Spot prices change hourly; "
                    "EBS and data transfer are not included.";
  if (!snapshot.attribution.empty()) {
    out += " " + snapshot.attribution + ".";
  }
  return out;
}

}  // namespace gpubox::catalog
