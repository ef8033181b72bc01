#pragma once
// The lifecycle of an existing box: stop (the disk keeps billing), start (the same instance, in
// place, never a replacement elsewhere), down (terminate and delete everything tagged for it),
// and the bookkeeping each one owes: the store, the ledger, the managed SSH config, the pinned
// host key and the security group's /32 rule for the caller's address.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"
#include "aws/ec2_instances.hpp"
#include "box/access/local_files.hpp"
#include "box/launch/wait.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "state/box_store.hpp"

namespace gpubox::box {

struct LifecycleDeps {
  aws::AwsClient& client;
  state::BoxStore& store;
  Clock& clock;
  ProgressSink& progress = null_progress();
  // The caller (owner_from_arn). When set, stop/start/down act only on instances and resources
  // whose gpubox:owner tag names it; another owner's box is refused. Empty: no check (tests).
  std::string owner;
};

// Return an Error when `inst` (box `name`) is tagged with an owner other than `deps.owner`.
Result<void> check_owner(const LifecycleDeps& deps, std::string_view name,
                         const aws::Instance& inst);

// Backoff for calls AWS refuses while something still depends on the resource.
struct RetryPolicy {
  Duration first_delay = std::chrono::seconds(2);
  Duration max_delay = std::chrono::seconds(30);
  Duration total = std::chrono::minutes(5);  // the sum of all sleeps never exceeds this
};

// Poll instance `id` in `region` until it reaches `target`; fail on a state it can no longer
// leave towards `target`, or after `policy.state_timeout`.
Result<aws::Instance> wait_for_state(aws::AwsClient& client, Clock& clock, std::string_view region,
                                     const std::string& id, std::string_view target,
                                     const WaitPolicy& policy = {});

// Terminate `ids` in `region` and wait until each is terminated (or no longer exists).
Result<void> terminate_and_wait(aws::AwsClient& client, Clock& clock, std::string_view region,
                                const std::vector<std::string>& ids, const WaitPolicy& policy = {});

// Delete security group `group_id`, retrying through `clock` while AWS answers
// DependencyViolation or InvalidGroup.InUse; an already deleted group counts as success. Return
// how many retries it took.
Result<int> delete_security_group_with_retry(aws::AwsClient& client, Clock& clock,
                                             std::string_view region, const std::string& group_id,
                                             const RetryPolicy& policy = {});

// Delete volume `volume_id` unless it is already gone; return false when it was gone.
Result<bool> delete_volume_if_present(aws::AwsClient& client, std::string_view region,
                                      const std::string& volume_id);

// Make the /32 rule of `box`'s security group admit `caller_ip` instead of `box.allow_from`
// (authorize the new address, then revoke the old one) and update `box.allow_from`. Only the
// rule `up` made from the detected address moves (its description is k_rule_caller): a CIDR
// the user gave with --allow-from, even a /32, is never replaced. Return whether it changed.
Result<bool> update_caller_rule(aws::AwsClient& client, state::Box& box,
                                std::string_view caller_ip);

// Re-read `name`'s instance from the cloud, write its state and address to the store (and the
// SSH config when the address changed); return the updated box.
Result<state::Box> refresh_box(const LifecycleDeps& deps, std::string_view name,
                               const LocalFiles& files);

struct StopReport {
  state::Box box;
  bool already_stopped = false;
  long long disk_gib = 0;
  double disk_usd_per_month = 0;  // what the stopped box still costs
};

// Stop `name`'s instance, wait until it is stopped, and record it.
Result<StopReport> stop_box(const LifecycleDeps& deps, std::string_view name,
                            const LocalFiles& files, const WaitPolicy& wait = {});

struct StartReport {
  state::Box box;
  bool already_running = false;
  std::string old_address;
  bool address_changed = false;
  bool rule_updated = false;  // the security group now admits the caller's new address
};

// Start `name`'s stopped instance in place, wait until it runs, update its address, the SSH
// config, and (when `caller_ip` is given) the caller's /32 rule. Capacity and quota refusals
// become clear errors: start never launches a replacement elsewhere.
Result<StartReport> start_box(const LifecycleDeps& deps, std::string_view name,
                              const LocalFiles& files, std::optional<std::string> caller_ip,
                              const WaitPolicy& wait = {});

// What `gpubox down` was asked: the command binds its flags straight into this.
struct DownOptions {
  std::string name;
  bool confirmed = false;  // --yes, or the user answered yes; down_box refuses without it
  std::string region;      // where to look when the store does not know the box
  LocalFiles files;
  WaitPolicy wait;
  RetryPolicy retry;
  bool delete_volumes = false;  // --delete-volumes: also the named volumes attached to the box
};

struct DownReport {
  std::string region;
  bool already_gone = false;  // nothing was found to delete
  bool was_in_store = false;
  std::vector<std::string> terminated;
  std::vector<std::string> spot_requests;  // cancelled before terminating
  std::vector<std::string> security_groups;
  std::vector<std::string> key_pairs;
  std::vector<std::string> volumes;
  std::vector<std::string> kept_volumes;           // still attached to something; not deleted
  std::vector<aws::Volume> named_volumes_kept;     // its named volumes (`up --volume`), kept
  std::vector<aws::Volume> named_volumes_deleted;  // ... deleted, with --delete-volumes
  bool key_file_removed = false;
  int security_group_retries = 0;
};

// Cancel `options.name`'s spot requests (a persistent one would relaunch it) and confirm none is
// open, terminate it, wait, delete its security group, key pair (and saved private key
// inside the data directory) and leftover tagged volumes, forget it locally and re-render the SSH
// config. Its named volumes are kept unless `options.delete_volumes`. Refuses unless
// `options.confirmed`. Safe to repeat: a box already gone succeeds with `already_gone`.
Result<DownReport> down_box(const LifecycleDeps& deps, const DownOptions& options);

}  // namespace gpubox::box
