// gpubox status NAME: what the box's idle watchdog sees ("active: 1 kernel(s) busy",
// "idle 12m, stops in 18m"), read over ssh from its status file.

#include "cli/cmd_status.hpp"

#include <memory>
#include <ostream>

#include <fmt/format.h>

#include "box/fleet/byo.hpp"
#include "box/onbox/status.hpp"
#include "cli/app.hpp"
#include "cli/deps.hpp"
#include "state/box_store.hpp"

namespace gpubox::cli {

Result<void> run_status(const StatusOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(found, find_named_box(env, opts.name));
  if (found.kind == state::BoxKind::aws && !found.state.empty() && found.state != "running") {
    // Nothing to ask over ssh: the instance is not running (as last seen by gpubox).
    if (opts.json) {
      print_json(env.streams,
                 {{"name", opts.name}, {"state", found.state}, {"summary", found.state}});
    } else {
      env.streams.out << fmt::format("{}: {}\n", opts.name, found.state);
    }
    return {};
  }
  GPUBOX_TRY_ASSIGN(bt, stored_box_target(env, opts.name));
  GPUBOX_TRY_ASSIGN(state, box::fetch_remote_state(env.runner, bt.target));
  TimePoint now = env.clock.now();
  std::string summary =
      state.status ? box::summarize_status(*state.status, now) : "bootstrapped, no status yet";
  if (opts.json) {
    print_json(env.streams, {{"name", opts.name},
                             {"kind", state::to_string(bt.box.kind)},
                             {"summary", summary},
                             {"jupyter_socket", box::jupyter_socket(state)},
                             {"watchdog", state.status ? *state.status : nlohmann::json()}});
    return {};
  }
  env.streams.out << fmt::format("{}: {}\n", opts.name, summary);
  return {};
}

void add_status_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<StatusOptions>();
  auto* cmd = app.add_subcommand("status", "Show what a box's idle watchdog sees");
  set_details(
      cmd,
      "Read the box's watchdog status over ssh: whether it is active (and why: a busy kernel, an "
      "ssh session, GPU load) or idle, and when it stops by itself.");
  cmd->footer("Examples:\n  gpubox status mybox\n  gpubox status mybox --json");
  cmd->add_option("name", opts->name, "The box")->required();
  cmd->add_flag("--json", opts->json, "Print one JSON object (with the raw watchdog status)");
  cmd->callback([opts, &env] { run_guarded(env, [&] { return run_status(*opts, env); }); });
}

}  // namespace gpubox::cli
