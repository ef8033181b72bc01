// gpubox stop: stop a box's instance; the disk (and what is on it) stays, and keeps billing.

#include "cli/cmd_stop.hpp"

#include <memory>
#include <ostream>

#include <fmt/format.h>

#include "box/fleet/byo.hpp"
#include "box/fleet/lifecycle.hpp"
#include "cli/app.hpp"
#include "cli/deps.hpp"
#include "remote/ssh.hpp"
#include "state/box_store.hpp"

namespace gpubox::cli {

namespace {

// A bring-your-own machine is not ours to power off: stop means stopping gpubox's services.
Result<void> stop_byo_box(const state::Box& b, Env& env, const std::filesystem::path& dir,
                          bool json) {
  GPUBOX_TRY_ASSIGN(target, remote::target_for(b, dir / "known_hosts", env.connect_policy()));
  env.progress().say("stopping gpubox's services on " + b.name);
  GPUBOX_TRY(box::stop_byo(env.runner, target));
  if (json) {
    print_json(env.streams, {{"name", b.name}, {"kind", "byo"}, {"services_stopped", true}});
    return {};
  }
  env.streams.out << fmt::format("{}: gpubox's services stopped; the machine keeps running\n",
                                 b.name);
  return {};
}

Result<void> stop_one(const StopOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(store, env.store());
  GPUBOX_TRY_ASSIGN(dir, env.data_dir());
  GPUBOX_TRY_ASSIGN(found, find_named_box(env, opts.name));
  if (found.kind == state::BoxKind::byo) {
    return stop_byo_box(found, env, dir, opts.json);
  }
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  GPUBOX_TRY_ASSIGN(deps, lifecycle_deps(env, *ctx->client, *store, ctx->settings->region));
  GPUBOX_TRY_ASSIGN(rep,
                    box::stop_box(deps, opts.name, box::LocalFiles{dir, env.connect_policy()}));
  if (opts.json) {
    print_json(env.streams, {{"name", opts.name},
                             {"kind", "aws"},
                             {"instance_id", rep.box.instance_id},
                             {"region", rep.box.region},
                             {"state", "stopped"},
                             {"already_stopped", rep.already_stopped},
                             {"disk_gib", rep.disk_gib},
                             {"disk_usd_per_month", rep.disk_usd_per_month}});
    return {};
  }
  env.streams.out << fmt::format("{} {} ({})\n", opts.name,
                                 rep.already_stopped ? "was already stopped" : "stopped",
                                 rep.box.instance_id);
  if (rep.disk_gib > 0) {
    env.streams.out << fmt::format(
        "its {} GiB disk is still billed: about ${:.2f}/month until `gpubox down {}`\n",
        rep.disk_gib, rep.disk_usd_per_month, opts.name);
  } else {
    env.streams.out << fmt::format("its disk is still billed until `gpubox down {}`\n", opts.name);
  }
  return {};
}

}  // namespace

Result<void> run_stop(const StopOptions& opts, Env& env) {
  return for_each_member(env, opts, stop_one);  // every node of a cluster
}

void add_stop_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<StopOptions>();
  auto* cmd = app.add_subcommand("stop", "Stop a box; its disk is kept (and still billed)");
  set_details(
      cmd,
      "Stop the box's instance. Compute billing stops; the disk keeps your files and is still "
      "billed per GiB-month. `gpubox start` resumes the same instance.");
  cmd->footer("Examples:\n  gpubox stop mybox\n  gpubox stop mybox && gpubox ls");
  cmd->add_option("name", opts->name, "The box")->required();
  cmd->add_flag("--json", opts->json, "Print one JSON object to stdout");
  cmd->callback([opts, &env] { run_guarded(env, [&] { return run_stop(*opts, env); }); });
}

}  // namespace gpubox::cli
