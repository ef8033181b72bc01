#pragma once
// Offers: which (instance type, region) pairs satisfy a request, cheapest first. Pure functions
// over a catalog::Catalog; quotas and live availability are applied by the caller.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.hpp"
#include "catalog/gpus.hpp"
#include "core/error.hpp"

namespace gpubox::plan {

// What `gpubox offers` asks for; every unset field means "no constraint".
struct OfferQuery {
  std::optional<catalog::GpuSpec> gpu;       // canonical name and minimum count
  std::optional<double> min_gpu_memory_gib;  // per GPU
  std::optional<int> min_vcpus;
  std::optional<double> min_memory_gib;
  bool spot = false;                    // rank and filter by spot price
  std::optional<double> max_price_usd;  // per hour, of the price being ranked
  std::vector<std::string> regions;     // empty: all regions
  size_t limit = 0;                     // 0: no limit
  bool include_neuron = false;          // Inferentia/Trainium without naming them in `gpu`
};

// One (instance type, region) pair with its hardware and prices.
struct Offer {
  std::string instance_type;
  std::string region;
  std::string gpu;
  double gpu_count = 0;
  double gpu_memory_gib = 0;  // per GPU
  int vcpus = 0;
  double memory_gib = 0;
  std::string arch;
  std::optional<double> on_demand_usd;
  std::optional<double> spot_usd;
  std::string spot_zone_id;  // zone ID of `spot_usd`
  bool launchable = true;    // false for families `up` refuses (catalog::unsupported_reason)

  // Return the price that ranks this offer: spot when `spot`, otherwise on-demand.
  std::optional<double> price(bool spot) const { return spot ? spot_usd : on_demand_usd; }
};

// Return the offers that satisfy `query`, cheapest first; ties go to fewer vCPUs, then type
// name, then region. Offers without the ranked price come last (dropped when spot or a max
// price is asked for).
std::vector<Offer> find_offers(const catalog::Catalog& catalog, const OfferQuery& query);

// Parse a `--gpu` value against `catalog`: unknown names fail with a "did you mean" hint, and
// known GPUs that the catalog does not sell fail with the unsupported reason or nearest GPUs.
Result<catalog::GpuSpec> resolve_gpu(const catalog::Catalog& catalog, std::string_view text);

// Return the cheapest launchable type with at least `count` `gpu`s among `offered_types` (what
// DescribeInstanceTypeOfferings lists in `region`), for `up --gpu`. Ranks by the region's
// on-demand price, or by the type's cheapest price elsewhere when the catalog lacks the region;
// ties go to fewer vCPUs, then type name. The returned offer's prices are the region's (empty
// when unknown).
std::optional<Offer> cheapest_type_for(const catalog::Catalog& catalog, std::string_view gpu,
                                       double count, std::string_view region,
                                       std::span<const std::string> offered_types);

}  // namespace gpubox::plan
