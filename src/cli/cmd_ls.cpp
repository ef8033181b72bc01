// gpubox ls: every box, discovered from the cloud by tag (the local state is only a cache and is
// repaired from what is found), with its state, address, uptime, $/h and cost so far.

#include "cli/cmd_ls.hpp"

#include <algorithm>
#include <future>
#include <map>
#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "aws/client.hpp"
#include "aws/settings.hpp"
#include "aws/xml.hpp"
#include "box/cluster.hpp"
#include "box/fleet/discovery.hpp"
#include "box/fleet/lifecycle.hpp"
#include "box/money/cost.hpp"
#include "box/onbox/autostop.hpp"
#include "box/onbox/status.hpp"
#include "box/tags.hpp"
#include "box/volumes/volumes.hpp"
#include "catalog/catalog.hpp"
#include "cli/app.hpp"
#include "cli/deps.hpp"
#include "core/iso8601.hpp"
#include "remote/ssh.hpp"
#include "state/box_store.hpp"

namespace gpubox::cli {

namespace {

// One row of the listing, computed once for the table and for --json.
struct Row {
  const box::BoxView* view = nullptr;
  box::BoxCost cost;
  std::optional<long long> uptime_s;
  double disk_usd_per_month = 0;
  std::string activity;                  // the watchdog's view, with --status
  bool foreign = false;                  // another owner's box (--all-owners): shown, never touched
  std::optional<box::VolumeRow> volume;  // the named volume attached to it
};

std::string format_duration(long long s) {
  if (s < 3600) {
    return fmt::format("{}m", s / 60);
  }
  if (s < 86400) {
    return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  }
  return fmt::format("{}d{}h", s / 86400, (s % 86400) / 3600);
}

Result<Row> make_row(const box::BoxView& v, state::BoxStore& store, TimePoint now) {
  Row row;
  row.view = &v;
  GPUBOX_TRY_ASSIGN(ledger, store.ledger(v.box.name));
  row.cost = box::view_cost(v, ledger, now);
  if (v.box.state == "running" || v.box.state == "pending") {
    auto since = v.adopted ? std::optional<TimePoint>{} : box::running_since(ledger);
    if (!since && v.instance && v.instance->launch_time) {
      since = v.instance->launch_time;
    }
    if (since) {
      row.uptime_s = std::chrono::duration_cast<std::chrono::seconds>(now - *since).count();
    }
  }
  row.disk_usd_per_month = v.box.disk_gb * box::ebs_gp3_usd_per_gib_month(v.box.region);
  return row;
}

void warn_limits(const Streams& s, const Row& row) {
  const state::Box& b = row.view->box;
  if (b.budget_usd > 0 && row.cost.total_usd >= 0.8 * b.budget_usd) {
    warn(s, fmt::format("box {} has cost ${:.2f}, {} its --budget of ${:.2f}", b.name,
                        row.cost.total_usd, row.cost.total_usd >= b.budget_usd ? "over" : "near",
                        b.budget_usd));
  }
  if (b.max_hours > 0 && row.cost.running_hours >= 0.9 * b.max_hours) {
    warn(s, fmt::format("box {} has run {:.1f} h, {} its --max-hours of {:g}", b.name,
                        row.cost.running_hours,
                        row.cost.running_hours >= b.max_hours ? "over" : "near", b.max_hours));
  }
}

// What the box bills per hour while running: an AWS box's public IPv4 address included.
double hourly_price(const state::Box& b) {
  return b.kind == state::BoxKind::aws ? box::hourly_usd(b.price_per_hour_usd)
                                       : b.price_per_hour_usd;
}

std::string price_cell(const Row& row) {
  const state::Box& b = row.view->box;
  if (b.state == "stopped" || b.state == "stopping") {
    return b.disk_gb > 0 ? fmt::format("disk ${:.2f}/mo", row.disk_usd_per_month) : "disk";
  }
  return b.price_per_hour_usd > 0 ? fmt::format("{:.3f}", hourly_price(b)) : "-";
}

nlohmann::json row_json(const Row& row) {
  const box::BoxView& v = *row.view;
  const state::Box& b = v.box;
  nlohmann::json j{
      {"name", b.name},
      {"cluster", b.cluster.empty() ? nlohmann::json(nullptr) : nlohmann::json(b.cluster)},
      {"node", b.cluster.empty() ? nlohmann::json(nullptr) : nlohmann::json(b.node_index)},
      {"private_ip", b.private_ip},
      {"state", b.state},
      {"kind", state::to_string(b.kind)},
      {"instance_id", b.instance_id},
      {"instance_type", b.instance_type},
      {"gpu", b.gpu_summary},
      {"region", b.region},
      {"zone", b.zone},
      {"public_ip", b.public_ip},
      {"spot", b.spot},
      {"price_per_hour_usd", hourly_price(b)},
      {"instance_usd_per_hour", b.price_per_hour_usd},
      {"cost_usd", row.cost.total_usd},
      {"cost_estimated", row.cost.estimated},
      {"running_hours", row.cost.running_hours},
      {"disk_gib", b.disk_gb},
      {"disk_usd_per_month", row.disk_usd_per_month},
      {"adopted", v.adopted},
      {"in_local_state", !v.duplicate},
      {"cached", v.unknown},
      {"owner", v.owner},
      {"mine", !row.foreign}};
  if (!v.spot_request_state.empty()) {
    j["spot_request_state"] = v.spot_request_state;
  }
  j["autostop"] = {
      {"idle_minutes",
       b.idle_minutes > 0 ? nlohmann::json(b.idle_minutes) : nlohmann::json(nullptr)},
      {"max_hours", b.max_hours > 0 ? nlohmann::json(b.max_hours) : nlohmann::json(nullptr)}};
  j["uptime_seconds"] = row.uptime_s ? nlohmann::json(*row.uptime_s) : nlohmann::json(nullptr);
  j["volume"] = row.volume ? nlohmann::json{{"name", row.volume->name},
                                            {"volume_id", row.volume->volume.id},
                                            {"size_gib", row.volume->volume.size_gib},
                                            {"usd_per_month", row.volume->usd_per_month}}
                           : nlohmann::json(nullptr);
  j["created_at"] = format_iso8601(b.created_at);
  return j;
}

std::vector<std::string> row_cells(const Row& row) {
  const state::Box& b = row.view->box;
  std::string state = b.state.empty() ? "unknown" : b.state;
  if (row.view->unknown) {
    state += " (cached)";
  }
  if (!row.view->spot_request_state.empty()) {
    state += " (spot request " + row.view->spot_request_state + ")";
  }
  std::string cost = fmt::format("{}{:.2f}", row.cost.estimated ? "~$" : "$", row.cost.total_usd);
  return {box::display_name(b),
          state,
          b.instance_type.empty() ? "-" : b.instance_type,
          b.gpu_summary.empty() ? "-" : b.gpu_summary,
          b.zone.empty() ? (b.region.empty() ? "-" : b.region) : b.zone,
          b.public_ip.empty() ? "-" : b.public_ip,
          row.uptime_s ? format_duration(*row.uptime_s) : "-",
          price_cell(row),
          cost,
          box::describe_autostop(b.idle_minutes, b.max_hours)};
}

// One row for a whole cluster (`nodes`, by rank): "NAME (N nodes)", the state they share (else
// each state's count), node 0's type, zone, address and uptime, and the sums of price and cost.
std::vector<std::string> cluster_cells(const std::vector<const Row*>& nodes) {
  std::vector<std::string> cells = row_cells(*nodes.front());
  const state::Box& first = nodes.front()->view->box;
  cells[0] = fmt::format("{} ({} nodes)", first.cluster, nodes.size());
  std::map<std::string, int> states;
  double per_hour = 0;
  double cost = 0;
  bool estimated = false;
  for (const Row* r : nodes) {
    states[r->view->box.state.empty() ? "unknown" : r->view->box.state] += 1;
    per_hour += r->view->box.price_per_hour_usd > 0 ? hourly_price(r->view->box) : 0;
    cost += r->cost.total_usd;
    estimated = estimated || r->cost.estimated;
  }
  if (states.size() > 1) {
    std::vector<std::string> parts;
    for (const auto& [state, count] : states) {
      parts.push_back(fmt::format("{} {}", count, state));
    }
    cells[1] = fmt::format("mixed: {}", fmt::join(parts, ", "));
  }
  if (!first.gpu_summary.empty()) {
    cells[3] = fmt::format("{} x ({})", nodes.size(), first.gpu_summary);
  }
  if (per_hour > 0 && (first.state == "running" || first.state == "pending")) {
    cells[7] = fmt::format("{:.3f}", per_hour);
  }
  cells[8] = fmt::format("{}{:.2f}", estimated ? "~$" : "$", cost);
  return cells;
}

// Group `rows` for the table: each cluster's nodes together in one entry (unless `per_node`),
// in the order its first node was listed; every other box alone.
std::vector<std::vector<const Row*>> group_rows(const std::vector<Row>& rows, bool per_node) {
  std::vector<std::vector<const Row*>> groups;
  std::map<std::string, size_t> cluster_at;
  for (const Row& r : rows) {
    const std::string& cluster = r.view->box.cluster;
    if (per_node || cluster.empty() || r.foreign) {
      groups.push_back({&r});
      continue;
    }
    auto [it, fresh] = cluster_at.try_emplace(cluster, groups.size());
    if (fresh) {
      groups.emplace_back();
    }
    groups[it->second].push_back(&r);
  }
  for (auto& g : groups) {
    std::ranges::sort(g, {}, [](const Row* r) { return r->view->box.node_index; });
  }
  return groups;
}

// Read the watchdog view of every running box over ssh, in parallel (one ssh per box).
Result<void> fill_activity(std::vector<Row>& rows, Env& env) {
  GPUBOX_TRY_ASSIGN(dir, env.data_dir());
  const auto known_hosts = box::LocalFiles{dir, {}}.known_hosts();
  const auto policy = env.connect_policy();
  const TimePoint now = env.clock.now();
  std::vector<std::future<std::string>> views;
  for (const Row& row : rows) {
    const state::Box& b = row.view->box;
    if (row.foreign || (b.kind == state::BoxKind::aws && b.state != "running")) {
      views.push_back(std::async(std::launch::deferred, [] { return std::string("-"); }));
      continue;
    }
    views.push_back(std::async(std::launch::async, [&env, &known_hosts, &policy, now, b] {
      auto target = remote::target_for(b, known_hosts, policy);
      if (!target) {
        return "unknown: " + target.error().message;
      }
      auto line = box::box_status_line(env.runner, *target, now);
      return line ? *line : "unknown: " + line.error().message;
    }));
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i].activity = views[i].get();
  }
  return {};
}

std::string volume_cell(const Row& row) {
  if (!row.volume) {
    return "-";
  }
  return fmt::format("{} {} GiB ${:.2f}/mo", row.volume->name, row.volume->volume.size_gib,
                     row.volume->usd_per_month);
}

// Put each named volume on the row of the box it is attached to; say what the others cost.
void attach_volumes(std::vector<Row>& rows, const box::VolumeListing& listing, Env& env) {
  for (const auto& [region, error] : listing.failed) {
    warn(env.streams, fmt::format("could not list volumes in {}: {}", region, error.message));
  }
  for (const auto& v : listing.rows) {
    auto row = std::ranges::find_if(rows, [&](const Row& r) {
      return !r.foreign && !v.instance_id.empty() && r.view->box.instance_id == v.instance_id;
    });
    if (row != rows.end()) {
      row->volume = v;
    } else {
      env.progress().say(fmt::format(
          "volume {} ({} GiB in {}{}) costs ${:.2f}/month (`gpubox "
          "volumes`)",
          v.name, v.volume.size_gib, v.volume.zone,
          v.instance_id.empty() ? ", no box" : ", on " + v.instance_id, v.usd_per_month));
    }
  }
}

}  // namespace

Result<void> run_ls(const LsOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  GPUBOX_TRY_ASSIGN(store, env.store());
  const catalog::Catalog* cat = nullptr;
  if (auto c = env.catalog()) {
    cat = *c;
  }
  // With no default region, look everywhere (as --all-regions does); a listing that cannot
  // reach AWS at all still shows what the store knows, bring-your-own machines included.
  const std::string& home = ctx->settings->region;
  auto owner = caller_owner(*ctx->client, home);
  if (!owner && (opts.all_regions || !home.empty())) {
    return fail(owner.error());
  }
  box::DiscoverDeps deps{*ctx->client, *store, env.clock, cat, owner.value_or("")};
  box::Discovery found;
  if (!owner) {
    // No region is scanned, so nothing is adopted for an unknown owner.
    warn(env.streams, "could not list the AWS regions (" + owner.error().message +
                          "); showing what gpubox already knows");
    GPUBOX_TRY_SET(found, box::discover(deps, {}));
  } else if (opts.all_regions || home.empty()) {
    auto all = box::discover_everywhere(deps, home.empty() ? "us-east-1" : home);
    if (all) {
      found = std::move(*all);
    } else if (opts.all_regions) {
      return fail(all.error());
    } else {
      warn(env.streams, "could not list the AWS regions (" + all.error().message +
                            "); showing what gpubox already knows");
      GPUBOX_TRY_SET(found, box::discover(deps, {}));
    }
  } else {
    GPUBOX_TRY_SET(found, box::discover(deps, {home}));
  }
  for (const auto& f : found.failed) {
    warn(env.streams, fmt::format("could not list boxes in {}: {} (showing what gpubox last saw)",
                                  f.region, f.error->message));
  }
  if (!found.regions.empty() && found.failed.size() == found.regions.size()) {
    std::vector<std::string> names;
    names.reserve(found.failed.size());
    for (const auto& f : found.failed) {
      names.push_back(f.region);
    }
    Error e = *found.failed.front().error;
    e.message = fmt::format("could not list boxes in any region ({}): {}", fmt::join(names, ", "),
                            e.message);
    return fail(std::move(e));
  }
  std::vector<Row> rows;
  for (const auto& v : found.views) {
    GPUBOX_TRY_ASSIGN(row, make_row(v, *store, env.clock.now()));
    if (v.adopted) {
      env.progress().say(fmt::format("found {} in {} ({}), added it to local state", v.box.name,
                                     v.box.region, v.box.instance_id));
    } else if (v.duplicate) {
      warn(env.streams, fmt::format("{} in {} is also tagged as box {}; `gpubox gc` lists it",
                                    v.box.instance_id, v.box.region, v.box.name));
    }
    warn_limits(env.streams, row);
    rows.push_back(std::move(row));
  }
  if (opts.all_owners) {
    for (const auto& v : found.others) {
      GPUBOX_TRY_ASSIGN(row, make_row(v, *store, env.clock.now()));
      row.foreign = true;
      rows.push_back(std::move(row));
    }
  }
  if (owner && !found.regions.empty()) {
    attach_volumes(rows, box::list_volumes(*ctx->client, found.regions, *owner), env);
  }
  const bool volumes = std::ranges::any_of(rows, [](const Row& r) { return r.volume.has_value(); });
  if (opts.status) {
    GPUBOX_TRY(fill_activity(rows, env));
  }
  if (opts.json) {
    auto doc = nlohmann::json::array();
    for (const auto& r : rows) {
      doc.push_back(row_json(r));
      if (opts.status) {
        doc.back()["activity"] = r.activity;
      }
    }
    print_json(env.streams, doc);
    return {};
  }
  if (rows.empty()) {
    if (found.regions.size() > 3) {
      env.progress().say(fmt::format("no boxes in any of {} regions", found.regions.size()));
    } else {
      env.progress().say(fmt::format("no boxes in {} (gpubox ls --all-regions looks everywhere)",
                                     found.regions.empty()
                                         ? "local state"
                                         : fmt::format("{}", fmt::join(found.regions, ", "))));
    }
    return {};
  }
  std::vector<std::string> header{"name",    "state",  "type", "gpu",    "zone",
                                  "address", "uptime", "$/h",  "cost $", "autostop"};
  if (volumes) {
    header.emplace_back("volume");
  }
  if (opts.status) {
    header.emplace_back("activity");
  }
  if (opts.all_owners) {
    header.emplace_back("owner");
  }
  Table t(header);
  t.paint_column(1, env.streams);  // the state
  for (const auto& group : group_rows(rows, opts.nodes)) {
    const Row& r = *group.front();
    const bool whole_cluster = !opts.nodes && !r.foreign && !r.view->box.cluster.empty();
    auto cells = whole_cluster ? cluster_cells(group) : row_cells(r);
    if (volumes) {
      cells.push_back(volume_cell(r));
    }
    if (opts.status) {
      cells.push_back(r.activity);
    }
    if (opts.all_owners) {
      cells.push_back(r.foreign ? r.view->owner : "you");
    }
    t.add_row(std::move(cells));
  }
  env.streams.out << t.render(env.streams.out_is_tty);
  return {};
}

void add_ls_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<LsOptions>();
  auto* cmd = app.add_subcommand("ls", "List your boxes, their state, address and cost so far");
  set_details(
      cmd,
      "List every box gpubox created for you, found in the cloud by its tags (local state is "
      "only a cache and is repaired from what is found). Boxes tagged with another owner are "
      "never adopted; --all-owners shows them read-only. Stopped boxes show the disk still "
      "billed; a named volume (`up --volume`) shows in a volume column with its $/month, and "
      "one no box uses is named on stderr with its cost.");
  cmd->footer(
      "Examples:\n  gpubox ls\n  gpubox ls --all-regions\n  gpubox ls --status   # adds what each "
      "box's idle watchdog sees, e.g. \"idle 12m, stops in 18m\"\n"
      "  gpubox ls --json | jq -r '.[].name'");
  cmd->add_flag("--all-regions", opts->all_regions,
                "Look in every enabled region, not just the known ones and the default");
  cmd->add_flag("--json", opts->json, "Print a JSON array to stdout (one object per node)");
  cmd->add_flag("--nodes", opts->nodes, "List each node of a cluster on its own line");
  cmd->add_flag("--all-owners", opts->all_owners,
                "Also list boxes other people in this account own (read-only, with an owner "
                "column); gpubox never stops or deletes them");
  cmd->add_flag("--status", opts->status,
                "Also show each running box's idle-watchdog view (one ssh per box, in parallel)");
  cmd->callback([opts, &env] { run_guarded(env, [&] { return run_ls(*opts, env); }); });
}

}  // namespace gpubox::cli
