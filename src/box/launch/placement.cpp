#include "box/launch/placement.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "aws/ec2_catalog.hpp"
#include "plan/offers.hpp"

namespace gpubox::box {
namespace {

void add_catalog_prices(const catalog::Catalog& catalog, std::string_view region, TypeInfo& info) {
  if (const catalog::RegionPrice* p = catalog.find_price(info.instance_type, region)) {
    info.on_demand_usd = p->on_demand_usd;
    info.spot_usd = p->spot_usd;
  }
}

TypeInfo from_spec(const catalog::InstanceSpec& spec) {
  TypeInfo t;
  t.instance_type = spec.instance_type;
  t.vcpus = spec.vcpus;
  t.arch = spec.arch;
  t.gpu = spec.gpu;
  t.gpu_count = spec.gpu_count;
  t.gpu_memory_gib = spec.gpu_memory_gib;
  return t;
}

TypeInfo from_aws(const aws::InstanceTypeInfo& info) {
  TypeInfo t;
  t.instance_type = info.type;
  t.vcpus = info.vcpus;
  t.arch = std::ranges::find(info.architectures, "arm64") != info.architectures.end() ? "arm64"
                                                                                      : "x86_64";
  if (!info.gpus.empty()) {
    t.gpu = catalog::normalize_gpu(info.gpus.front().name).value_or(info.gpus.front().name);
    t.gpu_count = info.gpus.front().count;
    t.gpu_memory_gib = static_cast<double>(info.gpus.front().memory_mib) / 1024.0;
  }
  return t;
}

// Return the catalog types that carry `gpu` in at least `count`, the ones worth asking about.
std::vector<std::string> types_with_gpu(const catalog::Catalog& catalog,
                                        const catalog::GpuSpec& gpu) {
  std::vector<std::string> out;
  for (const auto& spec : catalog.types) {
    if (spec.gpu == gpu.name && spec.gpu_count + 1e-9 >= gpu.count &&
        !catalog::unsupported_reason(spec.instance_type)) {
      out.push_back(spec.instance_type);
    }
  }
  return out;
}

// Return which of `types` DescribeInstanceTypeOfferings lists in `region`.
Result<std::vector<std::string>> offered_types(aws::AwsClient& client, std::string_view region,
                                               const std::vector<std::string>& types) {
  std::vector<std::string> out;
  // The instance-type filter takes at most 200 values per call.
  for (size_t start = 0; start < types.size(); start += 200) {
    aws::DescribeInstanceTypeOfferingsInput in;
    in.location_type = "region";
    size_t end = std::min(types.size(), start + 200);
    in.filters = {
        {"instance-type",
         {types.begin() + static_cast<long>(start), types.begin() + static_cast<long>(end)}}};
    GPUBOX_TRY_ASSIGN(page, aws::describe_instance_type_offerings(client, region, in));
    for (auto& o : page.offerings) {
      out.push_back(std::move(o.type));
    }
  }
  return out;
}

}  // namespace

std::string gpu_summary(const TypeInfo& type) {
  if (type.gpu.empty() || type.gpu_count <= 0) {
    return "no GPU";
  }
  std::string count = std::fabs(type.gpu_count - std::round(type.gpu_count)) < 1e-9
                          ? fmt::format("{}", static_cast<int>(std::round(type.gpu_count)))
                          : fmt::format("{:g}", type.gpu_count);
  if (type.gpu_memory_gib <= 0) {
    return fmt::format("{}x {}", count, type.gpu);
  }
  return fmt::format("{}x {} {:g} GiB", count, type.gpu, type.gpu_memory_gib);
}

Result<void> check_supported_type(std::string_view instance_type) {
  if (auto why = catalog::unsupported_reason(instance_type)) {
    return fail(ErrorKind::invalid_input,
                "cannot launch " + std::string(instance_type) + ": " + why->reason,
                "use " + why->replacement + " instead");
  }
  return {};
}

std::vector<std::string> search_regions(const catalog::Catalog& catalog,
                                        const std::optional<catalog::GpuSpec>& gpu,
                                        const std::optional<std::string>& instance_type, bool spot,
                                        size_t limit) {
  plan::OfferQuery q;
  q.gpu = gpu;
  q.spot = spot;
  q.include_neuron = true;
  std::vector<std::string> regions;
  for (const plan::Offer& o : plan::find_offers(catalog, q)) {
    bool wanted =
        o.launchable && o.price(spot) && (!instance_type || o.instance_type == *instance_type);
    if (wanted && std::ranges::find(regions, o.region) == regions.end()) {
      regions.push_back(o.region);
      if (limit > 0 && regions.size() >= limit) {
        break;
      }
    }
  }
  return regions;
}

std::vector<std::string> order_zones(std::vector<std::string> zones, std::string_view preferred) {
  std::ranges::sort(zones);
  zones.erase(std::ranges::unique(zones).begin(), zones.end());
  if (!preferred.empty()) {
    auto it = std::ranges::find(zones, preferred);
    if (it != zones.end()) {
      std::rotate(zones.begin(), it, it + 1);
    }
  }
  return zones;
}

Result<TypeInfo> describe_type(const catalog::Catalog& catalog, aws::AwsClient& client,
                               std::string_view region, std::string_view instance_type) {
  GPUBOX_TRY(check_supported_type(instance_type));
  TypeInfo info;
  if (const catalog::InstanceSpec* spec = catalog.find_type(instance_type)) {
    info = from_spec(*spec);
  } else {
    aws::DescribeInstanceTypesInput in;
    in.instance_types = {std::string(instance_type)};
    auto page = aws::describe_instance_types(client, region, in);
    if (!page || page->types.empty()) {
      if (!page && page.error().kind != ErrorKind::invalid_input &&
          page.error().kind != ErrorKind::not_found) {
        return fail(page.error());
      }
      return fail(ErrorKind::invalid_input,
                  "unknown instance type '" + std::string(instance_type) + "'",
                  "see `gpubox offers` for GPU instance types, or pass --gpu T4");
    }
    info = from_aws(page->types.front());
  }
  add_catalog_prices(catalog, region, info);
  return info;
}

Result<std::vector<std::string>> zones_offering(aws::AwsClient& client, std::string_view region,
                                                std::string_view instance_type) {
  aws::DescribeInstanceTypeOfferingsInput in;
  in.location_type = "availability-zone";
  in.filters = {{"instance-type", {std::string(instance_type)}}};
  GPUBOX_TRY_ASSIGN(page, aws::describe_instance_type_offerings(client, region, in));
  std::vector<std::string> zones;
  for (const auto& o : page.offerings) {
    if (o.type == instance_type) {
      zones.push_back(o.location);
    }
  }
  return order_zones(std::move(zones), "");
}

Result<std::optional<Candidate>> candidate_in(const catalog::Catalog& catalog,
                                              aws::AwsClient& client, std::string_view region,
                                              const PlacementRequest& req) {
  Candidate c;
  c.region = std::string(region);
  if (req.instance_type) {
    GPUBOX_TRY_ASSIGN(info, describe_type(catalog, client, region, *req.instance_type));
    c.type = std::move(info);
  } else if (req.gpu) {
    auto types = types_with_gpu(catalog, *req.gpu);
    if (types.empty()) {
      return std::optional<Candidate>{};
    }
    GPUBOX_TRY_ASSIGN(offered, offered_types(client, region, types));
    auto best = plan::cheapest_type_for(catalog, req.gpu->name, req.gpu->count, region, offered);
    if (!best) {
      return std::optional<Candidate>{};
    }
    GPUBOX_TRY_ASSIGN(info, describe_type(catalog, client, region, best->instance_type));
    c.type = std::move(info);
  } else {
    return fail(ErrorKind::invalid_input, "pass --gpu GPU[:N] or --type INSTANCE_TYPE");
  }
  GPUBOX_TRY_ASSIGN(zones, zones_offering(client, region, c.type.instance_type));
  if (!req.zone.empty()) {
    if (std::ranges::find(zones, req.zone) == zones.end()) {
      return fail(ErrorKind::invalid_input,
                  fmt::format("{} is not offered in zone {}", c.type.instance_type, req.zone),
                  zones.empty()
                      ? "try another region"
                      : "zones that offer it: " + fmt::format("{}", fmt::join(zones, ", ")));
    }
    zones = {req.zone};
  }
  if (zones.empty()) {
    return std::optional<Candidate>{};
  }
  c.zones = std::move(zones);
  return std::optional<Candidate>{std::move(c)};
}

}  // namespace gpubox::box
