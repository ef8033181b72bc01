#include "box/money/catalog_refresh.hpp"

#include <algorithm>
#include <future>
#include <map>
#include <set>

#include "aws/ec2_catalog.hpp"
#include "aws/endpoints.hpp"
#include "aws/xml.hpp"
#include "catalog/catalog.hpp"
#include "core/iso8601.hpp"
#include "core/strings.hpp"

namespace gpubox::box {

namespace {

struct RegionData {
  std::vector<catalog::RefreshedType> types;
  std::vector<catalog::RefreshedZone> zones;
  std::map<std::pair<std::string, std::string>, double> on_demand;
};

catalog::RefreshedType to_type(const aws::InstanceTypeInfo& t) {
  catalog::RefreshedType r;
  r.instance_type = t.type;
  r.vcpus = t.vcpus;
  r.memory_gib = static_cast<double>(t.memory_mib) / 1024.0;
  r.arch =
      std::ranges::find(t.architectures, "arm64") != t.architectures.end() ? "arm64" : "x86_64";
  for (const aws::GpuDevice& g : t.gpus) {
    r.gpu = g.name;
    r.gpu_count += g.count;
    r.gpu_memory_gib = static_cast<double>(g.memory_mib) / 1024.0;
  }
  return r;
}

// The GPU types of `region`: DescribeInstanceTypes lists every type, so keep those with GPUs.
Result<std::vector<catalog::RefreshedType>> gpu_types(aws::AwsClient& client,
                                                      std::string_view region) {
  GPUBOX_TRY_ASSIGN(page, aws::describe_instance_types(client, region, {}));
  std::vector<catalog::RefreshedType> out;
  for (const aws::InstanceTypeInfo& t : page.types) {
    catalog::RefreshedType r = to_type(t);
    if (r.gpu_count > 0 && !r.gpu.empty() && r.vcpus > 0) {
      out.push_back(std::move(r));
    }
  }
  return out;
}

// The newest spot price per (type, zone name); with StartTime=now AWS returns the price in
// effect now for every zone (aws-reference.md 9.3).
Result<std::map<std::pair<std::string, std::string>, double>> current_spot(
    aws::AwsClient& client, std::string_view region, const std::vector<std::string>& types,
    TimePoint now) {
  aws::DescribeSpotPriceHistoryInput in;
  in.instance_types = types;
  in.product_descriptions = {"Linux/UNIX"};
  in.start_time = now;
  GPUBOX_TRY_ASSIGN(page, aws::describe_spot_price_history(client, region, in));
  std::map<std::pair<std::string, std::string>, std::pair<TimePoint, double>> newest;
  for (const aws::SpotPrice& p : page.prices) {
    const TimePoint at = p.timestamp.value_or(TimePoint{});
    auto [it, fresh] = newest.try_emplace({p.instance_type, p.zone}, at, p.price_per_hour_usd);
    if (!fresh && at > it->second.first) {
      it->second = {at, p.price_per_hour_usd};
    }
  }
  std::map<std::pair<std::string, std::string>, double> out;
  for (const auto& [key, value] : newest) {
    out[key] = value.second;
  }
  return out;
}

Result<std::map<std::pair<std::string, std::string>, double>> on_demand_prices(
    aws::AwsClient& client, std::string_view region) {
  aws::GetProductsInput in;
  in.filters = linux_on_demand_filters(region);
  in.format_version = "aws_v1";
  in.max_results = 100;
  GPUBOX_TRY_ASSIGN(page, aws::get_products(client, aws::pricing_region_for(region), in));
  std::map<std::pair<std::string, std::string>, double> out;
  for (const nlohmann::json& product : page.products) {
    if (auto p = catalog::on_demand_price(product); p && p->region == region) {
      out[{p->instance_type, p->region}] = p->usd_per_hour;
    }
  }
  return out;
}

Result<RegionData> fetch_region(aws::AwsClient& client, const std::string& region, TimePoint now) {
  RegionData d;
  GPUBOX_TRY_ASSIGN(types, gpu_types(client, region));
  if (types.empty()) {
    return d;
  }
  std::vector<std::string> names;
  for (const auto& t : types) {
    names.push_back(t.instance_type);
  }
  GPUBOX_TRY_ASSIGN(azs, aws::describe_availability_zones(client, region, {}));
  std::map<std::string, std::string> zone_id;
  for (const aws::AvailabilityZone& z : azs) {
    zone_id[z.name] = z.zone_id;
  }
  aws::DescribeInstanceTypeOfferingsInput offer_in;
  offer_in.location_type = "availability-zone";
  offer_in.filters.push_back({"instance-type", names});
  GPUBOX_TRY_ASSIGN(offers, aws::describe_instance_type_offerings(client, region, offer_in));
  GPUBOX_TRY_ASSIGN(spot, current_spot(client, region, names, now));
  GPUBOX_TRY_ASSIGN(on_demand, on_demand_prices(client, region));
  std::set<std::pair<std::string, std::string>> zones;  // (type, zone name)
  for (const aws::InstanceTypeOffering& o : offers.offerings) {
    zones.insert({o.type, o.location});
  }
  for (const auto& [key, price] : spot) {
    zones.insert(key);
  }
  for (const auto& [type, zone] : zones) {
    auto id = zone_id.find(zone);
    if (id == zone_id.end() || id->second.empty()) {
      continue;  // a zone DescribeAvailabilityZones does not list (not opted in)
    }
    auto s = spot.find({type, zone});
    d.zones.push_back({type, region, id->second,
                       s == spot.end() ? std::nullopt : std::optional<double>(s->second)});
  }
  d.types = std::move(types);
  d.on_demand = std::move(on_demand);
  return d;
}

}  // namespace

std::vector<aws::PriceFilter> linux_on_demand_filters(std::string_view region) {
  return {{"TERM_MATCH", "regionCode", std::string(region)},
          {"TERM_MATCH", "operatingSystem", "Linux"},
          {"TERM_MATCH", "tenancy", "Shared"},
          {"TERM_MATCH", "preInstalledSw", "NA"},
          {"TERM_MATCH", "capacitystatus", "Used"}};
}

Result<std::vector<std::string>> resolve_regions(aws::AwsClient& client,
                                                 std::string_view home_region,
                                                 std::string_view spec) {
  if (!spec.empty() && spec != "all") {
    std::vector<std::string> out;
    for (const std::string& r : split(spec, ',')) {
      if (!trim(r).empty()) {
        out.emplace_back(trim(r));
      }
    }
    if (out.empty()) {
      return fail(ErrorKind::invalid_input, "--regions names no region");
    }
    return out;
  }
  GPUBOX_TRY_ASSIGN(out, aws::enabled_region_names(client, home_region));
  std::ranges::sort(out);
  return out;
}

Result<CatalogFetch> fetch_catalog(aws::AwsClient& client, const std::vector<std::string>& regions,
                                   TimePoint now) {
  std::vector<std::future<Result<RegionData>>> pending;
  pending.reserve(regions.size());
  for (const std::string& region : regions) {
    pending.push_back(std::async(
        std::launch::async, [&client, region, now] { return fetch_region(client, region, now); }));
  }
  CatalogFetch out;
  std::set<std::string> seen_types;
  for (size_t k = 0; k < regions.size(); ++k) {
    auto r = pending[k].get();
    if (!r) {
      out.failures.push_back({regions[k], r.error()});
      continue;
    }
    for (auto& t : r->types) {
      if (seen_types.insert(t.instance_type).second) {
        out.data.types.push_back(std::move(t));
      }
    }
    std::move(r->zones.begin(), r->zones.end(), std::back_inserter(out.data.zones));
    out.data.on_demand_usd.insert(r->on_demand.begin(), r->on_demand.end());
  }
  if (!regions.empty() && out.failures.size() == regions.size()) {
    return fail(out.failures.front().error);
  }
  return out;
}

Result<CatalogRefresh> refresh_catalog(aws::AwsClient& client, FileSystem& fs,
                                       const std::vector<std::string>& regions, TimePoint now,
                                       const std::filesystem::path& path, bool merge) {
  constexpr const char* k_source = "AWS Price List API + DescribeSpotPriceHistory";
  GPUBOX_TRY_ASSIGN(fetched, fetch_catalog(client, regions, now));
  std::string csv = catalog::render_catalog_csv(fetched.data, format_iso8601(now), k_source);
  std::vector<std::string> warnings;
  if (merge) {
    if (auto previous = fs.read_file(path)) {
      // A region that failed to answer keeps its previous rows too.
      std::vector<std::string> refreshed;
      for (const auto& r : regions) {
        if (std::ranges::none_of(fetched.failures,
                                 [&r](const RegionFailure& f) { return f.region == r; })) {
          refreshed.push_back(r);
        }
      }
      if (auto merged = catalog::merge_catalog_csv(csv, *previous, refreshed)) {
        csv = std::move(*merged);
      } else {
        warnings.emplace_back("the previous catalog has another layout; replacing it");
      }
    }
  }
  // Parse before writing: a file `offers` cannot read must never replace a good one.
  GPUBOX_TRY_ASSIGN(parsed, catalog::parse_catalog(csv, "", path.string()));
  if (parsed.prices.empty()) {
    return fail(ErrorKind::remote, "AWS returned no GPU instance types with prices; catalog kept");
  }
  GPUBOX_TRY(fs.write_file_atomic(path, csv, 0644));
  std::set<std::string> with_prices;
  for (const auto& p : parsed.prices) {
    with_prices.insert(p.region);
  }
  return CatalogRefresh{path,
                        now,
                        parsed.types.size(),
                        with_prices.size(),
                        std::move(fetched.failures),
                        std::move(warnings)};
}

}  // namespace gpubox::box
