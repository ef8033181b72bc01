#include "plan/offers.hpp"

#include <algorithm>
#include <limits>
#include <tuple>

#include "core/strings.hpp"

namespace gpubox::plan {
namespace {

using catalog::Catalog;
using catalog::InstanceSpec;
using catalog::RegionPrice;

// Fractional counts compare with a little slack ("L4:0.25" must match 0.25 exactly).
constexpr double k_epsilon = 1e-9;

bool spec_matches(const InstanceSpec& spec, const OfferQuery& q) {
  if (q.gpu) {
    if (spec.gpu != q.gpu->name || spec.gpu_count + k_epsilon < q.gpu->count) {
      return false;
    }
  } else if (!q.include_neuron && catalog::is_neuron(spec.gpu)) {
    return false;
  }
  if (q.min_gpu_memory_gib && spec.gpu_memory_gib + k_epsilon < *q.min_gpu_memory_gib) {
    return false;
  }
  if (q.min_vcpus && spec.vcpus < *q.min_vcpus) {
    return false;
  }
  return !q.min_memory_gib || spec.memory_gib + k_epsilon >= *q.min_memory_gib;
}

bool price_matches(const RegionPrice& p, const OfferQuery& q) {
  if (!q.regions.empty() && std::ranges::find(q.regions, p.region) == q.regions.end()) {
    return false;
  }
  std::optional<double> price = q.spot ? p.spot_usd : p.on_demand_usd;
  if (q.spot && !price) {
    return false;
  }
  return !q.max_price_usd || (price && *price <= *q.max_price_usd + k_epsilon);
}

Offer make_offer(const InstanceSpec& spec, const RegionPrice* price, std::string_view region) {
  Offer o;
  o.instance_type = spec.instance_type;
  o.region = std::string(region);
  o.gpu = spec.gpu;
  o.gpu_count = spec.gpu_count;
  o.gpu_memory_gib = spec.gpu_memory_gib;
  o.vcpus = spec.vcpus;
  o.memory_gib = spec.memory_gib;
  o.arch = spec.arch;
  if (price) {
    o.on_demand_usd = price->on_demand_usd;
    o.spot_usd = price->spot_usd;
    o.spot_zone_id = price->spot_zone_id;
  }
  o.launchable = !catalog::unsupported_reason(spec.instance_type);
  return o;
}

// Missing prices sort after every real price.
double rank_price(const std::optional<double>& price) {
  return price.value_or(std::numeric_limits<double>::infinity());
}

// The cheapest on-demand price of `instance_type` in any region (a proxy: regional prices of a
// type differ by a stable multiplier, so the cheapest elsewhere still ranks types correctly).
std::optional<double> cheapest_anywhere(const Catalog& catalog, std::string_view instance_type) {
  std::optional<double> best;
  for (const RegionPrice& p : catalog.prices) {
    if (p.instance_type == instance_type && p.on_demand_usd &&
        (!best || *p.on_demand_usd < *best)) {
      best = p.on_demand_usd;
    }
  }
  return best;
}

}  // namespace

std::vector<Offer> find_offers(const Catalog& catalog, const OfferQuery& query) {
  std::vector<Offer> out;
  const InstanceSpec* spec = nullptr;
  bool spec_ok = false;
  for (const RegionPrice& p : catalog.prices) {
    if (!spec || spec->instance_type != p.instance_type) {  // prices are sorted by type
      spec = catalog.find_type(p.instance_type);
      spec_ok = spec && spec_matches(*spec, query);
    }
    if (spec_ok && price_matches(p, query)) {
      out.push_back(make_offer(*spec, &p, p.region));
    }
  }
  bool spot = query.spot;
  std::ranges::sort(out, [spot](const Offer& a, const Offer& b) {
    return std::forward_as_tuple(rank_price(a.price(spot)), a.vcpus, a.instance_type, a.region) <
           std::forward_as_tuple(rank_price(b.price(spot)), b.vcpus, b.instance_type, b.region);
  });
  if (query.limit > 0 && out.size() > query.limit) {
    out.resize(query.limit);
  }
  return out;
}

Result<catalog::GpuSpec> resolve_gpu(const Catalog& catalog, std::string_view text) {
  GPUBOX_TRY_ASSIGN(spec, catalog::parse_gpu_spec(text));
  bool sold =
      std::ranges::any_of(catalog.types, [&](const InstanceSpec& s) { return s.gpu == spec.name; });
  if (sold) {
    return spec;
  }
  auto e = fail(ErrorKind::not_found, "the price catalog has no instance type with " + spec.name);
  if (auto why = catalog::unsupported_gpu_reason(spec.name)) {
    e.error().message += ": " + why->reason;
    e.error().hint = "try " + why->replacement;
  } else {
    e.error().hint = "run `gpubox offers` to see the GPUs the catalog has";
  }
  return e;
}

std::optional<Offer> cheapest_type_for(const Catalog& catalog, std::string_view gpu, double count,
                                       std::string_view region,
                                       std::span<const std::string> offered_types) {
  std::string name = catalog::normalize_gpu(gpu).value_or(std::string(gpu));
  std::optional<Offer> best;
  double best_price = 0;
  for (const InstanceSpec& spec : catalog.types) {
    bool offered = std::ranges::find(offered_types, spec.instance_type) != offered_types.end();
    if (!offered || spec.gpu != name || spec.gpu_count + k_epsilon < count ||
        catalog::unsupported_reason(spec.instance_type)) {
      continue;
    }
    const RegionPrice* here = catalog.find_price(spec.instance_type, region);
    std::optional<double> price = here && here->on_demand_usd
                                      ? here->on_demand_usd
                                      : cheapest_anywhere(catalog, spec.instance_type);
    double p = rank_price(price);
    bool better = !best || std::tie(p, spec.vcpus, spec.instance_type) <
                               std::tie(best_price, best->vcpus, best->instance_type);
    if (better) {
      best = make_offer(spec, here, region);
      best_price = p;
    }
  }
  return best;
}

}  // namespace gpubox::plan
