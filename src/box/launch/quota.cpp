#include "box/launch/quota.hpp"

#include <algorithm>
#include <cctype>
#include <future>
#include <map>
#include <set>

#include <fmt/format.h>

#include "aws/ec2_catalog.hpp"
#include "aws/ec2_instances.hpp"
#include "core/log.hpp"
#include "core/strings.hpp"
#include "plan/offers.hpp"

namespace gpubox::box {

namespace {

constexpr const char* k_standard_on_demand =
    "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances";
constexpr const char* k_standard_spot =
    "All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests";
constexpr const char* k_p_old_spot = "All P4, P3 and P2 Spot Instance Requests";

struct FamilyQuota {
  std::string_view prefix;  // the letters before the generation digit
  const char* on_demand;
  const char* spot;
};

// aws-reference.md 7.1/7.2. Longer prefixes first so "inf" wins over "i" and "dl" over "d".
constexpr FamilyQuota k_families[] = {
    {"inf", "Running On-Demand Inf instances", "All Inf Spot Instance Requests"},
    {"trn", "Running On-Demand Trn instances", "All Trn Spot Instance Requests"},
    {"dl", "Running On-Demand DL instances", "All DL Spot Instance Requests"},
    {"vt", "Running On-Demand G and VT instances", "All G and VT Spot Instance Requests"},
    {"gr", "Running On-Demand G and VT instances", "All G and VT Spot Instance Requests"},
    {"g", "Running On-Demand G and VT instances", "All G and VT Spot Instance Requests"},
    {"f", "Running On-Demand F instances", "All F Spot Instance Requests"},
    {"x", "Running On-Demand X instances", "All X Spot Instance Requests"},
    {"im", k_standard_on_demand, k_standard_spot},
    {"is", k_standard_on_demand, k_standard_spot},
    {"a", k_standard_on_demand, k_standard_spot},
    {"c", k_standard_on_demand, k_standard_spot},
    {"d", k_standard_on_demand, k_standard_spot},
    {"h", k_standard_on_demand, k_standard_spot},
    {"i", k_standard_on_demand, k_standard_spot},
    {"m", k_standard_on_demand, k_standard_spot},
    {"r", k_standard_on_demand, k_standard_spot},
    {"t", k_standard_on_demand, k_standard_spot},
    {"z", k_standard_on_demand, k_standard_spot},
};

// Split "p4de.24xlarge" into ("p", 4).
std::pair<std::string, int> family_letters(std::string_view instance_type) {
  const std::string type = to_lower(instance_type.substr(0, instance_type.find('.')));
  size_t i = 0;
  while (i < type.size() && std::isalpha(static_cast<unsigned char>(type[i]))) {
    ++i;
  }
  const int generation =
      i < type.size() && std::isdigit(static_cast<unsigned char>(type[i])) ? type[i] - '0' : -1;
  return {type.substr(0, i), generation};
}

bool is_spot_instance(const aws::Instance& i) { return i.lifecycle == "spot"; }

// One resolved quota: the applied value, or AWS's default where the region has none applied.
struct FoundQuota {
  aws::ServiceQuota quota;
  bool from_default = false;
};

bool is_no_such_resource(const Error& e) { return e.aws_code == "NoSuchResourceException"; }

// A Service Quotas permission error, reworded to name what the IAM policy lacks.
Error access_denied(Error e, std::string_view region) {
  e.message =
      fmt::format("not allowed to read the EC2 vCPU quotas in {}: the IAM policy lacks {} ({})",
                  region, k_quota_permissions, e.message);
  e.hint = "add those permissions to read quotas; launching works without them";
  return e;
}

// Resolve quota `names` from the cached codes: GetServiceQuota per code, falling back to
// GetAWSDefaultServiceQuota where the region has no applied value. nullopt: list instead.
Result<std::optional<std::vector<FoundQuota>>> lookup_cached(
    aws::AwsClient& client, QuotaCodeCache& cache, std::string_view region,
    const std::vector<std::string>& names) {
  std::vector<FoundQuota> found;
  for (const std::string& name : names) {
    auto code = cache.code_for(region, name);
    if (!code) {
      return std::optional<std::vector<FoundQuota>>{};
    }
    auto q = aws::get_service_quota(client, region, {"ec2", *code});
    bool from_default = false;
    if (!q && is_no_such_resource(q.error())) {
      q = aws::get_aws_default_service_quota(client, region, {"ec2", *code});
      from_default = true;
    }
    if (!q && !is_no_such_resource(q.error())) {
      return fail(q.error());
    }
    if (!q || (!q->quota_name.empty() && !quota_name_matches(q->quota_name, name))) {
      cache.forget(region);  // AWS renamed or renumbered it: list again
      return std::optional<std::vector<FoundQuota>>{};
    }
    found.push_back({std::move(*q), from_default});
  }
  return std::optional<std::vector<FoundQuota>>{std::move(found)};
}

// Resolve quota `names` in `region`: GetServiceQuota per cached code, else one ListServiceQuotas
// whose name -> code pairs are cached for next time. A region without applied values answers
// NoSuchResourceException (or leaves quotas out of the list): AWS's defaults apply there.
Result<std::vector<FoundQuota>> lookup_quotas_or_denied(aws::AwsClient& client,
                                                        const QuotaDeps& deps,
                                                        std::string_view region,
                                                        const std::vector<std::string>& names) {
  if (deps.cache != nullptr) {
    GPUBOX_TRY_ASSIGN(cached, lookup_cached(client, *deps.cache, region, names));
    if (cached) {
      return std::move(*cached);
    }
  }
  std::vector<aws::ServiceQuota> applied;
  auto page = aws::list_service_quotas(client, region, {"ec2", "", 100, ""});
  if (page) {
    applied = std::move(page->quotas);
  } else if (!is_no_such_resource(page.error())) {
    return fail(page.error());
  }
  auto find = [](const std::vector<aws::ServiceQuota>& list, const std::string& name) {
    return std::ranges::find_if(
        list, [&](const auto& q) { return quota_name_matches(q.quota_name, name); });
  };
  std::vector<aws::ServiceQuota> defaults;
  bool defaults_listed = false;
  std::vector<FoundQuota> found;
  for (const std::string& name : names) {
    if (auto it = find(applied, name); it != applied.end()) {
      found.push_back({*it, false});
      continue;
    }
    if (!defaults_listed) {
      GPUBOX_TRY_ASSIGN(d,
                        aws::list_aws_default_service_quotas(client, region, {"ec2", "", 100, ""}));
      defaults = std::move(d.quotas);
      defaults_listed = true;
    }
    auto it = find(defaults, name);
    if (it == defaults.end()) {
      return fail(ErrorKind::not_found,
                  fmt::format("no EC2 quota named \"{}\" in {}", name, region));
    }
    found.push_back({*it, true});
  }
  if (deps.cache != nullptr) {
    std::vector<aws::ServiceQuota> all = defaults;
    all.insert(all.end(), applied.begin(), applied.end());
    if (auto stored = deps.cache->store(region, all); !stored) {
      GPUBOX_LOG("quota code cache not written: {}", stored.error().message);
    }
  }
  return found;
}

Result<std::vector<FoundQuota>> lookup_quotas(aws::AwsClient& client, const QuotaDeps& deps,
                                              std::string_view region,
                                              const std::vector<std::string>& names) {
  auto found = lookup_quotas_or_denied(client, deps, region, names);
  if (!found && is_quota_access_denied(found.error())) {
    return fail(access_denied(std::move(found.error()), region));
  }
  return found;
}

// Return the vCPUs of every type in `instances` plus `type` itself; DescribeInstanceTypes fills
// in what the lookup table does not know.
Result<std::map<std::string, int>> vcpu_table(aws::AwsClient& client, const QuotaDeps& deps,
                                              std::string_view region,
                                              const std::vector<aws::Instance>& instances,
                                              std::string_view type, int type_vcpus) {
  std::map<std::string, int> table{{std::string(type), type_vcpus}};
  std::set<std::string> missing;
  for (const aws::Instance& i : instances) {
    if (table.contains(i.type)) {
      continue;
    }
    auto v = deps.vcpus_of ? deps.vcpus_of(i.type) : std::nullopt;
    if (v) {
      table[i.type] = *v;
    } else {
      missing.insert(i.type);
    }
  }
  if (!missing.empty()) {
    aws::DescribeInstanceTypesInput in;
    in.instance_types.assign(missing.begin(), missing.end());
    GPUBOX_TRY_ASSIGN(page, aws::describe_instance_types(client, region, in));
    for (const aws::InstanceTypeInfo& t : page.types) {
      table[t.type] = t.vcpus;
    }
  }
  return table;
}

int used_vcpus(const std::vector<aws::Instance>& instances, const std::map<std::string, int>& vcpus,
               const std::string& quota_name, bool spot) {
  int used = 0;
  for (const aws::Instance& i : instances) {
    if (is_spot_instance(i) != spot || quota_name_for(i.type, spot) != quota_name) {
      continue;
    }
    auto it = vcpus.find(i.type);
    used += it == vcpus.end() ? 0 : it->second;
  }
  return used;
}

QuotaCheck make_check(std::string_view region, std::string_view type, bool spot,
                      const FoundQuota& found, int used, int needed) {
  const aws::ServiceQuota& q = found.quota;
  QuotaCheck c;
  c.region = std::string(region);
  c.instance_type = std::string(type);
  c.spot = spot;
  c.quota_code = q.quota_code;
  c.quota_name = q.quota_name;
  c.quota_vcpus = q.value;
  c.used_vcpus = used;
  c.needed_vcpus = needed;
  c.fits = used + needed <= q.value + 1e-9;
  c.from_default = found.from_default;
  return c;
}

// The shared core of check_quota and check_region_quotas: one DescribeInstances, one lookup.
Result<std::vector<QuotaCheck>> check_markets(aws::AwsClient& client, const QuotaDeps& deps,
                                              std::string_view region,
                                              std::string_view instance_type, int type_vcpus,
                                              const std::vector<bool>& markets, int count) {
  std::vector<std::string> names;
  for (bool spot : markets) {
    auto name = quota_name_for(instance_type, spot);
    if (!name) {
      return fail(ErrorKind::invalid_input,
                  fmt::format("no known {} vCPU quota governs {}", spot ? "spot" : "on-demand",
                              instance_type));
    }
    names.push_back(*name);
  }
  // The quota values and what runs now do not depend on each other: ask both at once.
  auto running = std::async(std::launch::async, [&] {
    aws::DescribeInstancesInput in;
    in.filters.push_back({"instance-state-name", {"running", "pending"}});
    return aws::describe_instances(client, region, in);
  });
  auto looked_up = lookup_quotas(client, deps, region, names);
  auto described = running.get();
  GPUBOX_TRY_ASSIGN(quotas, std::move(looked_up));
  GPUBOX_TRY_ASSIGN(page, std::move(described));
  GPUBOX_TRY_ASSIGN(vcpus,
                    vcpu_table(client, deps, region, page.instances, instance_type, type_vcpus));
  std::vector<QuotaCheck> checks;
  for (size_t k = 0; k < markets.size(); ++k) {
    const int used = used_vcpus(page.instances, vcpus, names[k], markets[k]);
    checks.push_back(
        make_check(region, instance_type, markets[k], quotas[k], used, type_vcpus * count));
  }
  return checks;
}

}  // namespace

bool is_quota_access_denied(const Error& error) {
  return error.aws_code.starts_with("AccessDenied") ||
         error.aws_code == "DependencyAccessDeniedException";
}

QuotaCheck unknown_quota_check(std::string_view region, std::string_view instance_type, bool spot,
                               int needed_vcpus) {
  QuotaCheck c;
  c.region = std::string(region);
  c.instance_type = std::string(instance_type);
  c.spot = spot;
  c.quota_name = quota_name_for(instance_type, spot).value_or("");
  c.needed_vcpus = needed_vcpus;
  c.fits = true;
  c.unknown = true;
  return c;
}

std::optional<std::string> quota_name_for(std::string_view instance_type, bool spot) {
  const auto [letters, generation] = family_letters(instance_type);
  if (letters == "p") {
    if (!spot) {
      return "Running On-Demand P instances";
    }
    if (generation >= 2 && generation <= 4) {
      return k_p_old_spot;
    }
    if (generation == 5) {
      return "All P5 Spot Instance Requests";
    }
    return std::nullopt;  // p6 spot: no quota name documented yet
  }
  for (const FamilyQuota& f : k_families) {
    if (letters == f.prefix) {
      return std::string(spot ? f.spot : f.on_demand);
    }
  }
  return std::nullopt;
}

bool quota_name_matches(std::string_view quota_name, std::string_view wanted) {
  if (iequals(trim(quota_name), trim(wanted))) {
    return true;
  }
  // The P2-P4 spot quota was called "All P Spot Instance Requests" before P5 got its own, and
  // the Trn on-demand quota "Running On-Demand Trainium instances" in some references.
  return (iequals(wanted, k_p_old_spot) &&
          iequals(trim(quota_name), "All P Spot Instance Requests")) ||
         (iequals(wanted, "Running On-Demand Trn instances") &&
          iequals(trim(quota_name), "Running On-Demand Trainium instances"));
}

Result<QuotaCheck> check_quota(aws::AwsClient& client, std::string_view region,
                               std::string_view instance_type, int type_vcpus, bool spot,
                               int count) {
  return check_quota(client, QuotaDeps{}, region, instance_type, type_vcpus, spot, count);
}

Result<QuotaCheck> check_quota(aws::AwsClient& client, const QuotaDeps& deps,
                               std::string_view region, std::string_view instance_type,
                               int type_vcpus, bool spot, int count) {
  GPUBOX_TRY_ASSIGN(checks,
                    check_markets(client, deps, region, instance_type, type_vcpus, {spot}, count));
  return checks.front();
}

Result<RegionQuota> check_region_quotas(aws::AwsClient& client, const QuotaDeps& deps,
                                        std::string_view region, std::string_view instance_type,
                                        int type_vcpus, int count) {
  GPUBOX_TRY_ASSIGN(
      checks, check_markets(client, deps, region, instance_type, type_vcpus, {false, true}, count));
  RegionQuota r;
  r.region = std::string(region);
  r.on_demand = checks[0];
  r.spot = checks[1];
  return r;
}

std::vector<RegionQuota> check_quotas_in_regions(aws::AwsClient& client, const QuotaDeps& deps,
                                                 const std::vector<std::string>& regions,
                                                 std::string_view instance_type, int type_vcpus) {
  std::vector<std::future<Result<RegionQuota>>> pending;
  pending.reserve(regions.size());
  for (const std::string& region : regions) {
    pending.push_back(std::async(std::launch::async, [&, region] {
      return check_region_quotas(client, deps, region, instance_type, type_vcpus);
    }));
  }
  std::vector<RegionQuota> rows;
  for (size_t k = 0; k < regions.size(); ++k) {
    auto r = pending[k].get();
    if (r) {
      rows.push_back(std::move(*r));
    } else {
      rows.push_back(RegionQuota{regions[k], std::nullopt, std::nullopt, r.error()});
    }
  }
  return rows;
}

std::string quota_request_command(const QuotaCheck& check, int count) {
  return fmt::format("gpubox quota request --type {} --region {} --count {}{}", check.instance_type,
                     check.region, count, check.spot ? " --spot" : "");
}

double desired_quota_value(const QuotaCheck& check) {
  return std::max(static_cast<double>(check.used_vcpus + check.needed_vcpus), check.quota_vcpus);
}

Result<QuotaIncrease> request_quota_increase(aws::AwsClient& client, const QuotaDeps& deps,
                                             std::string_view region,
                                             std::string_view instance_type, int type_vcpus,
                                             bool spot, int count) {
  QuotaIncrease out;
  GPUBOX_TRY_ASSIGN(check,
                    check_quota(client, deps, region, instance_type, type_vcpus, spot, count));
  out.check = check;
  out.desired_vcpus = desired_quota_value(check);
  if (check.fits) {
    out.already_enough = true;
    return out;
  }
  auto sent = aws::request_service_quota_increase(
      client, region, {"ec2", check.quota_code, out.desired_vcpus, std::nullopt});
  if (sent) {
    out.request = std::move(*sent);
    return out;
  }
  if (sent.error().aws_code == "QuotaExceededException") {
    Error e = sent.error();
    e.message = fmt::format(
        "AWS refused to open another request: the account has too many open quota increase "
        "requests in {} ({})",
        region, sent.error().message);
    e.hint = "see them with `gpubox quota requests --regions " + std::string(region) +
             "`; ask again once AWS has decided some of them, or ask AWS Support to close them";
    return fail(std::move(e));
  }
  if (is_quota_access_denied(sent.error())) {
    Error e = sent.error();
    e.message = "not allowed to ask for more quota in " + std::string(region) +
                ": the IAM policy lacks servicequotas:RequestServiceQuotaIncrease (" +
                sent.error().message + ")";
    e.hint = "add that permission, or ask in the AWS console (Service Quotas)";
    return fail(std::move(e));
  }
  if (sent.error().aws_code != "ResourceAlreadyExistsException") {
    return fail(sent.error());
  }
  out.already_open = true;
  GPUBOX_TRY_ASSIGN(history, quota_request_history(client, region));
  for (aws::QuotaChangeRequest& r : history) {
    if (r.quota_code == check.quota_code && (r.status == "PENDING" || r.status == "CASE_OPENED")) {
      out.request = std::move(r);
      break;
    }
  }
  return out;
}

Result<std::vector<aws::QuotaChangeRequest>> quota_request_history(aws::AwsClient& client,
                                                                   std::string_view region) {
  aws::ListQuotaChangeHistoryInput in;
  in.service_code = "ec2";
  GPUBOX_TRY_ASSIGN(page, aws::list_requested_service_quota_change_history(client, region, in));
  std::ranges::stable_sort(page.requests, [](const auto& a, const auto& b) {
    return a.created.value_or(TimePoint{}) > b.created.value_or(TimePoint{});
  });
  return page.requests;
}

Result<QuotaType> resolve_quota_type(aws::AwsClient& client, const catalog::Catalog& catalog,
                                     std::string_view region, const std::string& instance_type,
                                     const std::string& gpu) {
  QuotaType c{instance_type, 0};
  if (c.instance_type.empty()) {
    if (gpu.empty()) {
      return fail(ErrorKind::invalid_input, "give --gpu (e.g. T4) or --type (e.g. g4dn.xlarge)");
    }
    GPUBOX_TRY_ASSIGN(spec, plan::resolve_gpu(catalog, gpu));
    std::vector<std::string> all_types;
    all_types.reserve(catalog.types.size());
    for (const auto& t : catalog.types) {
      all_types.push_back(t.instance_type);
    }
    auto best = plan::cheapest_type_for(catalog, spec.name, spec.count, region, all_types);
    if (!best) {
      return fail(ErrorKind::not_found, "no launchable instance type has " + gpu);
    }
    c.instance_type = best->instance_type;
  }
  if (const auto* spec = catalog.find_type(c.instance_type)) {
    c.vcpus = spec->vcpus;
    return c;
  }
  aws::DescribeInstanceTypesInput in;
  in.instance_types = {c.instance_type};
  GPUBOX_TRY_ASSIGN(page, aws::describe_instance_types(client, region, in));
  if (page.types.empty()) {
    return fail(ErrorKind::not_found, "unknown instance type " + c.instance_type);
  }
  c.vcpus = page.types.front().vcpus;
  return c;
}

}  // namespace gpubox::box
