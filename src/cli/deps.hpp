#pragma once
// Dependency bundles that several commands hand to box/ functions, built from Env in one place.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "box/fleet/byo.hpp"
#include "box/fleet/lifecycle.hpp"
#include "box/jobs/cluster_run.hpp"
#include "cli/env.hpp"
#include "core/error.hpp"
#include "state/box_store.hpp"

namespace gpubox::cli {

// Return what box::add_byo, remove_byo and friends need: the store, processes, clock, data
// directory, known_hosts, the ssh connect policy and progress on stderr.
Result<box::ByoDeps> byo_deps(Env& env);

// Return who the caller is as a gpubox owner (GetCallerIdentity, owner_from_arn): the owner
// stop, start, down, gc and ls act for.
Result<std::string> caller_owner(aws::AwsClient& client, std::string_view region);

// Return lifecycle deps for the caller: progress on stderr and the caller as owner.
Result<box::LifecycleDeps> lifecycle_deps(Env& env, aws::AwsClient& client, state::BoxStore& store,
                                          std::string_view region);

// Return the configured region (flag, environment, config file or AWS profile), or an Error that
// says how to set one, for commands that cannot work without a default region.
Result<std::string> home_region(Env& env);

// Return the box called `name`: from the local store (no AWS call), else found by tag in every
// enabled region; "no box named X" with the nearest names when it is nowhere.
Result<state::Box> find_named_box(Env& env, std::string_view name);

// Return the stored names `ref` stands for: the nodes of cluster `ref` by rank, the node NAME:K,
// else `ref` itself (the caller's lookup then finds it or says it is unknown).
Result<std::vector<std::string>> member_names(Env& env, std::string_view ref);

// Run `one(each, env)` for every stored box `opts.name` stands for (member_names: each node of a
// cluster, in rank order), `each` being `opts` with that name; stop at the first error.
template <class Options, class One>
Result<void> for_each_member(Env& env, const Options& opts, One&& one) {
  GPUBOX_TRY_ASSIGN(names, member_names(env, opts.name));
  for (const std::string& name : names) {
    Options each = opts;
    each.name = name;
    GPUBOX_TRY(one(each, env));
  }
  return {};
}

// Before the first connection to a running AWS `box` whose host keys were never pinned, read its
// console once and pin what it printed (updating `box` and the store); say so when it printed
// nothing, and the first key will be trusted.
Result<void> pin_before_connecting(Env& env, state::BoxStore& store,
                                   const std::filesystem::path& data_dir, state::Box& box);

// Return box `name` (found as find_named_box does, host keys pinned as above) with its ssh target:
// what every command that works on a box over ssh starts with.
Result<box::BoxTarget> named_box_target(Env& env, std::string_view name);

// Return the ssh target of box `name`, already in the store (found by find_named_box), with its
// host keys pinned as above.
Result<box::BoxTarget> stored_box_target(Env& env, std::string_view name);

// When `ref` names a whole cluster (NAME, not NAME:K), return its nodes by rank with their ssh
// targets (host keys pinned first, as stored_box_target does); else nothing, and the caller
// works on one box.
struct ClusterNodes {
  std::vector<state::Box> boxes;
  std::vector<box::JobNode> nodes;
};
Result<std::optional<ClusterNodes>> cluster_nodes(Env& env, std::string_view ref);

// Return a region for calls that any region answers (DescribeRegions, STS): the configured one,
// else us-east-1.
Result<std::string> any_region(Env& env);

}  // namespace gpubox::cli
