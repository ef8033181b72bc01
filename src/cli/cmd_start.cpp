// gpubox start: resume a stopped box in place (the same instance, never a replacement).

#include "cli/cmd_start.hpp"

#include <memory>
#include <ostream>

#include <fmt/format.h>

#include "box/access/caller_ip.hpp"
#include "box/fleet/autostop.hpp"
#include "box/fleet/lifecycle.hpp"
#include "box/onbox/autostop.hpp"
#include "cli/app.hpp"
#include "cli/deps.hpp"

namespace gpubox::cli {

namespace {

// A bring-your-own machine is always on: start means starting gpubox's services there again.
Result<void> start_byo_box(const StartOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(deps, byo_deps(env));
  GPUBOX_TRY_ASSIGN(b, box::restart_services(deps, opts.name));
  if (opts.json) {
    print_json(env.streams, {{"name", b.name}, {"kind", "byo"}, {"services_started", true}});
    return {};
  }
  env.streams.out << fmt::format("{}: gpubox's services are running (auto-stop {})\n", b.name,
                                 box::describe_autostop(b.idle_minutes, b.max_hours));
  return {};
}

Result<void> start_one(const StartOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(found, find_named_box(env, opts.name));
  if (found.kind == state::BoxKind::byo) {
    return start_byo_box(opts, env);
  }
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  GPUBOX_TRY_ASSIGN(store, env.store());
  GPUBOX_TRY_ASSIGN(dir, env.data_dir());
  GPUBOX_TRY_ASSIGN(deps, lifecycle_deps(env, *ctx->client, *store, ctx->settings->region));
  // The /32 rule follows the caller only when the address can be found; otherwise it stays.
  std::optional<std::string> caller;
  if (auto ip = env.caller_ip().lookup()) {
    caller = *ip;
  }
  GPUBOX_TRY_ASSIGN(
      rep, box::start_box(deps, opts.name, box::LocalFiles{dir, env.connect_policy()}, caller));
  const state::Box& b = rep.box;
  if (opts.json) {
    print_json(env.streams, {{"name", opts.name},
                             {"instance_id", b.instance_id},
                             {"region", b.region},
                             {"state", b.state},
                             {"public_ip", b.public_ip},
                             {"already_running", rep.already_running},
                             {"address_changed", rep.address_changed},
                             {"rule_updated", rep.rule_updated}});
    return {};
  }
  env.streams.out << fmt::format("{} {} ({}) at {}\n", opts.name,
                                 rep.already_running ? "was already running" : "running",
                                 b.instance_id, b.public_ip.empty() ? "-" : b.public_ip);
  if (rep.address_changed) {
    env.progress().say(
        fmt::format("its address changed from {}; the SSH config is updated", rep.old_address));
  }
  if (rep.rule_updated) {
    env.progress().say(fmt::format("its security group now admits {}", b.allow_from));
  }
  return {};
}

}  // namespace

Result<void> run_start(const StartOptions& opts, Env& env) {
  return for_each_member(env, opts, start_one);  // every node of a cluster
}

void add_start_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<StartOptions>();
  auto* cmd = app.add_subcommand("start", "Start a stopped box again, in place");
  set_details(
      cmd,
      "Start the same instance again (same disk, same zone). When AWS has no capacity or quota "
      "for it right now, start says so; it never launches a replacement elsewhere.");
  cmd->footer("Examples:\n  gpubox start mybox\n  gpubox start mybox && gpubox ssh mybox");
  cmd->add_option("name", opts->name, "The box")->required();
  cmd->add_flag("--json", opts->json, "Print one JSON object to stdout");
  cmd->callback([opts, &env] { run_guarded(env, [&] { return run_start(*opts, env); }); });
}

}  // namespace gpubox::cli
