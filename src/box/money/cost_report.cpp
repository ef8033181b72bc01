#include "box/money/cost_report.hpp"

#include <map>
#include <set>

#include "aws/ec2_instances.hpp"
#include "box/tags.hpp"

namespace gpubox::box {
namespace {

// Cost every box with ledger entries (boxes already taken down included).
Result<std::vector<CostRow>> ledger_rows(const CostDeps& deps, const CostQuery& query) {
  GPUBOX_TRY_ASSIGN(ledger, deps.store.ledger(query.name));
  std::map<std::string, std::vector<state::LedgerEntry>> by_name;
  for (auto& e : ledger) {
    by_name[e.name].push_back(std::move(e));
  }
  std::vector<CostRow> rows;
  for (const auto& [name, entries] : by_name) {
    GPUBOX_TRY_ASSIGN(found, deps.store.find_box(name));
    CostRow row{name, found ? found->region : "", found ? found->instance_type : "", {}};
    row.cost = cost_from_ledger(entries, deps.clock.now(), query.since, found ? found->disk_gb : 0,
                                row.region);
    rows.push_back(std::move(row));
  }
  return rows;
}

double hourly_price(const catalog::Catalog* catalog, const aws::Instance& i,
                    const std::string& region) {
  const auto* price = catalog ? catalog->find_price(i.type, region) : nullptr;
  if (!price) {
    return 0;
  }
  return i.lifecycle == "spot" ? price->spot_usd.value_or(0) : price->on_demand_usd.value_or(0);
}

// Add gpubox-tagged instances that the ledger does not know, costed from their launch time.
Result<void> add_cloud_estimates(const CostDeps& deps, const CostQuery& query,
                                 std::vector<CostRow>& rows) {
  GPUBOX_TRY_ASSIGN(boxes, deps.store.list_boxes());
  std::set<std::string> regions;
  if (!query.home_region.empty()) {  // no default region: the boxes' own regions only
    regions.insert(query.home_region);
  }
  for (const auto& b : boxes) {
    if (!b.region.empty()) {
      regions.insert(b.region);
    }
  }
  std::set<std::string> known;
  for (const auto& r : rows) {
    known.insert(r.name);
  }
  aws::DescribeInstancesInput in;
  in.filters.push_back({"tag-key", {std::string(k_tag_box)}});
  in.filters.push_back({"instance-state-name", {"pending", "running", "stopping", "stopped"}});
  for (const std::string& region : regions) {
    GPUBOX_TRY_ASSIGN(page, aws::describe_instances(*deps.client, region, in));
    for (const aws::Instance& i : page.instances) {
      auto tag = i.tags.find(std::string(k_tag_box));
      const std::string name = tag == i.tags.end() ? i.id : tag->second;
      if (known.contains(name) || (!query.name.empty() && name != query.name) || !i.launch_time) {
        continue;
      }
      rows.push_back(
          {name, region, i.type,
           estimate_from_launch(*i.launch_time, i.state, hourly_price(deps.catalog, i, region),
                                deps.clock.now(), 0, region)});
      known.insert(name);
    }
  }
  return {};
}

}  // namespace

Result<CostReport> cost_report(const CostDeps& deps, const CostQuery& query) {
  CostReport report;
  GPUBOX_TRY_SET(report.rows, ledger_rows(deps, query));
  if (deps.client != nullptr) {
    if (auto added = add_cloud_estimates(deps, query, report.rows); !added) {
      report.lookup_error = added.error();
    }
  }
  if (!query.name.empty() && report.rows.empty()) {
    return fail(ErrorKind::not_found, "no cost record for box " + query.name);
  }
  for (const auto& r : report.rows) {
    report.total_usd += r.cost.total_usd;
  }
  return report;
}

}  // namespace gpubox::box
