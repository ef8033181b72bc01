// `down`: terminate a box and delete everything tagged for it (lifecycle.hpp).

#include <algorithm>
#include <future>
#include <system_error>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "aws/ec2_network.hpp"
#include "box/access/known_hosts.hpp"
#include "box/access/ssh_config.hpp"
#include "box/fleet/discovery.hpp"
#include "box/fleet/lifecycle.hpp"
#include "box/fleet/spot.hpp"
#include "box/launch/consistency.hpp"
#include "box/launch/launch.hpp"
#include "box/onbox/bootstrap.hpp"
#include "box/tags.hpp"
#include "box/volumes/volumes.hpp"

namespace gpubox::box {
namespace {

aws::Filter box_tag(std::string_view name) {
  return {"tag:" + std::string(k_tag_box), {std::string(name)}};
}

// Return whether `tags` say the caller owns the resource (always, when no owner is set).
bool owned(const LifecycleDeps& deps, const aws::Tags& tags) {
  if (deps.owner.empty()) {
    return true;
  }
  auto it = tags.find(std::string(k_tag_owner));
  return it != tags.end() && same_owner(it->second, deps.owner);
}

void add_unique(std::vector<std::string>& list, const std::string& value) {
  if (!value.empty() && std::ranges::find(list, value) == list.end()) {
    list.push_back(value);
  }
}

// Return the live instances tagged for `name`, plus the store's instance when it is live.
// Add the named volume `inst` uses (its gpubox:volume tag, set by `up --volume`) to `volumes`.
void add_volume_of(const aws::Instance& inst, std::vector<std::string>& volumes) {
  auto it = inst.tags.find(std::string(k_tag_volume));
  if (it != inst.tags.end()) {
    add_unique(volumes, it->second);
  }
}

Result<std::vector<std::string>> live_instances(const LifecycleDeps& deps, std::string_view region,
                                                std::string_view name, const std::string& stored_id,
                                                std::vector<std::string>& volumes) {
  aws::AwsClient& client = deps.client;
  aws::DescribeInstancesInput in;
  in.filters = {box_tag(name), {"instance-state-name", live_instance_states()}};
  GPUBOX_TRY_ASSIGN(page, aws::describe_instances(client, region, in));
  std::vector<std::string> ids;
  for (const auto& i : page.instances) {
    if (i.id == stored_id) {
      GPUBOX_TRY(check_owner(deps, name, i));
    }
    if (owned(deps, i.tags)) {
      add_unique(ids, i.id);
      add_volume_of(i, volumes);
    }
  }
  if (!stored_id.empty() && std::ranges::find(ids, stored_id) == ids.end()) {
    aws::DescribeInstancesInput by_id;
    by_id.instance_ids = {stored_id};
    auto one = aws::describe_instances(client, region, by_id);
    if (!one && one.error().aws_code != "InvalidInstanceID.NotFound") {
      return fail(one.error());
    }
    const auto& live = live_instance_states();
    for (const auto& i : one ? one->instances : std::vector<aws::Instance>{}) {
      if (std::ranges::find(live, i.state) != live.end()) {
        GPUBOX_TRY(check_owner(deps, name, i));
        add_unique(ids, i.id);
        add_volume_of(i, volumes);
      }
    }
  }
  return ids;
}

// Add the live instances that `name`'s open launch records in `region` name, by instance id or
// else by ClientToken: right after a launch a tag lookup may not see the instance yet, the
// records do. An id launched minutes ago that EC2 does not show yet is not taken for gone.
Result<void> add_recorded_instances(const LifecycleDeps& deps, std::string_view region,
                                    std::string_view name, std::vector<std::string>& ids) {
  GPUBOX_TRY_ASSIGN(records, deps.store.launches(name));
  const auto& live = live_instance_states();
  for (const auto& r : records) {
    const bool open =
        r.status == state::LaunchStatus::pending || r.status == state::LaunchStatus::launched;
    if (!open || r.region != region) {
      continue;
    }
    aws::DescribeInstancesInput in;
    if (!r.instance_id.empty()) {
      in.instance_ids = {r.instance_id};
    } else {
      in.filters = {{"client-token", {r.client_token}}};
    }
    auto describe = [&] { return aws::describe_instances(deps.client, region, in); };
    const bool recent = deps.clock.now() - r.created_at < std::chrono::minutes(15);
    auto page = recent ? retry_fresh(deps.clock, describe) : describe();
    if (!page && page.error().aws_code == "InvalidInstanceID.NotFound") {
      if (recent) {
        return fail(ErrorKind::remote,
                    fmt::format("EC2 does not show {} of box {} yet (launched moments ago); not "
                                "calling it gone",
                                r.instance_id, name),
                    fmt::format("run `gpubox down {}` again in a minute", name));
      }
      continue;  // launched long ago and no longer listed: gone
    }
    if (!page) {
      return fail(page.error());
    }
    for (const auto& i : page->instances) {
      if (std::ranges::find(live, i.state) != live.end()) {
        add_unique(ids, i.id);
      }
    }
  }
  return {};
}

// Remove what gpubox keeps locally for box `name` whatever the store knew: its created private
// key (keys/gpubox-NAME.pem) and its Jupyter token (tokens/NAME).
bool remove_local_secrets(const LocalFiles& files, std::string_view name) {
  const auto pem = created_key_path(files.data_dir / "keys", name);
  auto removed = files.fs->remove_file(pem);
  (void)files.fs->remove_file(pem.string() + ".pub");
  (void)files.fs->remove_file(jupyter_token_path(files.data_dir, name));
  return removed && *removed;
}

Result<std::vector<std::string>> tagged_groups(const LifecycleDeps& deps, std::string_view region,
                                               std::string_view name, const std::string& stored) {
  aws::DescribeSecurityGroupsInput in;
  in.filters = {box_tag(name)};
  GPUBOX_TRY_ASSIGN(page, aws::describe_security_groups(deps.client, region, in));
  std::vector<std::string> ids;
  for (const auto& g : page.groups) {
    if (owned(deps, g.tags)) {
      add_unique(ids, g.id);
    }
  }
  add_unique(ids, stored);  // deleting an unknown group counts as done
  return ids;
}

Result<std::vector<std::string>> tagged_keys(const LifecycleDeps& deps, std::string_view region,
                                             std::string_view name, const std::string& stored) {
  aws::AwsClient& client = deps.client;
  aws::DescribeKeyPairsInput in;
  in.filters = {box_tag(name)};
  GPUBOX_TRY_ASSIGN(keys, aws::describe_key_pairs(client, region, in));
  std::vector<std::string> names;
  for (const auto& k : keys) {
    if (owned(deps, k.tags)) {
      add_unique(names, k.name);
    }
  }
  // Found by tags only: a key pair merely named like the box may be someone else's.
  (void)stored;
  return names;
}

Result<void> delete_volumes(const LifecycleDeps& deps, std::string_view region,
                            std::string_view name, DownReport& rep) {
  aws::DescribeVolumesInput in;
  in.filters = {box_tag(name)};
  GPUBOX_TRY_ASSIGN(page, aws::describe_volumes(deps.client, region, in));
  for (const auto& v : page.volumes) {
    if (!owned(deps, v.tags)) {
      continue;
    }
    if (v.state != "available") {
      rep.kept_volumes.push_back(v.id);
      continue;
    }
    GPUBOX_TRY_ASSIGN(deleted, delete_volume_if_present(deps.client, region, v.id));
    if (deleted) {
      rep.volumes.push_back(v.id);
    }
  }
  return {};
}

// Remove the saved private key, but only a file gpubox wrote inside its data directory: a key
// the user brought stays where it is.
bool remove_key_file(const LocalFiles& files, const std::string& key_path) {
  if (key_path.empty() || files.data_dir.empty()) {
    return false;
  }
  auto key = std::filesystem::path(key_path).lexically_normal();
  auto rel = key.lexically_relative(files.data_dir.lexically_normal());
  if (rel.empty() || rel.native().starts_with("..")) {
    return false;
  }
  auto removed = files.fs->remove_file(key);
  (void)files.fs->remove_file(key.string() + ".pub");
  return removed && *removed;
}

Result<void> forget_locally(const LifecycleDeps& deps, std::string_view name,
                            const DownOptions& options, bool in_store) {
  if (in_store) {
    if (auto r = deps.store.remove_box(name); !r && r.error().kind != ErrorKind::not_found) {
      return r;
    }
  } else
    GPUBOX_TRY(deps.store.end_launches(name));
  GPUBOX_TRY(unpin_host_keys(*options.files.fs, options.files.known_hosts(), name));
  return refresh_ssh_config(deps.store, options.files);
}

}  // namespace

Result<DownReport> down_box(const LifecycleDeps& deps, const DownOptions& options) {
  const std::string_view name = options.name;
  if (!options.confirmed) {
    return fail(ErrorKind::invalid_input, "not confirmed; nothing was deleted",
                "pass --yes to delete without asking");
  }
  GPUBOX_TRY_ASSIGN(stored, deps.store.find_box(name));
  DownReport rep;
  rep.was_in_store = stored.has_value();
  const state::Box box = stored.value_or(state::Box{});
  rep.region = box.region.empty() ? options.region : box.region;
  if (rep.was_in_store && box.kind == state::BoxKind::byo) {
    return fail(ErrorKind::invalid_input,
                fmt::format("box '{}' is your own machine; gpubox does not terminate it", name));
  }
  // What belongs to the box is looked up at once: its instances, security groups and key pairs.
  auto groups_found = std::async(std::launch::async, [&] {
    return tagged_groups(deps, rep.region, name, box.security_group_id);
  });
  auto keys_found = std::async(std::launch::async,
                               [&] { return tagged_keys(deps, rep.region, name, box.key_name); });
  std::vector<std::string> volume_names;
  auto live = live_instances(deps, rep.region, name, box.instance_id, volume_names);
  auto groups = groups_found.get();
  auto keys = keys_found.get();
  GPUBOX_TRY_ASSIGN(ids, std::move(live));
  GPUBOX_TRY(groups);
  GPUBOX_TRY(keys);
  GPUBOX_TRY(add_recorded_instances(deps, rep.region, name, ids));
  // The named volumes the box used (its gpubox:volume tag): kept, or deleted once detached when
  // asked, but only one attached to this box or to nothing (never one another box uses now).
  std::vector<aws::Volume> named;
  for (const auto& volume_name : volume_names) {
    GPUBOX_TRY_ASSIGN(found, find_volume(deps.client, rep.region, volume_name, deps.owner));
    const bool ours =
        found && std::ranges::all_of(found->attachments, [&](const aws::VolumeAttachment& a) {
          return std::ranges::find(ids, a.instance_id) != ids.end();
        });
    if (ours) {
      named.push_back(std::move(*found));
    }
  }
  // Cancel first: terminating the instance of a persistent request makes EC2 launch another.
  GPUBOX_TRY_ASSIGN(spot, open_spot_requests(deps.client, rep.region, name, ids));
  if (!spot.empty()) {
    deps.progress.say(
        fmt::format("cancelling spot request {} first (a persistent request would "
                    "launch a replacement)",
                    spot.front().id));
  }
  GPUBOX_TRY_ASSIGN(cancelled, cancel_and_confirm(deps.client, rep.region, spot));
  rep.spot_requests = cancelled;
  if (!ids.empty()) {
    deps.progress.say(fmt::format("terminating {} in {}", fmt::join(ids, ", "), rep.region));
  }
  // A key pair may go while its instance shuts down (the instance keeps the key it booted with).
  auto keys_deleted = std::async(std::launch::async, [&]() -> Result<std::vector<std::string>> {
    std::vector<std::string> deleted;
    for (const auto& k : *keys) {
      aws::DeleteKeyPairInput in;
      in.key_name = k;
      GPUBOX_TRY(aws::delete_key_pair(deps.client, rep.region, in));
      deleted.push_back(k);
    }
    return deleted;
  });
  auto terminated = terminate_and_wait(deps.client, deps.clock, rep.region, ids, options.wait);
  auto deleted_keys = keys_deleted.get();
  GPUBOX_TRY(terminated);
  rep.terminated = ids;
  GPUBOX_TRY_ASSIGN(key_names, std::move(deleted_keys));
  rep.key_pairs = key_names;
  // Once the instance is gone, its groups and any volume it left behind go at once.
  DownReport volumes;
  auto volumes_deleted = std::async(
      std::launch::async, [&] { return delete_volumes(deps, rep.region, name, volumes); });
  Result<void> groups_deleted;
  for (const auto& g : *groups) {
    auto retries =
        delete_security_group_with_retry(deps.client, deps.clock, rep.region, g, options.retry);
    if (!retries) {
      groups_deleted = fail(retries.error());
      break;
    }
    rep.security_group_retries += *retries;
    rep.security_groups.push_back(g);
  }
  auto volumes_done = volumes_deleted.get();
  GPUBOX_TRY(groups_deleted);
  GPUBOX_TRY(volumes_done);
  rep.volumes = volumes.volumes;
  rep.kept_volumes = volumes.kept_volumes;
  for (auto& v : named) {
    if (!options.delete_volumes) {
      rep.named_volumes_kept.push_back(std::move(v));
      continue;
    }
    deps.progress.say(fmt::format("deleting volume {} ({})", volume_name_of(v.tags), v.id));
    GPUBOX_TRY(delete_named_volume(VolumeDeps{deps.client,
                                              deps.clock,
                                              deps.progress,
                                              {options.wait.poll, options.wait.state_timeout}},
                                   rep.region, v));
    rep.named_volumes_deleted.push_back(std::move(v));
  }
  rep.key_file_removed = remove_key_file(options.files, box.key_path);
  if (!options.files.data_dir.empty() && remove_local_secrets(options.files, name)) {
    rep.key_file_removed = true;  // also when the box was rediscovered, not stored
  }
  GPUBOX_TRY(forget_locally(deps, name, options, rep.was_in_store));
  rep.already_gone = !rep.was_in_store && rep.terminated.empty() && rep.spot_requests.empty() &&
                     rep.security_groups.empty() && rep.key_pairs.empty() && rep.volumes.empty();
  return rep;
}

}  // namespace gpubox::box
