#pragma once
// Where a new box goes: which instance type (from --type, or the cheapest with the asked GPU),
// in which region and availability zones. Live offerings come from
// DescribeInstanceTypeOfferings; prices and hardware come from the catalog.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"
#include "catalog/catalog.hpp"
#include "catalog/gpus.hpp"
#include "core/error.hpp"

namespace gpubox::box {

// The hardware and catalog prices of one instance type in one region.
struct TypeInfo {
  std::string instance_type;
  int vcpus = 0;
  std::string arch;  // "x86_64" or "arm64"
  std::string gpu;   // canonical name, empty when unknown
  double gpu_count = 0;
  double gpu_memory_gib = 0;
  std::optional<double> on_demand_usd;  // catalog price in the region, USD per hour
  std::optional<double> spot_usd;
  // Return the price that applies: spot when `spot`, otherwise on-demand.
  std::optional<double> price(bool spot) const { return spot ? spot_usd : on_demand_usd; }
};

// One place to try: a type in a region with the zones that offer it, in the order to try them.
struct Candidate {
  std::string region;
  TypeInfo type;
  std::vector<std::string> zones;
};

// What the user asked for.
struct PlacementRequest {
  std::optional<std::string> instance_type;  // --type
  std::optional<catalog::GpuSpec> gpu;       // --gpu
  std::vector<std::string> regions;          // one when pinned, else the regions to search
  std::string zone;                          // --zone; empty: any zone that offers the type
  bool spot = false;
};

// Return a one-line summary of the GPUs of `type`, e.g. "1x T4 16 GiB".
std::string gpu_summary(const TypeInfo& type);

// Return an Error naming a replacement when `instance_type` belongs to a family gpubox refuses.
Result<void> check_supported_type(std::string_view instance_type);

// Return the regions to search for `gpu` (or `instance_type`), cheapest catalog price first,
// at most `limit` of them.
std::vector<std::string> search_regions(const catalog::Catalog& catalog,
                                        const std::optional<catalog::GpuSpec>& gpu,
                                        const std::optional<std::string>& instance_type, bool spot,
                                        size_t limit);

// Return `zones` sorted, with `preferred` (when given) first.
std::vector<std::string> order_zones(std::vector<std::string> zones, std::string_view preferred);

// Return the hardware of `instance_type` from `catalog`, else from DescribeInstanceTypes in
// `region`; an unknown type is invalid input.
Result<TypeInfo> describe_type(const catalog::Catalog& catalog, aws::AwsClient& client,
                               std::string_view region, std::string_view instance_type);

// Return the availability zones of `region` that offer `instance_type`, sorted.
Result<std::vector<std::string>> zones_offering(aws::AwsClient& client, std::string_view region,
                                                std::string_view instance_type);

// Return the place to try in `region` for `req`: the asked type, or the cheapest type with the
// asked GPU offered there; nullopt when the region offers nothing that fits.
Result<std::optional<Candidate>> candidate_in(const catalog::Catalog& catalog,
                                              aws::AwsClient& client, std::string_view region,
                                              const PlacementRequest& req);

}  // namespace gpubox::box
