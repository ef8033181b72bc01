// The CSV parser behind parse_catalog(): one pass over the rows, then sorting and spot clean-up.
#include <algorithm>
#include <array>
#include <cmath>
#include <tuple>
#include <unordered_map>

#include "catalog/catalog.hpp"
#include "catalog/csv.hpp"
#include "catalog/gpus.hpp"
#include "core/strings.hpp"

namespace gpubox::catalog {
namespace {

enum Column : size_t {
  c_type,
  c_acc,
  c_count,
  c_gmem,
  c_vcpus,
  c_mem,
  c_region,
  c_zone,
  c_od,
  c_spot,
  c_arch
};
constexpr std::array<std::string_view, 11> k_columns = {"instance_type",
                                                        "accelerator",
                                                        "accelerator_count",
                                                        "gpu_memory_gib",
                                                        "vcpus",
                                                        "memory_gib",
                                                        "region",
                                                        "zone",
                                                        "on_demand_usd_per_hour",
                                                        "spot_usd_per_hour",
                                                        "arch"};
constexpr size_t k_absent = static_cast<size_t>(-1);

using ColumnMap = std::array<size_t, k_columns.size()>;

struct Builder {
  std::string name;
  Catalog catalog;
  std::unordered_map<std::string, size_t> type_index;
  std::unordered_map<std::string, size_t> price_index;     // key: type + '\n' + region
  std::unordered_map<std::string, std::string> gpu_names;  // as written -> canonical
};

std::unexpected<Error> line_error(std::string_view name, size_t line, std::string_view what) {
  return fail(ErrorKind::invalid_input,
              std::string(name) + ":" + std::to_string(line) + ": " + std::string(what));
}

// "g5g.xlarge" and "p6e-gb200.36xlarge" are Graviton (arm64); everything else is x86_64.
std::string infer_arch(std::string_view instance_type) {
  std::string_view family = instance_type.substr(0, instance_type.find('.'));
  if (family.find("gb") != std::string_view::npos) {
    return "arm64";
  }
  size_t digit = family.find_first_of("0123456789");
  size_t after = family.find_first_not_of("0123456789",
                                          digit == std::string_view::npos ? family.size() : digit);
  return after != std::string_view::npos && family[after] == 'g' ? "arm64" : "x86_64";
}

void read_header_comment(std::string_view text, SnapshotInfo& info) {
  std::string_view body = trim(text.substr(1));
  size_t colon = body.find(':');
  if (colon == std::string_view::npos) {
    return;
  }
  std::string key = to_lower(trim(body.substr(0, colon)));
  std::string value(trim(body.substr(colon + 1)));
  if (key == "generated_at") {
    info.generated_at = value;
  } else if (key == "source") {
    info.source = value;
  } else if (key == "attribution") {
    info.attribution = value;
  }
}

Result<ColumnMap> map_columns(const std::vector<std::string_view>& header, std::string_view name,
                              size_t line) {
  ColumnMap map;
  map.fill(k_absent);
  for (size_t i = 0; i < header.size(); ++i) {
    auto it = std::ranges::find(k_columns, trim(header[i]));
    if (it != k_columns.end()) {
      map[static_cast<size_t>(it - k_columns.begin())] = i;
    }
  }
  for (size_t c = 0; c < c_arch; ++c) {
    if (map[c] == k_absent) {
      return line_error(name, line, "missing column " + std::string(k_columns[c]));
    }
  }
  return map;
}

Result<std::optional<double>> price_field(std::string_view text, std::string_view column,
                                          std::string_view name, size_t line) {
  if (text.empty()) {
    return std::optional<double>{};
  }
  auto value = parse_number(text);
  if (!value) {
    return line_error(name, line,
                      std::string(column) + " is not a number: \"" + std::string(text) + "\"");
  }
  return value;
}

Result<InstanceSpec> spec_from_row(const std::vector<std::string_view>& f, const ColumnMap& col,
                                   std::string_view name, size_t line) {
  InstanceSpec spec;
  spec.instance_type = std::string(f[col[c_type]]);
  spec.gpu = std::string(f[col[c_acc]]);
  if (spec.instance_type.empty() || spec.gpu.empty()) {
    return line_error(name, line, "instance_type and accelerator must not be empty");
  }

  auto count = parse_number(f[col[c_count]]);
  auto gmem = parse_number(f[col[c_gmem]]);
  auto vcpus = parse_number(f[col[c_vcpus]]);
  auto mem = parse_number(f[col[c_mem]]);
  if (!count || !gmem || !vcpus || !mem || *count <= 0 || *vcpus != std::floor(*vcpus)) {
    return line_error(name, line, "bad accelerator_count, gpu_memory_gib, vcpus or memory_gib");
  }
  spec.gpu_count = *count;
  spec.gpu_memory_gib = *gmem;
  spec.vcpus = static_cast<int>(*vcpus);
  spec.memory_gib = *mem;
  spec.arch = col[c_arch] != k_absent && !f[col[c_arch]].empty() ? std::string(f[col[c_arch]])
                                                                 : infer_arch(spec.instance_type);
  return spec;
}

bool same_spec(const InstanceSpec& a, const InstanceSpec& b) {
  return a.gpu == b.gpu && a.gpu_count == b.gpu_count && a.gpu_memory_gib == b.gpu_memory_gib &&
         a.vcpus == b.vcpus && a.memory_gib == b.memory_gib && a.arch == b.arch;
}

Result<void> add_spec(Builder& b, InstanceSpec spec, size_t line) {
  // Canonical spelling ("a10g" -> "A10G"); names gpubox does not know are kept as written.
  auto [name, fresh] = b.gpu_names.try_emplace(spec.gpu);
  if (fresh) {
    name->second = normalize_gpu(spec.gpu).value_or(spec.gpu);
  }
  spec.gpu = name->second;
  auto [it, inserted] = b.type_index.try_emplace(spec.instance_type, b.catalog.types.size());
  if (inserted) {
    b.catalog.types.push_back(std::move(spec));
  } else if (!same_spec(b.catalog.types[it->second], spec)) {
    return line_error(b.name, line,
                      "specs of " + spec.instance_type + " differ from its earlier rows");
  }
  return {};
}

Result<void> add_zone_price(Builder& b, std::string_view type, std::string_view region,
                            std::string_view zone, std::optional<double> od,
                            std::optional<double> spot, size_t line) {
  RegionPrice* last = b.catalog.prices.empty() ? nullptr : &b.catalog.prices.back();
  if (!last || last->instance_type != type || last->region != region) {
    // Rows usually arrive grouped by (type, region); the map catches the ones that do not.
    std::string key = std::string(type) + '\n' + std::string(region);
    auto [it, inserted] = b.price_index.try_emplace(key, b.catalog.prices.size());
    if (inserted) {
      b.catalog.prices.push_back(
          RegionPrice{std::string(type), std::string(region), od, {}, {}, {}});
    }
    last = &b.catalog.prices[it->second];
  }
  RegionPrice& p = *last;
  if (p.on_demand_usd != od) {
    return line_error(b.name, line,
                      "on-demand price of " + std::string(type) + " in " + std::string(region) +
                          " differs between zones");
  }
  p.zone_ids.emplace_back(zone);
  // Local Zones need an opt-in and show unusually low spot prices, so a regular zone wins.
  bool cheaper =
      spot && (!p.spot_usd || std::make_tuple(is_local_zone(zone), *spot, zone) <
                                  std::make_tuple(is_local_zone(p.spot_zone_id), *p.spot_usd,
                                                  std::string_view(p.spot_zone_id)));
  if (cheaper) {
    p.spot_usd = spot;
    p.spot_zone_id = std::string(zone);
  }
  return {};
}

Result<void> add_row(Builder& b, const std::vector<std::string_view>& f, const ColumnMap& col,
                     size_t line) {
  GPUBOX_TRY_ASSIGN(spec, spec_from_row(f, col, b.name, line));
  std::string_view region = f[col[c_region]];
  std::string_view zone = f[col[c_zone]];
  if (region.empty() || zone.empty()) {
    return line_error(b.name, line, "region and zone must not be empty");
  }
  GPUBOX_TRY_ASSIGN(od, price_field(f[col[c_od]], k_columns[c_od], b.name, line));
  GPUBOX_TRY_ASSIGN(spot, price_field(f[col[c_spot]], k_columns[c_spot], b.name, line));
  std::string type = spec.instance_type;
  GPUBOX_TRY(add_spec(b, std::move(spec), line));
  return add_zone_price(b, type, region, zone, od, spot, line);
}

Result<void> parse_instances(Builder& b, std::string_view csv) {
  CsvLines lines(csv);
  std::vector<std::string_view> fields;
  std::optional<ColumnMap> columns;
  size_t width = 0;
  while (auto line = lines.next()) {
    if (trim(line->text).empty() || (!columns && line->text.front() == '#')) {
      if (!columns && !trim(line->text).empty()) {
        read_header_comment(line->text, b.catalog.snapshot);
      }
      continue;
    }
    if (!split_csv_line(line->text, fields)) {
      return line_error(b.name, line->number, "unbalanced quote");
    }
    if (!columns) {
      GPUBOX_TRY_ASSIGN(map, map_columns(fields, b.name, line->number));
      columns = map;
      width = fields.size();
      continue;
    }
    if (fields.size() != width) {
      return line_error(
          b.name, line->number,
          "expected " + std::to_string(width) + " fields, got " + std::to_string(fields.size()));
    }
    GPUBOX_TRY(add_row(b, fields, *columns, line->number));
  }
  if (!columns) {
    return fail(ErrorKind::invalid_input, b.name + ": no header row");
  }
  return {};
}

}  // namespace

namespace {

// Apply arch and coverage from the coverage CSV (instance_type, accelerator, arch, coverage, ...).
Result<void> parse_coverage(Builder& b, std::string_view csv, std::string_view name) {
  CsvLines lines(csv);
  std::vector<std::string_view> fields;
  size_t type_col = k_absent, arch_col = k_absent, coverage_col = k_absent;
  bool header = true;
  while (auto line = lines.next()) {
    if (trim(line->text).empty()) {
      continue;
    }
    if (!split_csv_line(line->text, fields)) {
      return line_error(name, line->number, "unbalanced quote");
    }
    if (header) {
      for (size_t i = 0; i < fields.size(); ++i) {
        type_col = fields[i] == "instance_type" ? i : type_col;
        arch_col = fields[i] == "arch" ? i : arch_col;
        coverage_col = fields[i] == "coverage" ? i : coverage_col;
      }
      if (type_col == k_absent || arch_col == k_absent || coverage_col == k_absent) {
        return line_error(name, line->number, "missing column instance_type, arch or coverage");
      }
      header = false;
      continue;
    }
    if (fields.size() <= std::max({type_col, arch_col, coverage_col})) {
      return line_error(name, line->number, "too few fields");
    }
    auto it = b.type_index.find(std::string(fields[type_col]));
    if (it != b.type_index.end()) {
      InstanceSpec& spec = b.catalog.types[it->second];
      spec.arch = std::string(fields[arch_col]);
      spec.complete = fields[coverage_col] != "partial";
    }
  }
  return {};
}

// Sort everything and drop spot prices that show no useful spot market (see k_no_spot_ratio).
void finish(Catalog& catalog) {
  std::ranges::sort(catalog.types, [](const InstanceSpec& a, const InstanceSpec& b) {
    return a.instance_type < b.instance_type;
  });
  std::ranges::sort(catalog.prices, [](const RegionPrice& a, const RegionPrice& b) {
    return std::tie(a.instance_type, a.region) < std::tie(b.instance_type, b.region);
  });
  for (RegionPrice& p : catalog.prices) {
    std::ranges::sort(p.zone_ids);
    if (p.spot_usd && p.on_demand_usd && *p.spot_usd >= k_no_spot_ratio * *p.on_demand_usd) {
      p.spot_usd.reset();
      p.spot_zone_id.clear();
    }
  }
}

}  // namespace

Result<Catalog> parse_catalog(std::string_view instances_csv, std::string_view coverage_csv,
                              std::string_view name) {
  Builder b;
  b.name = std::string(name);
  b.catalog.snapshot.origin = b.name;
  GPUBOX_TRY(parse_instances(b, instances_csv));
  if (!coverage_csv.empty()) {
    GPUBOX_TRY(parse_coverage(b, coverage_csv, b.name + " (coverage)"));
  }
  finish(b.catalog);
  return std::move(b.catalog);
}

}  // namespace gpubox::catalog
