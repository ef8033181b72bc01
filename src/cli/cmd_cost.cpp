// gpubox cost [NAME]: what each box has cost, from the state ledger (running hours x the price
// recorded with each entry, plus EBS storage); boxes found in the cloud but not in the ledger
// are costed from their launch time and marked as estimated.

#include <map>
#include <memory>
#include <ostream>
#include <set>

#include <fmt/format.h>

#include "aws/client.hpp"
#include "aws/ec2_instances.hpp"
#include "aws/settings.hpp"
#include "aws/xml.hpp"
#include "box/money/cost.hpp"
#include "box/tags.hpp"
#include "catalog/catalog.hpp"
#include "cli/app.hpp"
#include "core/iso8601.hpp"
#include "state/box_store.hpp"

namespace gpubox::cli {
namespace {

struct CostOptions {
  std::string name;
  std::string since;
  bool json = false;
  bool offline = false;
};

struct CostRow {
  std::string name;
  std::string region;
  std::string instance_type;
  box::BoxCost cost;
};

Result<std::optional<TimePoint>> parse_since(const std::string& text) {
  if (text.empty()) {
    return std::optional<TimePoint>();
  }
  auto t = parse_iso8601(text.size() == 10 ? text + "T00:00:00Z" : text);
  if (!t) {
    return fail(ErrorKind::invalid_input,
                "--since must be a date (2026-01-31) or an RFC 3339 time, not \"" + text + "\"");
  }
  return std::optional<TimePoint>(*t);
}

// Cost every box with ledger entries (boxes already taken down included).
Result<std::vector<CostRow>> ledger_rows(Env& env, const CostOptions& opts,
                                         std::optional<TimePoint> since) {
  GPUBOX_TRY_ASSIGN(store, env.store());
  GPUBOX_TRY_ASSIGN(ledger, store->ledger(opts.name));
  std::map<std::string, std::vector<state::LedgerEntry>> by_name;
  for (auto& e : ledger) {
    by_name[e.name].push_back(std::move(e));
  }
  std::vector<CostRow> rows;
  for (const auto& [name, entries] : by_name) {
    GPUBOX_TRY_ASSIGN(found, store->find_box(name));
    CostRow row{name, found ? found->region : "", found ? found->instance_type : "", {}};
    row.cost = box::cost_from_ledger(entries, env.clock.now(), since, found ? found->disk_gb : 0,
                                     row.region);
    rows.push_back(std::move(row));
  }
  return rows;
}

// Add gpubox-tagged instances that the ledger does not know, costed from their launch time.
Result<void> add_cloud_estimates(Env& env, const CostOptions& opts, std::vector<CostRow>& rows) {
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  GPUBOX_TRY_ASSIGN(store, env.store());
  GPUBOX_TRY_ASSIGN(boxes, store->list_boxes());
  std::set<std::string> regions = {ctx->settings->region};
  for (const auto& b : boxes) {
    if (!b.region.empty()) {
      regions.insert(b.region);
    }
  }
  std::set<std::string> known;
  for (const auto& r : rows) {
    known.insert(r.name);
  }
  const catalog::Catalog* cat = env.catalog().value_or(nullptr);
  aws::DescribeInstancesInput in;
  in.filters.push_back({"tag-key", {std::string(box::k_tag_box)}});
  in.filters.push_back({"instance-state-name", {"pending", "running", "stopping", "stopped"}});
  for (const std::string& region : regions) {
    GPUBOX_TRY_ASSIGN(page, aws::describe_instances(*ctx->client, region, in));
    for (const aws::Instance& i : page.instances) {
      auto tag = i.tags.find(std::string(box::k_tag_box));
      const std::string name = tag == i.tags.end() ? i.id : tag->second;
      if (known.contains(name) || (!opts.name.empty() && name != opts.name) || !i.launch_time) {
        continue;
      }
      const auto* price = cat ? cat->find_price(i.type, region) : nullptr;
      const double usd = !price                  ? 0
                         : i.lifecycle == "spot" ? price->spot_usd.value_or(0)
                                                 : price->on_demand_usd.value_or(0);
      rows.push_back(
          {name, region, i.type,
           box::estimate_from_launch(*i.launch_time, i.state, usd, env.clock.now(), 0, region)});
      known.insert(name);
    }
  }
  return {};
}

nlohmann::json row_json(const CostRow& r) {
  return {{"name", r.name},
          {"region", r.region},
          {"instance_type", r.instance_type},
          {"running_hours", r.cost.running_hours},
          {"stopped_hours", r.cost.stopped_hours},
          {"compute_usd", r.cost.compute_usd},
          {"ipv4_usd", r.cost.ipv4_usd},
          {"storage_usd", r.cost.storage_usd},
          {"total_usd", r.cost.total_usd},
          {"estimated", r.cost.estimated}};
}

Result<void> run_cost(const CostOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(since, parse_since(opts.since));
  GPUBOX_TRY_ASSIGN(rows, ledger_rows(env, opts, since));
  if (!opts.offline) {
    if (auto added = add_cloud_estimates(env, opts, rows); !added) {
      warn(env.streams, "boxes not in the ledger were not looked up: " + added.error().message);
    }
  }
  if (!opts.name.empty() && rows.empty()) {
    return fail(ErrorKind::not_found, "no cost record for box " + opts.name);
  }
  double total = 0;
  for (const auto& r : rows) {
    total += r.cost.total_usd;
  }
  if (opts.json) {
    auto list = nlohmann::json::array();
    for (const auto& r : rows) {
      list.push_back(row_json(r));
    }
    print_json(env.streams, {{"boxes", list},
                             {"total_usd", total},
                             {"since", opts.since.empty() ? nullptr : nlohmann::json(opts.since)},
                             {"now", format_iso8601(env.clock.now())}});
    return {};
  }
  Table t({"box", "type", "region", "running h", "stopped h", "compute $", "IPv4 $", "storage $",
           "total $", "note"});
  for (const auto& r : rows) {
    t.add_row({r.name, r.instance_type, r.region, fmt::format("{:.2f}", r.cost.running_hours),
               fmt::format("{:.2f}", r.cost.stopped_hours),
               fmt::format("{:.2f}", r.cost.compute_usd), fmt::format("{:.2f}", r.cost.ipv4_usd),
               fmt::format("{:.2f}", r.cost.storage_usd), fmt::format("{:.2f}", r.cost.total_usd),
               r.cost.estimated ? "estimated" : ""});
  }
  t.add_row({"total", "", "", "", "", "", "", "", fmt::format("{:.2f}", total), ""});
  env.streams.out << t.render(env.streams.out_is_tty);
  return {};
}

}  // namespace

void add_cost_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<CostOptions>();
  auto* cmd = app.add_subcommand("cost", "Show what each box has cost so far");
  cmd->footer(
      "Running hours bill at the $/h recorded when the box started; disks bill at the "
      "EBS gp3 rate for every hour a box exists. Boxes found in AWS but not in the local "
      "ledger are marked estimated.\nExamples:\n  gpubox cost\n  gpubox cost mybox "
      "--since 2026-01-01 --json");
  cmd->add_option("name", opts->name, "Only this box");
  cmd->add_option("--since", opts->since, "Only count time after DATE (YYYY-MM-DD or RFC 3339)");
  cmd->add_flag("--offline", opts->offline, "Use the ledger only; no AWS calls");
  cmd->add_flag("--json", opts->json, "Print one JSON document to stdout");
  cmd->callback([opts, &env] { run_guarded(env, [&] { return run_cost(*opts, env); }); });
}

}  // namespace gpubox::cli
