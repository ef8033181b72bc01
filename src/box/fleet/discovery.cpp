#include "box/fleet/discovery.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "aws/credentials.hpp"
#include "aws/ec2_catalog.hpp"
#include "aws/ec2_spot.hpp"
#include "box/cluster.hpp"
#include "box/names.hpp"
#include "box/tags.hpp"
#include "core/iso8601.hpp"
#include "core/strings.hpp"

namespace gpubox::box {
namespace {

std::string tag_of(const aws::Instance& instance, std::string_view key) {
  auto it = instance.tags.find(std::string(key));
  return it == instance.tags.end() ? "" : it->second;
}

std::string format_count(double count) {
  if (std::floor(count) == count) {
    return fmt::format("{}", static_cast<long long>(count));
  }
  return fmt::format("{:g}", count);
}

// Return whether `inst` belongs to `owner` (every instance does for an empty owner) and has a
// box name gpubox accepts: a name from a tag is checked before it is stored or printed.
bool mine(const aws::Instance& inst, std::string_view owner) {
  return (owner.empty() || same_owner(tag_of(inst, k_tag_owner), owner)) &&
         validate_box_name(tag_of(inst, k_tag_box)).has_value();
}

// Return the stored box's instance in `scan`: the same instance ID, else the first unclaimed
// instance tagged with its name (the ID changes when a box was relaunched elsewhere).
const aws::Instance* find_instance(const RegionInstances& scan, const state::Box& box,
                                   const std::set<std::string>& claimed, std::string_view owner) {
  for (const auto& inst : scan.instances) {
    if (!box.instance_id.empty() && inst.id == box.instance_id && mine(inst, owner)) {
      return &inst;
    }
  }
  for (const auto& inst : scan.instances) {
    if (!claimed.contains(inst.id) && tag_of(inst, k_tag_box) == box.name && mine(inst, owner)) {
      return &inst;
    }
  }
  return nullptr;
}

// Copy what the cloud knows about `inst` into `view.box`; set `changed` when anything differs.
void apply_instance(BoxView& view, const aws::Instance& inst, std::string_view region,
                    const catalog::Catalog* catalog) {
  state::Box& b = view.box;
  const state::Box before = b;
  if (b.ssh_host.empty() || b.ssh_host == b.public_ip) {
    b.ssh_host = inst.public_ip;
  }
  b.region = std::string(region);
  b.state = inst.state;
  b.public_ip = inst.public_ip;
  b.zone = inst.zone;
  b.instance_id = inst.id;
  b.instance_type = inst.type;
  b.spot = inst.lifecycle == "spot";
  if (b.gpu_summary.empty() || b.price_per_hour_usd == 0) {
    TypeInfo info = type_info(catalog, b.instance_type, b.region, b.spot);
    b.gpu_summary = b.gpu_summary.empty() ? info.gpu_summary : b.gpu_summary;
    b.price_per_hour_usd =
        b.price_per_hour_usd == 0 ? info.price_per_hour_usd : b.price_per_hour_usd;
  }
  view.instance = inst;
  view.owner = tag_of(inst, k_tag_owner);
  view.changed = b.state != before.state || b.public_ip != before.public_ip ||
                 b.zone != before.zone || b.instance_id != before.instance_id ||
                 b.instance_type != before.instance_type || b.ssh_host != before.ssh_host ||
                 b.region != before.region || b.gpu_summary != before.gpu_summary ||
                 b.price_per_hour_usd != before.price_per_hour_usd || b.spot != before.spot;
}

void mark_gone(BoxView& view) {
  state::Box& b = view.box;
  view.gone = true;
  view.changed = b.state != k_state_gone || !b.public_ip.empty();
  if (b.ssh_host == b.public_ip) {
    b.ssh_host.clear();
  }
  b.state = std::string(k_state_gone);
  b.public_ip.clear();
}

// Handle a live instance no stored box claimed: adopt it, move a gone box onto it, or report it
// as a duplicate of a name the store already maps to another live instance.
void place_unclaimed(std::vector<BoxView>& views, const aws::Instance& inst,
                     const std::string& region, const catalog::Catalog* catalog, TimePoint now) {
  const std::string name = tag_of(inst, k_tag_box);
  auto same = std::ranges::find_if(
      views, [&](const BoxView& v) { return v.box.name == name && !v.duplicate; });
  if (same == views.end()) {
    BoxView v;
    v.box = box_from_instance(inst, region, catalog, now);
    v.instance = inst;
    v.adopted = true;
    views.push_back(std::move(v));
  } else if (same->gone) {
    same->gone = false;
    apply_instance(*same, inst, region, catalog);
    same->changed = true;
  } else {
    BoxView v;
    v.box = box_from_instance(inst, region, catalog, now);
    v.instance = inst;
    v.duplicate = true;
    views.push_back(std::move(v));
  }
}

}  // namespace

const std::vector<std::string>& live_instance_states() {
  static const std::vector<std::string> k_states{"pending", "running", "stopping", "stopped"};
  return k_states;
}

void for_each_region_parallel(const std::vector<std::string>& regions,
                              const std::function<void(size_t, const std::string&)>& fn) {
  std::vector<std::thread> threads;
  threads.reserve(regions.size());
  for (size_t i = 0; i < regions.size(); ++i) {
    threads.emplace_back([&fn, &regions, i] { fn(i, regions[i]); });
  }
  for (auto& t : threads) {
    t.join();
  }
}

std::vector<RegionInstances> scan_instances(aws::AwsClient& client,
                                            const std::vector<std::string>& regions) {
  std::vector<RegionInstances> out(regions.size());
  for_each_region_parallel(regions, [&](size_t i, const std::string& region) {
    aws::DescribeInstancesInput in;
    in.filters = {{"tag-key", {std::string(k_tag_box)}},
                  {"instance-state-name", live_instance_states()}};
    out[i].region = region;
    auto page = aws::describe_instances(client, region, in);
    if (!page) {
      out[i].error = page.error();
      return;
    }
    out[i].instances = std::move(page->instances);
    std::vector<std::string> requests;
    for (const auto& inst : out[i].instances) {
      if (!inst.spot_request_id.empty()) {
        requests.push_back(inst.spot_request_id);
      }
    }
    if (!requests.empty()) {
      aws::DescribeSpotRequestsInput sr;
      sr.request_ids = requests;
      if (auto found = aws::describe_spot_requests(client, region, sr)) {
        for (const auto& r : *found) {
          out[i].spot_states[r.id] = r.state;
        }
      }
    }
  });
  return out;
}

TypeInfo type_info(const catalog::Catalog* catalog, std::string_view instance_type,
                   std::string_view region, bool spot) {
  TypeInfo info;
  if (catalog == nullptr) {
    return info;
  }
  if (const auto* spec = catalog->find_type(instance_type);
      spec != nullptr && spec->gpu_count > 0) {
    info.gpu_summary = fmt::format("{}x {} {}GiB", format_count(spec->gpu_count), spec->gpu,
                                   format_count(spec->gpu_memory_gib));
  }
  if (const auto* price = catalog->find_price(instance_type, region)) {
    if (spot && price->spot_usd) {
      info.price_per_hour_usd = *price->spot_usd;
    } else if (price->on_demand_usd) {
      info.price_per_hour_usd = *price->on_demand_usd;
    }
  }
  return info;
}

state::Box box_from_instance(const aws::Instance& instance, std::string_view region,
                             const catalog::Catalog* catalog, TimePoint now) {
  state::Box b;
  b.name = tag_of(instance, k_tag_box);
  b.kind = state::BoxKind::aws;
  b.ssh_user = "ubuntu";  // the DLAMIs gpubox launches are Ubuntu
  b.key_name = instance.key_name;
  b.ami_id = instance.image_id;
  for (const auto& g : instance.security_groups) {
    // gpubox's own group: "gpubox-NAME-<random>" (or "gpubox-NAME" from before random names).
    const std::string own = resource_name(b.name);
    if (b.security_group_id.empty() || g.name == own || g.name.starts_with(own + "-")) {
      b.security_group_id = g.id;
    }
  }
  auto created = parse_iso8601(tag_of(instance, k_tag_created));
  b.created_at = created ? *created : instance.launch_time.value_or(now);
  BoxView view;
  view.box = std::move(b);
  apply_instance(view, instance, region, catalog);
  return view.box;
}

std::vector<BoxView> merge_views(const std::vector<state::Box>& stored,
                                 const std::vector<RegionInstances>& scans,
                                 const catalog::Catalog* catalog, TimePoint now,
                                 std::string_view owner) {
  std::map<std::string, const RegionInstances*> by_region;
  for (const auto& scan : scans) {
    by_region[scan.region] = &scan;
  }
  std::set<std::string> claimed;
  std::vector<BoxView> views;
  for (const auto& s : stored) {
    BoxView v;
    v.box = s;
    auto it = by_region.find(s.region);
    if (s.kind == state::BoxKind::aws && it != by_region.end()) {
      if (it->second->error) {
        v.unknown = true;
      } else if (const auto* inst = find_instance(*it->second, s, claimed, owner)) {
        claimed.insert(inst->id);
        apply_instance(v, *inst, s.region, catalog);
      } else {
        mark_gone(v);
      }
    }
    views.push_back(std::move(v));
  }
  for (const auto& scan : scans) {
    for (const auto& inst : scan.instances) {
      if (!claimed.contains(inst.id) && mine(inst, owner)) {
        claimed.insert(inst.id);
        place_unclaimed(views, inst, scan.region, catalog, now);
      }
    }
  }
  std::ranges::stable_sort(views, [](const BoxView& a, const BoxView& b) {
    return std::tie(a.box.name, a.duplicate) < std::tie(b.box.name, b.duplicate);
  });
  return views;
}

std::vector<BoxView> foreign_views(const std::vector<RegionInstances>& scans,
                                   const catalog::Catalog* catalog, TimePoint now,
                                   std::string_view owner) {
  std::vector<BoxView> out;
  if (owner.empty()) {
    return out;
  }
  for (const auto& scan : scans) {
    for (const auto& inst : scan.instances) {
      if (mine(inst, {}) && !same_owner(tag_of(inst, k_tag_owner), owner)) {
        BoxView v;
        v.box = box_from_instance(inst, scan.region, catalog, now);
        v.instance = inst;
        v.owner = tag_of(inst, k_tag_owner);
        out.push_back(std::move(v));
      }
    }
  }
  std::ranges::stable_sort(
      out, [](const BoxView& a, const BoxView& b) { return a.box.name < b.box.name; });
  return out;
}

std::optional<TimePoint> running_since(const std::vector<state::LedgerEntry>& ledger) {
  std::optional<TimePoint> since;
  for (const auto& e : ledger) {
    if (e.state == "pending" || e.state == "running") {
      since = since.value_or(e.at);
    } else {
      since.reset();
    }
  }
  return since;
}

BoxCost view_cost(const BoxView& view, const std::vector<state::LedgerEntry>& ledger,
                  TimePoint now) {
  const state::Box& b = view.box;
  const bool estimate = view.adopted || view.duplicate || ledger.empty();
  if (estimate) {
    TimePoint launched =
        view.instance && view.instance->launch_time ? *view.instance->launch_time : b.created_at;
    return estimate_from_launch(launched, b.state, b.price_per_hour_usd, now, b.disk_gb, b.region);
  }
  std::optional<TimePoint> since;
  if (b.created_at != TimePoint{}) {
    since = b.created_at;
  }
  return cost_from_ledger(ledger, now, since, b.disk_gb, b.region);
}

Result<Discovery> discover(const DiscoverDeps& deps, std::vector<std::string> regions) {
  GPUBOX_TRY_ASSIGN(stored, deps.store.list_boxes());
  for (const auto& b : stored) {
    if (b.kind == state::BoxKind::aws && !b.region.empty()) {
      regions.push_back(b.region);
    }
  }
  std::ranges::sort(regions);
  regions.erase(std::ranges::unique(regions).begin(), regions.end());
  Discovery d;
  d.regions = regions;
  auto scans = scan_instances(deps.client, regions);
  const TimePoint now = deps.clock.now();
  d.views = merge_views(stored, scans, deps.catalog, now, deps.owner);
  d.others = foreign_views(scans, deps.catalog, now, deps.owner);
  for (auto& v : d.views) {
    if (!v.instance || v.instance->spot_request_id.empty()) {
      continue;
    }
    std::string state = "unknown";
    for (const auto& scan : scans) {
      if (auto it = scan.spot_states.find(v.instance->spot_request_id);
          it != scan.spot_states.end()) {
        state = it->second;
      }
    }
    if (state != "active") {
      v.spot_request_state = state;
    }
  }
  for (auto& scan : scans) {
    if (scan.error) {
      d.failed.push_back(std::move(scan));
    }
  }
  for (const auto& v : d.views) {
    if (v.duplicate) {
      continue;
    }
    if (v.adopted) {
      // Another command (an `up` finishing) may have stored it meanwhile: adopting is an upsert.
      if (auto added = deps.store.insert_box(v.box);
          !added && added.error().kind == ErrorKind::conflict) {
        GPUBOX_TRY(deps.store.update_box(v.box));
      } else if (!added) {
        return fail(added.error());
      }
    } else if (v.changed) {
      GPUBOX_TRY(deps.store.update_box(v.box));
    }
    if (v.instance || (v.gone && v.changed)) {
      state::LedgerEntry e{v.box.name, v.box.instance_id, v.gone ? "terminated" : v.box.state, now,
                           v.box.price_per_hour_usd};
      GPUBOX_TRY(deps.store.record_state_change(e));
    }
  }
  return d;
}

Result<Discovery> discover_everywhere(const DiscoverDeps& deps, std::string_view home_region) {
  GPUBOX_TRY_ASSIGN(regions, aws::enabled_region_names(deps.client, home_region));
  return discover(deps, std::move(regions));
}

Result<state::Box> locate_box_everywhere(const DiscoverDeps& deps, std::string_view name,
                                         std::string_view home_region, ProgressSink& progress) {
  GPUBOX_TRY_ASSIGN(stored, deps.store.find_box(name));
  if (stored) {
    return *stored;
  }
  auto regions = aws::enabled_region_names(deps.client, home_region);
  if (!regions) {
    Error e = regions.error();
    e.kind = ErrorKind::not_found;
    e.message = fmt::format("no box named {} in local state, and AWS could not be searched: {}",
                            name, regions.error().message);
    return fail(std::move(e));
  }
  progress.say(
      fmt::format("{} is not in local state; looking in {} regions", name, regions->size()));
  return locate_box(deps, name, *regions);
}

std::vector<std::string> nearest_names(std::string_view name,
                                       const std::vector<std::string>& known) {
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& k : known) {
    size_t d = edit_distance(name, k);
    if (k != name && (d <= 2 || (name.size() >= 3 && k.starts_with(name)))) {
      scored.emplace_back(d, k);
    }
  }
  std::ranges::sort(scored);
  std::vector<std::string> out;
  out.reserve(scored.size());
  for (auto& [d, k] : scored) {
    out.push_back(std::move(k));
  }
  return out;
}

Result<state::Box> locate_box(const DiscoverDeps& deps, std::string_view name,
                              const std::vector<std::string>& regions) {
  GPUBOX_TRY_ASSIGN(stored, deps.store.find_box(name));
  if (stored) {
    return *stored;
  }
  GPUBOX_TRY_ASSIGN(found, discover(deps, regions));
  GPUBOX_TRY_ASSIGN(adopted, deps.store.find_box(name));
  if (adopted) {
    return *adopted;
  }
  std::vector<std::string> known;
  known.reserve(found.views.size());
  for (const auto& v : found.views) {
    known.push_back(v.box.name);
  }
  Error e;
  e.kind = ErrorKind::not_found;
  e.message = fmt::format("no box named {} (looked in local state and {} region{})", name,
                          found.regions.size(), found.regions.size() == 1 ? "" : "s");
  auto near = nearest_names(name, known);
  e.hint = near.empty() ? "`gpubox ls` lists your boxes"
                        : fmt::format("did you mean {}? `gpubox ls` lists your boxes",
                                      fmt::join(near, " or "));
  for (const auto& f : found.failed) {
    e.message += fmt::format("; {} could not be searched: {}", f.region, f.error->message);
  }
  return fail(std::move(e));
}

}  // namespace gpubox::box
