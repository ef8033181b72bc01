#include "cli/deps.hpp"

#include <fmt/format.h>

#include "aws/endpoints.hpp"
#include "aws/service.hpp"
#include "aws/settings.hpp"
#include "box/account.hpp"
#include "box/cluster.hpp"
#include "box/fleet/discovery.hpp"
#include "box/fleet/lifecycle.hpp"
#include "box/launch/host_keys.hpp"
#include "box/tags.hpp"
#include "catalog/catalog.hpp"
#include "cli/output.hpp"
#include "core/filesystem.hpp"
#include "remote/ssh.hpp"

namespace gpubox::cli {

Result<box::ByoDeps> byo_deps(Env& env) {
  GPUBOX_TRY_ASSIGN(store, env.store());
  GPUBOX_TRY_ASSIGN(dir, env.data_dir());
  return box::ByoDeps{*store,
                      env.runner,
                      env.clock,
                      dir,
                      box::LocalFiles{dir, {}}.known_hosts(),
                      env.connect_policy(),
                      env.progress(),
                      std::filesystem::path(env.home()) / ".ssh" / "known_hosts"};
}

Result<std::string> caller_owner(aws::AwsClient& client, std::string_view region) {
  // STS answers in every region: without a configured one, ask us-east-1.
  GPUBOX_TRY_ASSIGN(arn, box::caller_arn(client, region.empty() ? "us-east-1" : region));
  return box::owner_from_arn(arn);
}

Result<box::LifecycleDeps> lifecycle_deps(Env& env, aws::AwsClient& client, state::BoxStore& store,
                                          std::string_view region) {
  GPUBOX_TRY_ASSIGN(owner, caller_owner(client, region));
  return box::LifecycleDeps{client, store, env.clock, env.progress(), owner};
}

}  // namespace gpubox::cli

namespace gpubox::cli {

Result<std::string> home_region(Env& env) {
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  if (ctx->settings->region.empty()) {
    // resolve_endpoint words the error (and its hint) for a missing region.
    GPUBOX_TRY(aws::resolve_endpoint(aws::k_ec2, "", *ctx->settings));
  }
  return ctx->settings->region;
}

Result<std::string> any_region(Env& env) {
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  return ctx->settings->region.empty() ? std::string("us-east-1") : ctx->settings->region;
}

Result<state::Box> find_named_box(Env& env, std::string_view ref) {
  GPUBOX_TRY_ASSIGN(store, env.store());
  GPUBOX_TRY_ASSIGN(name, box::ssh_box_name(*store, ref));  // a cluster's node 0, or NAME:K
  GPUBOX_TRY_ASSIGN(stored, store->find_box(name));
  if (stored) {
    return *stored;  // no AWS context (credentials) needed for a box the store knows
  }
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  GPUBOX_TRY_ASSIGN(home, any_region(env));
  const catalog::Catalog* cat = nullptr;
  if (auto c = env.catalog()) {
    cat = *c;
  }
  // Only the caller's own boxes are adopted (the owner tag), as `ls` does.
  auto owner = caller_owner(*ctx->client, home);
  if (!owner) {  // AWS cannot be asked who the caller is, so it cannot be searched either
    Error e = owner.error();
    e.kind = ErrorKind::not_found;
    e.message = fmt::format("no box named {} in local state, and AWS could not be searched: {}",
                            name, owner.error().message);
    return fail(std::move(e));
  }
  box::DiscoverDeps deps{*ctx->client, *store, env.clock, cat, *owner};
  return box::locate_box_everywhere(deps, name, home, env.progress());
}

Result<std::vector<std::string>> member_names(Env& env, std::string_view ref) {
  GPUBOX_TRY_ASSIGN(store, env.store());
  auto parsed = box::parse_box_ref(ref);
  if (parsed && parsed->rank) {
    return std::vector<std::string>{box::node_name(parsed->name, *parsed->rank)};
  }
  GPUBOX_TRY_ASSIGN(boxes, box::resolve_boxes(*store, ref));
  std::vector<std::string> names;
  names.reserve(boxes.size());
  for (const auto& b : boxes) {
    names.push_back(b.name);
  }
  if (names.empty()) {
    names.emplace_back(ref);
  }
  return names;
}

Result<std::optional<ClusterNodes>> cluster_nodes(Env& env, std::string_view ref) {
  GPUBOX_TRY_ASSIGN(store, env.store());
  auto parsed = box::parse_box_ref(ref);
  if (!parsed || parsed->rank) {
    return std::optional<ClusterNodes>{};  // one box: the caller's lookup says what is wrong
  }
  GPUBOX_TRY_ASSIGN(members, box::resolve_boxes(*store, ref));
  if (members.empty() || members.front().cluster.empty()) {
    return std::optional<ClusterNodes>{};
  }
  ClusterNodes out;
  for (const auto& m : members) {
    GPUBOX_TRY_ASSIGN(bt, stored_box_target(env, m.name));
    out.nodes.push_back({m.node_index, std::move(bt.target)});
    out.boxes.push_back(std::move(bt.box));
  }
  return out;
}

Result<void> pin_before_connecting(Env& env, state::BoxStore& store,
                                   const std::filesystem::path& data_dir, state::Box& box) {
  if (box.kind != state::BoxKind::aws || box.host_key_pinned || box.state != "running") {
    return {};
  }
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  auto pinned = box::pin_from_console_once(*ctx->client, env.clock, store, disk_file_system(),
                                           data_dir / "known_hosts", box, env.progress());
  if (!pinned || !*pinned) {
    warn(env.streams, "the host key of " + box.name +
                          " is not verified (its console has printed no keys" +
                          (pinned ? std::string() : ": " + pinned.error().message) +
                          "); the first key it presents is accepted and kept");
  }
  return {};
}

Result<box::BoxTarget> named_box_target(Env& env, std::string_view ref) {
  GPUBOX_TRY_ASSIGN(found, find_named_box(env, ref));  // adopts a box only the cloud knows
  return stored_box_target(env, found.name);
}

Result<box::BoxTarget> stored_box_target(Env& env, std::string_view ref) {
  GPUBOX_TRY_ASSIGN(store, env.store());
  GPUBOX_TRY_ASSIGN(name, box::ssh_box_name(*store, ref));
  GPUBOX_TRY_ASSIGN(dir, env.data_dir());
  // The target first: an address a local stand-in invented is refused before any AWS call.
  GPUBOX_TRY_ASSIGN(bt, box::box_target(*store, name, dir, box::LocalFiles{dir, {}}.known_hosts(),
                                        env.connect_policy()));
  GPUBOX_TRY(pin_before_connecting(env, *store, dir, bt.box));
  bt.target.host_key_pinned = bt.target.host_key_pinned || bt.box.host_key_pinned;
  return bt;
}

}  // namespace gpubox::cli
