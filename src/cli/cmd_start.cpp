// gpubox start: resume a stopped box in place (the same instance, never a replacement).

#include "cli/cmd_start.hpp"

#include <memory>
#include <ostream>

#include <fmt/format.h>

#include "box/access/caller_ip.hpp"
#include "box/fleet/lifecycle.hpp"
#include "cli/app.hpp"
#include "cli/deps.hpp"

namespace gpubox::cli {

Result<void> run_start(const StartOptions& opts, Env& env) {
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

void add_start_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<StartOptions>();
  auto* cmd = app.add_subcommand("start", "Start a stopped box again, in place");
  set_details(
      cmd,
      "Start the same instance again (same disk, same zone). When AWS has no capacity or quota "
      "for it right now, start says so; it never launches a replacement elsewhere.");
  cmd->footer("Examples:\n  gpubox start mybox\n  gpubox start mybox && gpubox ssh mybox");
  cmd->add_option("name", opts->name, "The box")->required();
  cmd->callback([opts, &env] { run_guarded(env, [&] { return run_start(*opts, env); }); });
}

}  // namespace gpubox::cli
