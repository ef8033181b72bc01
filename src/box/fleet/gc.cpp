#include "box/fleet/gc.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "aws/ec2_catalog.hpp"
#include "box/fleet/discovery.hpp"
#include "box/fleet/spot.hpp"
#include "box/launch/launch_lock.hpp"
#include "box/tags.hpp"
#include "box/volumes/volumes.hpp"

namespace gpubox::box {
namespace {

std::string box_tag(const aws::Tags& tags) {
  auto it = tags.find(std::string(k_tag_box));
  return it == tags.end() ? "" : it->second;
}

std::vector<aws::Filter> tagged() { return {{"tag-key", {std::string(k_tag_box)}}}; }

Result<void> read_inventory(aws::AwsClient& client, RegionInventory& inv) {
  aws::DescribeInstancesInput di;
  di.filters = tagged();
  di.filters.push_back({"instance-state-name", live_instance_states()});
  GPUBOX_TRY_ASSIGN(instances, aws::describe_instances(client, inv.region, di));
  inv.instances = std::move(instances.instances);
  aws::DescribeSecurityGroupsInput dg;
  dg.filters = tagged();
  GPUBOX_TRY_ASSIGN(groups, aws::describe_security_groups(client, inv.region, dg));
  inv.groups = std::move(groups.groups);
  aws::DescribeKeyPairsInput dk;
  dk.filters = tagged();
  GPUBOX_TRY_ASSIGN(keys, aws::describe_key_pairs(client, inv.region, dk));
  inv.keys = std::move(keys);
  aws::DescribeVolumesInput dv;
  dv.filters = tagged();
  GPUBOX_TRY_ASSIGN(volumes, aws::describe_volumes(client, inv.region, dv));
  inv.volumes = std::move(volumes.volumes);
  GPUBOX_TRY_ASSIGN(spot, open_spot_requests(client, inv.region, "", {}));
  inv.spot_requests = std::move(spot);
  return {};
}

Result<void> remove_one(aws::AwsClient& client, Clock& clock, const Leftover& item,
                        const RetryPolicy& retry) {
  if (item.kind == "security-group") {
    auto r = delete_security_group_with_retry(client, clock, item.region, item.id, retry);
    return r ? Result<void>{} : fail(r.error());
  }
  if (item.kind == "key-pair") {
    aws::DeleteKeyPairInput in;
    in.key_name = item.id;
    auto r = aws::delete_key_pair(client, item.region, in);
    return r ? Result<void>{} : fail(r.error());
  }
  if (item.kind == "volume") {
    auto r = delete_volume_if_present(client, item.region, item.id);
    return r ? Result<void>{} : fail(r.error());
  }
  return fail(ErrorKind::internal, "gc: unknown leftover kind " + item.kind);
}

// Remove the leftovers of one region: instances first (their groups and volumes depend on them).
void remove_region(aws::AwsClient& client, Clock& clock, const std::vector<Leftover>& items,
                   const WaitPolicy& wait, const RetryPolicy& retry, GcReport& out) {
  std::vector<std::string> ids;
  std::vector<Leftover> instances;
  std::vector<Leftover> requests;
  for (const auto& item : items) {
    if (item.kind == "instance") {
      ids.push_back(item.id);
      instances.push_back(item);
    } else if (item.kind == "spot-request") {
      requests.push_back(item);
    }
  }
  // Cancel first: terminating the instance of a persistent request makes EC2 launch another.
  auto spot = instance_spot_requests(client, items.front().region, ids);
  Result<std::vector<std::string>> cancelled = std::vector<std::string>{};
  if (spot) {
    for (const auto& item : requests) {
      if (std::none_of(spot->begin(), spot->end(),
                       [&](const auto& r) { return r.id == item.id; })) {
        spot->push_back(aws::SpotRequest{item.id, "", "open", "", "", {}});
      }
    }
    cancelled = cancel_and_confirm(client, items.front().region, *spot);
  } else {
    cancelled = fail(spot.error());
  }
  for (const auto& item : requests) {
    if (cancelled) {
      out.removed.push_back(item);
    } else {
      out.failed.push_back({item, cancelled.error()});
    }
  }
  if (!cancelled) {
    for (const auto& item : instances) {
      out.failed.push_back({item, cancelled.error()});
    }
    ids.clear();
  }
  if (!ids.empty()) {
    auto r = terminate_and_wait(client, clock, items.front().region, ids, wait);
    for (const auto& item : instances) {
      if (r) {
        out.removed.push_back(item);
      } else {
        out.failed.push_back({item, r.error()});
      }
    }
  }
  for (const auto& item : items) {
    if (item.kind == "instance" || item.kind == "spot-request") {
      continue;
    }
    if (auto r = remove_one(client, clock, item, retry); r) {
      out.removed.push_back(item);
    } else {
      out.failed.push_back({item, r.error()});
    }
  }
}

}  // namespace

std::vector<Leftover> select_leftovers(const RegionInventory& inv, const OwnedFn& owned,
                                       std::string_view owner) {
  std::vector<Leftover> out;
  auto consider = [&](std::string kind, const std::string& id, const aws::Tags& tags,
                      std::string detail) {
    const std::string name = box_tag(tags);
    if (!tags.contains(std::string(k_tag_box)) || owned(inv.region, name)) {
      return;
    }
    if (kind == "volume" && tags.contains(std::string(k_tag_volume))) {
      return;  // a named volume outlives its box: only `gpubox volumes rm` deletes it
    }
    if (!owner.empty()) {
      auto tag = tags.find(std::string(k_tag_owner));
      if (tag == tags.end() || !same_owner(tag->second, owner)) {
        return;  // someone else's, or nobody's we can tell: never removed
      }
    }
    out.push_back({inv.region, std::move(kind), id, name, std::move(detail)});
  };
  for (const auto& r : inv.spot_requests) {
    consider(
        "spot-request", r.id, r.tags,
        fmt::format("{} {}{}", r.type, r.state, r.instance_id.empty() ? "" : " " + r.instance_id));
  }
  for (const auto& i : inv.instances) {
    consider("instance", i.id, i.tags, fmt::format("{} {}", i.state, i.type));
  }
  for (const auto& g : inv.groups) {
    consider("security-group", g.id, g.tags, g.name);
  }
  for (const auto& k : inv.keys) {
    consider("key-pair", k.name, k.tags, k.id);
  }
  for (const auto& v : inv.volumes) {
    consider("volume", v.id, v.tags, fmt::format("{} GiB {}", v.size_gib, v.state));
  }
  return out;
}

std::vector<Leftover> select_finished(const RegionInventory& inv, const OwnedFn& owned,
                                      std::string_view owner) {
  std::vector<Leftover> out;
  for (const auto& i : inv.instances) {
    auto then = i.tags.find(std::string(k_tag_then));
    const std::string name = box_tag(i.tags);
    if (then == i.tags.end() || then->second != "down" || i.state != "stopped" || name.empty() ||
        !owned(inv.region, name)) {
      continue;
    }
    if (!owner.empty()) {
      auto tag = i.tags.find(std::string(k_tag_owner));
      if (tag == i.tags.end() || !same_owner(tag->second, owner)) {
        continue;
      }
    }
    out.push_back({inv.region, "box", i.id, name, "stopped after its job (--then down)"});
  }
  return out;
}

Result<OwnedFn> owned_by_store(state::BoxStore& store) {
  GPUBOX_TRY_ASSIGN(boxes, store.list_boxes());
  std::set<std::pair<std::string, std::string>> owned;
  for (const auto& b : boxes) {
    owned.insert({b.region, b.name});
  }
  // A launch in progress owns its group and key before the box is stored.
  GPUBOX_TRY_ASSIGN(stmt, store.db().prepare("SELECT region, name FROM launch_records "
                                             "WHERE status IN ('pending', 'launched')"));
  while (true) {
    GPUBOX_TRY_ASSIGN(row, stmt.step());
    if (!row) {
      break;
    }
    owned.insert({stmt.column_text(0), stmt.column_text(1)});
  }
  return OwnedFn([owned = std::move(owned)](std::string_view region, std::string_view name) {
    return owned.contains({std::string(region), std::string(name)});
  });
}

Result<std::vector<std::string>> expire_stale_launches(aws::AwsClient& client,
                                                       state::BoxStore& store,
                                                       const std::filesystem::path& data_dir) {
  struct Open {
    std::string name, region, token;
  };
  std::vector<Open> open;
  {
    GPUBOX_TRY_ASSIGN(stmt, store.db().prepare("SELECT name, region, client_token FROM "
                                               "launch_records WHERE status IN ('pending', "
                                               "'launched')"));
    while (true) {
      GPUBOX_TRY_ASSIGN(row, stmt.step());
      if (!row) {
        break;
      }
      open.push_back({stmt.column_text(0), stmt.column_text(1), stmt.column_text(2)});
    }
  }
  std::vector<std::string> expired;
  for (const auto& r : open) {
    GPUBOX_TRY_ASSIGN(box, store.find_box(r.name));
    if (box) {
      continue;
    }
    auto lock = LaunchLock::try_acquire(data_dir, r.name);
    if (!lock) {
      continue;  // an `up` is working on it right now
    }
    aws::DescribeInstancesInput in;
    in.filters = {{"client-token", {r.token}}};
    GPUBOX_TRY_ASSIGN(page, aws::describe_instances(client, r.region, in));
    if (page.instances.empty()) {
      GPUBOX_TRY(store.mark_launch_failed(r.token, "expired: no instance has its ClientToken"));
      expired.push_back(r.name);
    }
  }
  return expired;
}

RegionInventory inventory_region(aws::AwsClient& client, const std::string& region) {
  RegionInventory inv;
  inv.region = region;
  if (auto r = read_inventory(client, inv); !r) {
    inv.error = r.error();
  }
  return inv;
}

Result<GcPlan> find_leftovers(aws::AwsClient& client, state::BoxStore& store,
                              const std::vector<std::string>& regions, std::string_view owner) {
  GPUBOX_TRY_ASSIGN(owned, owned_by_store(store));
  std::vector<RegionInventory> inventories(regions.size());
  for_each_region_parallel(regions, [&](size_t i, const std::string& region) {
    inventories[i] = inventory_region(client, region);
  });
  GcPlan plan;
  for (auto& inv : inventories) {
    if (inv.error) {
      plan.failed.push_back(std::move(inv));
      continue;
    }
    auto items = select_leftovers(inv, owned, owner);
    plan.leftovers.insert(plan.leftovers.end(), items.begin(), items.end());
    auto finished = select_finished(inv, owned, owner);
    plan.finished.insert(plan.finished.end(), finished.begin(), finished.end());
  }
  return plan;
}

GcReport remove_leftovers(aws::AwsClient& client, Clock& clock,
                          const std::vector<Leftover>& leftovers, const WaitPolicy& wait,
                          const RetryPolicy& retry) {
  std::map<std::string, std::vector<Leftover>> by_region;
  for (const auto& item : leftovers) {
    by_region[item.region].push_back(item);
  }
  std::vector<std::string> regions;
  regions.reserve(by_region.size());
  for (const auto& [region, items] : by_region) {
    regions.push_back(region);
  }
  std::vector<GcReport> reports(regions.size());
  for_each_region_parallel(regions, [&](size_t i, const std::string& region) {
    remove_region(client, clock, by_region.at(region), wait, retry, reports[i]);
  });
  GcReport out;
  for (auto& r : reports) {
    out.removed.insert(out.removed.end(), r.removed.begin(), r.removed.end());
    out.failed.insert(out.failed.end(), r.failed.begin(), r.failed.end());
  }
  return out;
}

Result<GcPlan> find_leftovers_everywhere(aws::AwsClient& client, state::BoxStore& store,
                                         std::string_view home_region, std::string_view owner) {
  GPUBOX_TRY_ASSIGN(regions, aws::enabled_region_names(client, home_region));
  GPUBOX_TRY_ASSIGN(plan, find_leftovers(client, store, regions, owner));
  if (!regions.empty() && plan.failed.size() == regions.size()) {
    std::vector<std::string> failed;
    failed.reserve(plan.failed.size());
    for (const auto& f : plan.failed) {
      failed.push_back(f.region);
    }
    Error e = *plan.failed.front().error;
    e.message =
        fmt::format("could not look in any region ({}): {}", fmt::join(failed, ", "), e.message);
    return fail(std::move(e));
  }
  return plan;
}

}  // namespace gpubox::box
