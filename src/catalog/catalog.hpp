#pragma once
// The price catalog: instance specs and per-(type, region) prices, parsed from CSV.
// The embedded catalog ships in the binary (data/catalog/, a 2025-09 snapshot of the SkyPilot
// catalog); `gpubox catalog refresh` writes a newer file with the same columns and a header:
//
//   # generated_at: 2025-11-02T10:00:00Z
//   # source: AWS Price List API + DescribeSpotPriceHistory
//   instance_type,accelerator,accelerator_count,gpu_memory_gib,vcpus,memory_gib,region,zone,...
//
// Column order is free; an optional `arch` column overrides the inferred CPU architecture.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace gpubox::catalog {

// The hardware of one instance type (identical on every row of that type).
struct InstanceSpec {
  std::string instance_type;  // "g5.xlarge"
  std::string gpu;            // canonical accelerator name, "A10G"; see gpus.hpp
  double gpu_count = 0;       // may be fractional: g6f.2xlarge has 0.25 of an L4
  double gpu_memory_gib = 0;  // memory of one GPU (of the slice for fractional types)
  int vcpus = 0;
  double memory_gib = 0;
  std::string arch;      // "x86_64" or "arm64"
  bool complete = true;  // false when the snapshot holds only some of its zones
};

// Prices of one instance type in one region.
struct RegionPrice {
  std::string instance_type;
  std::string region;
  std::optional<double> on_demand_usd;  // USD per hour; empty when the source lists none
  std::optional<double> spot_usd;       // cheapest regular zone (a Local Zone only when there is
                                        // no other); empty when no zone has a useful spot price
  std::string spot_zone_id;             // zone ID ("use1-az4") of `spot_usd`, not a zone name
  std::vector<std::string> zone_ids;    // every zone ID the snapshot lists, sorted
};

// Where a catalog came from; shown next to every price.
struct SnapshotInfo {
  std::string generated_at;  // "2025-09" (month only when the exact date is unknown) or RFC 3339
  std::string source;        // one line: where the prices come from
  std::string attribution;   // one line of credit, empty when none is needed
  std::string origin;        // "embedded" or the file path it was loaded from
};

struct Catalog {
  SnapshotInfo snapshot;
  std::vector<InstanceSpec> types;  // sorted by instance_type
  std::vector<RegionPrice> prices;  // sorted by (instance_type, region)

  // Return the spec of `instance_type`, or nullptr when the catalog lacks it.
  const InstanceSpec* find_type(std::string_view instance_type) const;

  // Return the prices of `instance_type` in `region`, or nullptr when the catalog lacks them.
  const RegionPrice* find_price(std::string_view instance_type, std::string_view region) const;

  // Return every region that has at least one price row, sorted.
  std::vector<std::string> regions() const;
};

// Spot prices at or above this fraction of on-demand mean "no useful spot market" (README).
inline constexpr double k_no_spot_ratio = 0.999;

// Return whether `zone_id` is a Local Zone ("usw2-lax1-az1"), which an account must opt into.
bool is_local_zone(std::string_view zone_id);

// Parse an instances CSV (`name` appears in error messages) and an optional coverage CSV
// (instance_type, accelerator, arch, coverage, ...); errors name the file and line.
Result<Catalog> parse_catalog(std::string_view instances_csv, std::string_view coverage_csv,
                              std::string_view name);

// Return the catalog embedded in the binary at build time.
Result<Catalog> load_embedded();

// Load a catalog file written by `catalog refresh` (or any CSV with the same columns).
Result<Catalog> load_file(const std::string& path);

// Return the catalog to use: `cached` when it has a `generated_at` not older than `embedded`'s.
const Catalog& newest(const Catalog& embedded, const std::optional<Catalog>& cached);

// Return the line to print under any price listing, e.g.
// "prices: SkyPilot catalog snapshot 2025-09 (...); spot prices change hourly".
std::string price_footer(const SnapshotInfo& snapshot);

}  // namespace gpubox::catalog
