#include "box/fleet/autostop.hpp"

#include <fmt/format.h>

#include "box/onbox/autostop.hpp"
#include "box/onbox/bootstrap.hpp"
#include "box/onbox/status.hpp"

namespace gpubox::box {

Result<state::Box> change_autostop(const ByoDeps& deps, std::string_view name,
                                   const AutostopChange& change) {
  // A stopped EC2 box is refused before anything is reached or written.
  if (auto stored = deps.store.find_box(name); stored && *stored) {
    const state::Box& b = **stored;
    if (b.kind == state::BoxKind::aws && b.state != "running") {
      return fail(ErrorKind::invalid_input,
                  fmt::format("{} is {}, not running: its auto-stop lives on the box", name,
                              b.state.empty() ? "in an unknown state" : b.state),
                  fmt::format("`gpubox start {}` first", name));
    }
  }
  GPUBOX_TRY_ASSIGN(bt, box_target(deps.store, name, deps.data_dir, deps.known_hosts, deps.policy));
  state::Box box = bt.box;
  const bool aws = box.kind == state::BoxKind::aws;
  box.idle_minutes = change.idle_minutes.value_or(box.idle_minutes);
  box.max_hours = change.max_hours.value_or(box.max_hours);
  BootstrapOptions options = bootstrap_options_for(box, bt.token);
  deps.progress.say(change.idle_minutes || change.max_hours
                        ? fmt::format("setting {}'s auto-stop to {}", name,
                                      describe_autostop(box.idle_minutes, box.max_hours))
                        : fmt::format("starting gpubox's services on {}", name));
  GPUBOX_TRY(run_bootstrap(deps.runner, bt.target, options, aws));
  GPUBOX_TRY_ASSIGN(after, fetch_remote_state(deps.runner, bt.target));
  const auto& cfg = after.config;
  const bool idle_ok = box.idle_minutes > 0
                           ? cfg.value("idle_seconds", nlohmann::json()) == box.idle_minutes * 60
                           : cfg.value("idle_seconds", nlohmann::json(0)).is_null();
  if (!idle_ok) {
    return fail(ErrorKind::remote,
                fmt::format("the bootstrap on {} ran, but its watchdog config still says idle "
                            "{}",
                            name, cfg.value("idle_seconds", nlohmann::json()).dump()));
  }
  GPUBOX_TRY(deps.store.update_box(box));
  return box;
}

Result<state::Box> restart_services(const ByoDeps& deps, std::string_view name) {
  return change_autostop(deps, name, AutostopChange{});
}

}  // namespace gpubox::box
