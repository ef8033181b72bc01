#include "box/fleet/lifecycle.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "aws/ec2_network.hpp"
#include "box/access/caller_ip.hpp"
#include "box/access/ssh_config.hpp"
#include "box/launch/consistency.hpp"
#include "box/launch/launch.hpp"
#include "box/money/cost.hpp"
#include "box/names.hpp"
#include "box/tags.hpp"

namespace gpubox::box {
namespace {

long long seconds_of(Duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

// Return the instance, or nullopt when AWS does not (or no longer) know it.
Result<std::optional<aws::Instance>> describe_one(aws::AwsClient& client, std::string_view region,
                                                  const std::string& id) {
  aws::DescribeInstancesInput in;
  in.instance_ids = {id};
  auto page = aws::describe_instances(client, region, in);
  if (!page) {
    if (page.error().aws_code == "InvalidInstanceID.NotFound") {
      return std::optional<aws::Instance>{};
    }
    return fail(page.error());
  }
  if (page->instances.empty()) {
    return std::optional<aws::Instance>{};
  }
  return std::optional<aws::Instance>{page->instances.front()};
}

// Return whether an instance in `state` can no longer reach `target`.
bool dead_end(std::string_view state, std::string_view target) {
  if (target == "terminated") {
    return false;
  }
  return state == "shutting-down" || state == "terminated";
}

}  // namespace

Result<void> check_owner(const LifecycleDeps& deps, std::string_view name,
                         const aws::Instance& inst) {
  if (deps.owner.empty()) {
    return {};
  }
  auto it = inst.tags.find(std::string(k_tag_owner));
  const std::string tag = it == inst.tags.end() ? "" : it->second;
  if (same_owner(tag, deps.owner)) {
    return {};
  }
  Error e;
  e.kind = ErrorKind::invalid_input;
  e.message = fmt::format(
      "box '{}' ({}) belongs to {}, not to you ({}); gpubox acts only on your "
      "own boxes",
      name, inst.id, tag.empty() ? "nobody gpubox knows (no owner tag)" : tag, deps.owner);
  e.hint = "`gpubox ls --all-owners` shows who owns what; ask the owner to stop or remove it";
  return fail(std::move(e));
}

namespace {

Result<state::Box> aws_box(state::BoxStore& store, std::string_view name) {
  GPUBOX_TRY_ASSIGN(found, store.find_box(name));
  if (!found) {
    return fail(ErrorKind::not_found, fmt::format("no box named '{}'", name),
                "run `gpubox ls --all-regions`: it finds boxes in every region and adds them");
  }
  if (found->kind != state::BoxKind::aws || found->instance_id.empty()) {
    return fail(ErrorKind::invalid_input,
                fmt::format("box '{}' is not an EC2 instance gpubox launched", name));
  }
  return *found;
}

// Write `inst`'s state and address into `box`; return whether the address changed.
bool take_instance(state::Box& box, const aws::Instance& inst) {
  const bool moved = box.public_ip != inst.public_ip;
  if (box.ssh_host.empty() || box.ssh_host == box.public_ip) {
    box.ssh_host = inst.public_ip;
  }
  box.public_ip = inst.public_ip;
  box.state = inst.state;
  box.zone = inst.zone.empty() ? box.zone : inst.zone;
  return moved;
}

Result<void> save(const LifecycleDeps& deps, const state::Box& box) {
  GPUBOX_TRY(deps.store.update_box(box));
  state::LedgerEntry e{box.name, box.instance_id, box.state, deps.clock.now(),
                       box.price_per_hour_usd};
  GPUBOX_TRY(deps.store.record_state_change(e));
  return {};
}

Result<long long> disk_gib_of(aws::AwsClient& client, std::string_view region,
                              const aws::Instance& inst) {
  aws::DescribeVolumesInput in;
  for (const auto& bd : inst.block_devices) {
    in.volume_ids.push_back(bd.volume_id);
  }
  if (in.volume_ids.empty()) {
    return 0LL;
  }
  GPUBOX_TRY_ASSIGN(page, aws::describe_volumes(client, region, in));
  long long total = 0;
  for (const auto& v : page.volumes) {
    total += v.size_gib;
  }
  return total;
}

Error start_refused(const state::Box& box, Error e) {
  const std::string where = box.zone.empty() ? box.region : box.zone;
  if (e.aws_code == "InsufficientInstanceCapacity") {
    e.kind = ErrorKind::capacity;
    e.message = fmt::format(
        "AWS has no {} capacity in {} to start box '{}' right now; start resumes this same "
        "instance in place and never launches a replacement elsewhere",
        box.instance_type, where, box.name);
    e.hint = fmt::format(
        "try `gpubox start {}` again in a few minutes, or `gpubox down {}` and `gpubox up` "
        "to launch a new box where there is capacity",
        box.name, box.name);
  } else if (e.aws_code == "VcpuLimitExceeded") {
    e.kind = ErrorKind::quota;
    e.message = fmt::format(
        "the vCPU quota for {} in {} is used up, so box '{}' cannot start; start resumes this "
        "same instance in place and never launches a replacement elsewhere",
        box.instance_type, box.region, box.name);
    e.hint = fmt::format(
        "stop another box, or ask for more quota: gpubox quota request --type {} --region {} "
        "--count 1",
        box.instance_type, box.region);
  }
  return e;
}

}  // namespace

Result<aws::Instance> wait_for_state(aws::AwsClient& client, Clock& clock, std::string_view region,
                                     const std::string& id, std::string_view target,
                                     const WaitPolicy& policy) {
  const TimePoint deadline = clock.now() + policy.state_timeout;
  std::string last = "unknown";
  while (true) {
    GPUBOX_TRY_ASSIGN(inst, describe_one(client, region, id));
    if (inst && inst->state == target) {
      return *inst;
    }
    if (!inst && target == "terminated") {
      aws::Instance gone;
      gone.id = id;
      gone.state = "terminated";
      return gone;
    }
    if (inst) {
      last = inst->state;
      if (dead_end(inst->state, target)) {
        return fail(ErrorKind::conflict, fmt::format("instance {} became {} while waiting for {}",
                                                     id, inst->state, target));
      }
    }
    if (clock.now() + policy.poll > deadline) {
      Error e;
      e.kind = ErrorKind::network;
      e.retryable = true;
      e.message = fmt::format("instance {} is still {} after {} s of waiting for {}", id, last,
                              seconds_of(policy.state_timeout), target);
      return fail(std::move(e));
    }
    clock.sleep_for(policy.poll);
  }
}

Result<void> terminate_and_wait(aws::AwsClient& client, Clock& clock, std::string_view region,
                                const std::vector<std::string>& ids, const WaitPolicy& policy) {
  if (ids.empty()) {
    return {};
  }
  aws::InstanceIdsInput in;
  in.instance_ids = ids;
  // These ids were just seen live, so NotFound means "not visible to this endpoint yet"
  // (eventual consistency), never "gone": send TerminateInstances again until it is accepted.
  auto r = retry_fresh(clock, [&] { return aws::terminate_instances(client, region, in); });
  if (!r) {
    return fail(r.error());
  }
  for (const auto& id : ids) {
    GPUBOX_TRY(wait_for_state(client, clock, region, id, "terminated", policy));
  }
  return {};
}

Result<int> delete_security_group_with_retry(aws::AwsClient& client, Clock& clock,
                                             std::string_view region, const std::string& group_id,
                                             const RetryPolicy& policy) {
  Duration slept{0};
  Duration delay = policy.first_delay;
  for (int retries = 0;; ++retries) {
    aws::DeleteSecurityGroupInput in;
    in.group_id = group_id;
    auto r = aws::delete_security_group(client, region, in);
    if (r || r.error().aws_code == "InvalidGroup.NotFound") {
      return retries;
    }
    // Real AWS refuses while a terminating instance still holds the group's network interface;
    // that clears within a minute or two, so wait and try again, within a bounded total.
    const std::string& code = r.error().aws_code;
    const bool in_use = code == "DependencyViolation" || code == "InvalidGroup.InUse";
    const Duration left = policy.total - slept;
    if (!in_use || left <= Duration{0}) {
      Error e = r.error();
      if (in_use) {
        e.message = fmt::format("security group {} is still in use after {} s: {}", group_id,
                                seconds_of(slept), e.message);
        e.hint = "an instance may still be shutting down; run the command again in a minute";
      }
      return fail(std::move(e));
    }
    const Duration step = std::min(delay, left);
    clock.sleep_for(step);
    slept += step;
    delay = std::min(delay * 2, policy.max_delay);
  }
}

Result<bool> delete_volume_if_present(aws::AwsClient& client, std::string_view region,
                                      const std::string& volume_id) {
  auto r = aws::delete_volume(client, region, volume_id);
  if (!r) {
    if (r.error().aws_code == "InvalidVolume.NotFound") {
      return false;
    }
    return fail(r.error());
  }
  return true;
}

Result<bool> update_caller_rule(aws::AwsClient& client, state::Box& box,
                                std::string_view caller_ip) {
  GPUBOX_TRY_ASSIGN(cidr, to_cidr32(caller_ip));
  const bool single = box.allow_from.ends_with("/32") || box.allow_from.ends_with("/128");
  if (box.allow_from.empty() || !single || box.allow_from == cidr ||
      box.security_group_id.empty()) {
    return false;
  }
  aws::DescribeSecurityGroupsInput din;
  din.group_ids = {box.security_group_id};
  GPUBOX_TRY_ASSIGN(page, aws::describe_security_groups(client, box.region, din));
  aws::IngressInput add{box.security_group_id, {}};
  aws::IngressInput remove{box.security_group_id, {}};
  for (const auto& g : page.groups) {
    for (const auto& perm : g.ingress) {
      for (const auto& range : perm.ip_ranges) {
        // Only the rule `up` made from the detected address moves; a CIDR given with
        // --allow-from (or a rule someone else wrote) is never replaced silently.
        if (range.cidr != box.allow_from || range.description != k_rule_caller) {
          continue;
        }
        aws::IpPermission p = perm;
        p.source_group_ids.clear();
        p.ip_ranges = {aws::IpRange{cidr, std::string(k_rule_caller)}};
        add.permissions.push_back(p);
        p.ip_ranges = {aws::IpRange{box.allow_from, ""}};
        remove.permissions.push_back(std::move(p));
      }
    }
  }
  if (add.permissions.empty()) {
    return false;
  }
  // Authorize first so a failure in between never leaves the box unreachable.
  auto a = aws::authorize_security_group_ingress(client, box.region, add);
  if (!a && a.error().aws_code != "InvalidPermission.Duplicate") {
    return fail(a.error());
  }
  auto r = aws::revoke_security_group_ingress(client, box.region, remove);
  if (!r && r.error().aws_code != "InvalidPermission.NotFound") {
    return fail(r.error());
  }
  box.allow_from = cidr;
  return true;
}

Result<state::Box> refresh_box(const LifecycleDeps& deps, std::string_view name,
                               const LocalFiles& files) {
  GPUBOX_TRY_ASSIGN(box, aws_box(deps.store, name));
  GPUBOX_TRY_ASSIGN(inst, describe_one(deps.client, box.region, box.instance_id));
  if (!inst || inst->state == "terminated") {
    return fail(ErrorKind::not_found, fmt::format("box '{}' ({}) no longer exists in {}", name,
                                                  box.instance_id, box.region));
  }
  GPUBOX_TRY(check_owner(deps, name, *inst));
  const std::string state_before = box.state;
  if (take_instance(box, *inst) || state_before != box.state) {
    GPUBOX_TRY(save(deps, box));
    GPUBOX_TRY(refresh_ssh_config(deps.store, files));
  }
  return box;
}

Result<StopReport> stop_box(const LifecycleDeps& deps, std::string_view name,
                            const LocalFiles& files, const WaitPolicy& wait) {
  GPUBOX_TRY_ASSIGN(box, aws_box(deps.store, name));
  GPUBOX_TRY_ASSIGN(current, describe_one(deps.client, box.region, box.instance_id));
  if (!current || dead_end(current->state, "stopped")) {
    return fail(ErrorKind::not_found, fmt::format("box '{}' ({}) no longer exists in {}", name,
                                                  box.instance_id, box.region));
  }
  GPUBOX_TRY(check_owner(deps, name, *current));
  StopReport rep;
  rep.already_stopped = current->state == "stopped";
  if (!rep.already_stopped) {
    deps.progress.say(fmt::format("stopping {} ({}) in {}", name, box.instance_id, box.region));
    aws::InstanceIdsInput in;
    in.instance_ids = {box.instance_id};
    GPUBOX_TRY(aws::stop_instances(deps.client, box.region, in));
  }
  GPUBOX_TRY_ASSIGN(
      inst, wait_for_state(deps.client, deps.clock, box.region, box.instance_id, "stopped", wait));
  take_instance(box, inst);
  auto disk = disk_gib_of(deps.client, box.region, inst);
  rep.disk_gib = disk && *disk > 0 ? *disk : box.disk_gb;
  box.disk_gb = rep.disk_gib > 0 ? static_cast<int>(rep.disk_gib) : box.disk_gb;
  rep.disk_usd_per_month =
      static_cast<double>(rep.disk_gib) * ebs_gp3_usd_per_gib_month(box.region);
  GPUBOX_TRY(save(deps, box));
  GPUBOX_TRY(refresh_ssh_config(deps.store, files));
  rep.box = box;
  return rep;
}

Result<StartReport> start_box(const LifecycleDeps& deps, std::string_view name,
                              const LocalFiles& files, std::optional<std::string> caller_ip,
                              const WaitPolicy& wait) {
  GPUBOX_TRY_ASSIGN(box, aws_box(deps.store, name));
  GPUBOX_TRY_ASSIGN(current, describe_one(deps.client, box.region, box.instance_id));
  if (!current || dead_end(current->state, "running")) {
    return fail(
        ErrorKind::not_found,
        fmt::format("box '{}' ({}) is terminated; start only resumes the same instance", name,
                    box.instance_id),
        fmt::format("`gpubox down {}` cleans up what is left; `gpubox up` launches a new box",
                    name));
  }
  GPUBOX_TRY(check_owner(deps, name, *current));
  StartReport rep;
  rep.old_address = box.public_ip;
  rep.already_running = current->state == "running" || current->state == "pending";
  if (!rep.already_running) {
    if (current->state == "stopping") {
      GPUBOX_TRY_ASSIGN(stopped, wait_for_state(deps.client, deps.clock, box.region,
                                                box.instance_id, "stopped", wait));
      (void)stopped;
    }
    deps.progress.say(fmt::format("starting {} ({}) in {}", name, box.instance_id, box.zone));
    aws::InstanceIdsInput in;
    in.instance_ids = {box.instance_id};
    if (auto r = aws::start_instances(deps.client, box.region, in); !r) {
      return fail(start_refused(box, r.error()));
    }
  }
  GPUBOX_TRY_ASSIGN(
      inst, wait_for_state(deps.client, deps.clock, box.region, box.instance_id, "running", wait));
  rep.address_changed = take_instance(box, inst) && !rep.old_address.empty();
  if (caller_ip) {
    GPUBOX_TRY_ASSIGN(changed, update_caller_rule(deps.client, box, *caller_ip));
    rep.rule_updated = changed;
  }
  GPUBOX_TRY(save(deps, box));
  GPUBOX_TRY(refresh_ssh_config(deps.store, files));
  rep.box = box;
  return rep;
}

}  // namespace gpubox::box
