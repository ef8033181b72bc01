// gpubox autostop: show or change a box's idle stop and hard cap, live on the box.

#include "cli/cmd_autostop.hpp"

#include <memory>
#include <ostream>

#include <fmt/format.h>

#include "box/fleet/autostop.hpp"
#include "box/onbox/autostop.hpp"
#include "cli/app.hpp"
#include "cli/deps.hpp"

namespace gpubox::cli {
namespace {

void render(Env& env, const state::Box& b, bool json) {
  if (json) {
    print_json(env.streams,
               {{"name", b.name},
                {"idle_minutes", b.idle_minutes > 0 ? nlohmann::json(b.idle_minutes) : nullptr},
                {"max_hours", b.max_hours > 0 ? nlohmann::json(b.max_hours) : nullptr},
                {"text", box::describe_autostop(b.idle_minutes, b.max_hours)}});
    return;
  }
  env.streams.out << fmt::format("{}: auto-stop {}\n", b.name,
                                 box::describe_autostop(b.idle_minutes, b.max_hours));
}

}  // namespace

Result<void> run_autostop(const AutostopOptions& opts, Env& env) {
  box::AutostopChange change;
  if (!opts.idle.empty()) {
    GPUBOX_TRY_ASSIGN(idle, box::parse_idle_minutes(opts.idle));
    change.idle_minutes = idle;
  }
  if (!opts.max_hours.empty()) {
    GPUBOX_TRY_ASSIGN(cap, box::parse_max_hours(opts.max_hours));
    change.max_hours = cap;
  }
  GPUBOX_TRY_ASSIGN(found, find_named_box(env, opts.name));
  if (!change.idle_minutes && !change.max_hours) {
    render(env, found, opts.json);  // nothing to change: show the settings
    return {};
  }
  GPUBOX_TRY_ASSIGN(deps, byo_deps(env));
  GPUBOX_TRY_ASSIGN(b, box::change_autostop(deps, opts.name, change));
  render(env, b, opts.json);
  return {};
}

void add_autostop_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<AutostopOptions>();
  auto* cmd = app.add_subcommand("autostop", "Show or change a box's idle stop and hard cap");
  set_details(cmd,
              "The idle stop (no Jupyter kernel busy, no ssh session, GPU idle) and the hard cap "
              "are the box's safety net. Without options, print them; with --idle or "
              "--max-hours, change them live on the box by running its bootstrap again with the "
              "new settings (Jupyter keeps running).");
  cmd->footer(
      "Examples:\n  gpubox autostop lab\n  gpubox autostop lab --idle 2h\n"
      "  gpubox autostop lab --idle off --max-hours 8");
  cmd->add_option("name", opts->name, "The box")->required();
  cmd->add_option("--idle", opts->idle, "Stop after this long idle: 30m, 2h or off");
  cmd->add_option("--max-hours", opts->max_hours, "Stop after this many hours in any case, or off");
  cmd->add_flag("--json", opts->json, "Print one JSON object to stdout");
  cmd->callback([opts, &env] { run_guarded(env, [&] { return run_autostop(*opts, env); }); });
}

}  // namespace gpubox::cli
