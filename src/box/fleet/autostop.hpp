#pragma once
// `gpubox autostop`: change a running box's idle stop and hard cap in place, by running the
// box's own bootstrap again with the new settings (it rewrites the watchdog's config and the cap
// timer, and leaves Jupyter alone), then recording them locally.

#include <optional>
#include <string_view>

#include "box/fleet/byo.hpp"
#include "core/error.hpp"
#include "state/box_store.hpp"

namespace gpubox::box {

// The settings to change; a field left empty keeps the box's current value.
struct AutostopChange {
  std::optional<int> idle_minutes;  // 0 = off
  std::optional<double> max_hours;  // 0 = off
};

// Apply `change` to box `name` (reached with `deps`) and return the box as stored afterwards. A
// stopped EC2 box is refused: its bootstrap runs only while it runs.
Result<state::Box> change_autostop(const ByoDeps& deps, std::string_view name,
                                   const AutostopChange& change);

// Run box `name`'s bootstrap again with its stored settings: it starts whatever of gpubox's
// services (Jupyter, watchdog, cap) is stopped and changes nothing else. `start` of a byo box.
Result<state::Box> restart_services(const ByoDeps& deps, std::string_view name);

}  // namespace gpubox::box
