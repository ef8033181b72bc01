#include "catalog/refresh.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <tuple>

#include <fmt/format.h>

#include "catalog/gpus.hpp"
#include "core/strings.hpp"

namespace gpubox::catalog {

namespace {

std::string attribute(const nlohmann::json& attrs, const char* key) {
  auto it = attrs.find(key);
  return it != attrs.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Read the first hourly USD price under terms.OnDemand.<offer>.priceDimensions.<rate>.
std::optional<double> hourly_usd(const nlohmann::json& on_demand) {
  for (const auto& [offer, term] : on_demand.items()) {
    if (!term.is_object() || !term.contains("priceDimensions")) {
      continue;
    }
    for (const auto& [rate, dim] : term["priceDimensions"].items()) {
      if (!dim.is_object() || dim.value("unit", "") != "Hrs" || !dim.contains("pricePerUnit")) {
        continue;
      }
      const std::string usd = attribute(dim["pricePerUnit"], "USD");
      char* end = nullptr;
      const double v = std::strtod(usd.c_str(), &end);
      if (!usd.empty() && end != nullptr && *end == '\0' && v > 0) {
        return v;
      }
    }
  }
  return std::nullopt;
}

// Format a number the way the embedded catalog does: no trailing zeros.
std::string number(double v) {
  std::string s = fmt::format("{:.6f}", v);
  s.erase(s.find_last_not_of('0') + 1);
  if (s.ends_with('.')) {
    s.pop_back();
  }
  return s;
}

}  // namespace

std::optional<ProductPrice> on_demand_price(const nlohmann::json& product) {
  if (!product.is_object() || !product.contains("product") || !product.contains("terms")) {
    return std::nullopt;
  }
  const nlohmann::json& p = product["product"];
  if (!p.is_object() || !p.contains("attributes") || !p["attributes"].is_object()) {
    return std::nullopt;
  }
  ProductPrice out;
  out.instance_type = attribute(p["attributes"], "instanceType");
  out.region = attribute(p["attributes"], "regionCode");
  const nlohmann::json& terms = product["terms"];
  if (out.instance_type.empty() || out.region.empty() || !terms.is_object() ||
      !terms.contains("OnDemand") || !terms["OnDemand"].is_object()) {
    return std::nullopt;
  }
  auto usd = hourly_usd(terms["OnDemand"]);
  if (!usd) {
    return std::nullopt;
  }
  out.usd_per_hour = *usd;
  return out;
}

std::string canonical_gpu_name(std::string_view name, double memory_gib) {
  // The catalog spells memory variants as their own accelerator ("A100-80GB", "V100-32GB").
  const long gib = std::lround(memory_gib);
  if (auto variant = normalize_gpu(fmt::format("{}-{}GB", name, gib)); variant && gib > 0) {
    if (normalize_gpu(name) != variant) {
      return *variant;
    }
  }
  return normalize_gpu(name).value_or(std::string(name));
}

std::string render_catalog_csv(const RefreshData& data, std::string_view generated_at,
                               std::string_view source) {
  std::map<std::string, const RefreshedType*> types;
  for (const RefreshedType& t : data.types) {
    // parse_catalog rejects rows without a GPU count or vCPUs; such types are not GPU offers.
    if (t.gpu_count > 0 && t.vcpus > 0 && !t.gpu.empty()) {
      types.emplace(t.instance_type, &t);
    }
  }
  std::vector<const RefreshedZone*> zones;
  for (const RefreshedZone& z : data.zones) {
    if (types.contains(z.instance_type)) {
      zones.push_back(&z);
    }
  }
  std::ranges::sort(zones, [](const RefreshedZone* a, const RefreshedZone* b) {
    return std::tie(a->instance_type, a->region, a->zone_id) <
           std::tie(b->instance_type, b->region, b->zone_id);
  });
  zones.erase(std::ranges::unique(zones,
                                  [](const RefreshedZone* a, const RefreshedZone* b) {
                                    return std::tie(a->instance_type, a->region, a->zone_id) ==
                                           std::tie(b->instance_type, b->region, b->zone_id);
                                  })
                  .begin(),
              zones.end());
  std::string out = fmt::format("# generated_at: {}\n# source: {}\n", generated_at, source);
  out +=
      "instance_type,accelerator,accelerator_count,gpu_memory_gib,vcpus,memory_gib,region,zone,"
      "on_demand_usd_per_hour,spot_usd_per_hour,arch\n";
  for (const RefreshedZone* z : zones) {
    const RefreshedType& t = *types.at(z->instance_type);
    auto od = data.on_demand_usd.find({z->instance_type, z->region});
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", t.instance_type,
                       canonical_gpu_name(t.gpu, t.gpu_memory_gib), number(t.gpu_count),
                       number(t.gpu_memory_gib), t.vcpus, number(t.memory_gib), z->region,
                       z->zone_id, od == data.on_demand_usd.end() ? "" : number(od->second),
                       z->spot_usd ? number(*z->spot_usd) : "", t.arch);
  }
  return out;
}

std::optional<std::string> merge_catalog_csv(std::string_view fresh, std::string_view previous,
                                             const std::vector<std::string>& refreshed_regions) {
  // Split into "# " lines, the column header, and rows.
  struct Parts {
    std::string comments, header;
    std::vector<std::string> rows;
  };
  auto split_csv = [](std::string_view text) {
    Parts p;
    for (const std::string& line : split(text, '\n')) {
      if (line.empty()) {
        continue;
      }
      if (line.starts_with("#")) {
        p.comments += line + "\n";
      } else if (p.header.empty()) {
        p.header = line;
      } else {
        p.rows.push_back(line);
      }
    }
    return p;
  };
  Parts now = split_csv(fresh);
  Parts before = split_csv(previous);
  if (before.header != now.header) {
    return std::nullopt;
  }
  const auto columns = split(now.header, ',');
  const auto at = std::ranges::find(columns, "region");
  if (at == columns.end()) {
    return std::nullopt;
  }
  const size_t region_col = static_cast<size_t>(at - columns.begin());
  for (const std::string& row : before.rows) {
    const auto cells = split(row, ',');
    if (cells.size() > region_col &&
        std::ranges::find(refreshed_regions, cells[region_col]) == refreshed_regions.end()) {
      now.rows.push_back(row);
    }
  }
  std::ranges::sort(now.rows);
  std::string out = now.comments + now.header + "\n";
  for (const std::string& row : now.rows) {
    out += row + "\n";
  }
  return out;
}

}  // namespace gpubox::catalog
