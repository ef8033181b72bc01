// gpubox cost [NAME]: what each box has cost, from the state ledger (running hours x the price
// recorded with each entry, plus EBS storage); boxes found in the cloud but not in the ledger
// are costed from their launch time and marked as estimated.

#include "cli/cmd_cost.hpp"

#include <memory>
#include <ostream>

#include <fmt/format.h>

#include "aws/client.hpp"
#include "aws/settings.hpp"
#include "aws/xml.hpp"
#include "box/money/cost_report.hpp"
#include "box/volumes/volumes.hpp"
#include "catalog/catalog.hpp"
#include "cli/app.hpp"
#include "cli/deps.hpp"
#include "core/iso8601.hpp"
#include "state/box_store.hpp"

namespace gpubox::cli {

namespace {

Result<std::optional<TimePoint>> parse_since(const std::string& text) {
  if (text.empty()) {
    return std::optional<TimePoint>();
  }
  auto t = parse_iso8601(text.size() == 10 ? text + "T00:00:00Z" : text);
  if (!t) {
    return fail(ErrorKind::invalid_input,
                "--since must be a date (2026-01-31) or an RFC 3339 time, not \"" + text + "\"");
  }
  return t;
}

nlohmann::json row_json(const box::CostRow& r) {
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

// The caller's named volumes in `region`: what they bill per month whether or not a box uses
// them. A failed lookup is a warning: the ledger's costs stand on their own.
std::vector<box::VolumeRow> named_volumes(Env& env, aws::AwsClient& client,
                                          const std::string& region) {
  auto owner = caller_owner(client, region);
  if (!owner) {
    warn(env.streams, "volumes were not looked up: " + owner.error().message);
    return {};
  }
  auto listing = box::list_volumes(client, {region}, *owner);
  for (const auto& [where, error] : listing.failed) {
    warn(env.streams, fmt::format("could not list volumes in {}: {}", where, error.message));
  }
  return std::move(listing.rows);
}

}  // namespace

Result<void> run_cost(const CostOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(since, parse_since(opts.since));
  GPUBOX_TRY_ASSIGN(store, env.store());
  box::CostDeps deps{nullptr, *store, env.catalog().value_or(nullptr), env.clock};
  box::CostQuery query{opts.name, since, ""};
  auto not_looked_up = [&env](const Error& e) {
    warn(env.streams, "boxes not in the ledger were not looked up: " + e.message);
  };
  if (!opts.offline) {
    if (auto ctx = env.aws(); ctx) {
      deps.client = (*ctx)->client.get();
      query.home_region = (*ctx)->settings->region;
    } else {
      not_looked_up(ctx.error());
    }
  }
  GPUBOX_TRY_ASSIGN(report, box::cost_report(deps, query));
  if (report.lookup_error) {
    not_looked_up(*report.lookup_error);
  }
  const auto& rows = report.rows;
  const double total = report.total_usd;
  std::vector<box::VolumeRow> volumes;
  if (deps.client != nullptr && !query.home_region.empty() && opts.name.empty()) {
    volumes = named_volumes(env, *deps.client, query.home_region);
  }
  double volumes_monthly = 0;
  for (const auto& v : volumes) {
    volumes_monthly += v.usd_per_month;
  }
  if (opts.json) {
    auto list = nlohmann::json::array();
    for (const auto& r : rows) {
      list.push_back(row_json(r));
    }
    auto vols = nlohmann::json::array();
    for (const auto& v : volumes) {
      vols.push_back({{"name", v.name},
                      {"volume_id", v.volume.id},
                      {"region", v.region},
                      {"size_gib", v.volume.size_gib},
                      {"box", v.box.empty() ? nlohmann::json(nullptr) : nlohmann::json(v.box)},
                      {"usd_per_month", v.usd_per_month}});
    }
    print_json(env.streams, {{"boxes", list},
                             {"total_usd", total},
                             {"volumes", vols},
                             {"volumes_usd_per_month", volumes_monthly},
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
  if (!volumes.empty()) {
    // Named volumes bill per month whether or not a box uses them.
    Table v({"volume", "size", "zone", "box", "$/month"});
    for (const auto& r : volumes) {
      v.add_row({r.name, fmt::format("{} GiB", r.volume.size_gib), r.volume.zone,
                 r.box.empty() ? "-" : r.box, fmt::format("{:.2f}", r.usd_per_month)});
    }
    v.add_row({"total", "", "", "", fmt::format("{:.2f}", volumes_monthly)});
    env.streams.out << '\n' << v.render(env.streams.out_is_tty);
  }
  return {};
}

void add_cost_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<CostOptions>();
  auto* cmd = app.add_subcommand("cost", "Show what each box has cost so far");
  cmd->footer(
      "Running hours bill at the $/h recorded when the box started; disks bill at the "
      "EBS gp3 rate for every hour a box exists. Boxes found in AWS but not in the local "
      "ledger are marked estimated. Named volumes (`up --volume`) follow in a second table with "
      "their $/month.\nExamples:\n  gpubox cost\n  gpubox cost mybox "
      "--since 2026-01-01 --json");
  cmd->add_option("name", opts->name, "Only this box");
  cmd->add_option("--since", opts->since, "Only count time after DATE (YYYY-MM-DD or RFC 3339)");
  cmd->add_flag("--offline", opts->offline, "Use the ledger only; no AWS calls");
  cmd->add_flag("--json", opts->json, "Print one JSON document to stdout");
  cmd->callback([opts, &env] { run_guarded(env, [&] { return run_cost(*opts, env); }); });
}

}  // namespace gpubox::cli
