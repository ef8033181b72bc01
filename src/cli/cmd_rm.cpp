// gpubox rm: forget a machine added with `gpubox add`.

#include "cli/cmd_rm.hpp"

#include <memory>
#include <ostream>

#include "box/fleet/byo.hpp"
#include "box/fleet/lifecycle.hpp"
#include "cli/app.hpp"
#include "cli/deps.hpp"
#include "remote/ssh.hpp"
#include "state/box_store.hpp"

namespace gpubox::cli {

namespace {

Result<void> rm_one(const RmOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(deps, byo_deps(env));
  GPUBOX_TRY_ASSIGN(found, deps.store.get_box(opts.name));
  if (found.kind == state::BoxKind::byo && !opts.keep_services) {
    auto target = remote::target_for(found, deps.known_hosts, deps.policy);
    auto stopped = target ? box::stop_byo(env.runner, *target) : fail(target.error());
    if (!stopped) {
      env.progress().say("warning: could not stop gpubox's services on " + opts.name + ": " +
                         stopped.error().message);
    }
  }
  GPUBOX_TRY(box::forget_byo_box(deps, opts.name));
  if (opts.json) {
    print_json(env.streams, {{"name", opts.name}, {"forgotten", true}});
    return {};
  }
  env.streams.out << "forgot " << opts.name << "\n";
  return {};
}

}  // namespace

Result<void> run_rm(const RmOptions& opts, Env& env) {
  return for_each_member(env, opts, rm_one);  // every node of a cluster
}

void add_rm_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<RmOptions>();
  auto* cmd = app.add_subcommand("rm", "Forget a machine added with `gpubox add`");
  set_details(
      cmd,
      "Stop gpubox's services on the machine (best effort), close its tunnel, and delete its "
      "token and host key pin here. The machine itself is untouched. AWS boxes: `gpubox down`.");
  cmd->footer("Examples:\n  gpubox rm lab\n  gpubox rm lab --keep-services");
  cmd->add_option("name", opts->name, "The machine")->required();
  cmd->add_flag("--keep-services", opts->keep_services,
                "Leave gpubox's Jupyter and watchdog running on the machine");
  cmd->add_flag("--json", opts->json, "Print one JSON object to stdout");
  cmd->callback([opts, &env] { run_guarded(env, [&] { return run_rm(*opts, env); }); });
}

}  // namespace gpubox::cli
