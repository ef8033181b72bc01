#pragma once
// The pure half of `gpubox catalog refresh`: reading Price List items and writing a catalog CSV
// that parse_catalog() reads back. Fetching from AWS lives in box/catalog_refresh.hpp, so this
// module stays free of aws/ headers.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace gpubox::catalog {

// One instance type's hardware as DescribeInstanceTypes reports it.
struct RefreshedType {
  std::string instance_type;
  std::string gpu;  // as AWS names it ("A100"); canonicalised by canonical_gpu_name()
  double gpu_count = 0;
  double gpu_memory_gib = 0;  // per GPU
  int vcpus = 0;
  double memory_gib = 0;
  std::string arch;  // "x86_64" or "arm64"
};

// One zone where a type is offered, with that zone's current spot price when known.
struct RefreshedZone {
  std::string instance_type;
  std::string region;
  std::string zone_id;  // "use1-az4"
  std::optional<double> spot_usd;
};

// Everything a refreshed catalog holds.
struct RefreshData {
  std::vector<RefreshedType> types;
  std::map<std::pair<std::string, std::string>, double> on_demand_usd;  // (type, region) -> $/h
  std::vector<RefreshedZone> zones;
};

// One on-demand price read from a GetProducts PriceList item.
struct ProductPrice {
  std::string instance_type;
  std::string region;  // regionCode
  double usd_per_hour = 0;
};

// Return the instance type, region and hourly USD price of a Price List `product`, or nullopt
// when it has no usable OnDemand hourly price (e.g. 0.00 placeholder entries).
std::optional<ProductPrice> on_demand_price(const nlohmann::json& product);

// Return the canonical catalog name of AWS's GPU `name` with `memory_gib` per GPU
// ("A100" with 80 GiB -> "A100-80GB"); unknown names are returned unchanged.
std::string canonical_gpu_name(std::string_view name, double memory_gib);

// Return the catalog CSV for `data`: `# generated_at:` and `# source:` header lines, then one row
// per (type, region, zone), sorted. A type with no zone in a region has no row there.
std::string render_catalog_csv(const RefreshData& data, std::string_view generated_at,
                               std::string_view source);

// Return `fresh` (a render_catalog_csv of `refreshed_regions`) with the rows of `previous` for
// every other region added back, sorted: `catalog refresh --regions R` updates R and keeps the
// rest. `previous` in another column layout is not merged (nullopt).
std::optional<std::string> merge_catalog_csv(std::string_view fresh, std::string_view previous,
                                             const std::vector<std::string>& refreshed_regions);

}  // namespace gpubox::catalog
