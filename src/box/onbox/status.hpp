#pragma once
// What a box's idle watchdog says, read over ssh from its status file
// (PREFIX/run/status.json, see onbox/README.md), and the one-line view `gpubox status` and
// `gpubox ls` show: "active: 1 kernel(s) busy", "idle 12m, stops in 18m".

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/process.hpp"
#include "remote/ssh.hpp"

namespace gpubox::box {

// The bootstrap's files on a box: where it installed them, its watchdog config, its status.
struct RemoteState {
  std::string prefix;                    // "/opt/gpubox" or "~/.gpubox" expanded on the box
  nlohmann::json config;                 // PREFIX/etc/watchdog.json
  std::optional<nlohmann::json> status;  // PREFIX/run/status.json; none before the first round
};

// Return the remote shell command that prints the bootstrap's prefix, config and status.
std::string remote_state_command();

// Parse the output of remote_state_command(); not_found when the box was never bootstrapped.
Result<RemoteState> parse_remote_state(std::string_view output);

// Read the bootstrap's state from `target` in one ssh call.
Result<RemoteState> fetch_remote_state(ProcessRunner& runner, const remote::SshTarget& target);

// Return the absolute path of Jupyter's Unix socket on the box from `state`'s config
// ("jupyter_sock"); empty when the bootstrap there does not run Jupyter on one (an older
// bootstrap), or when the path is not one ssh can forward (relative, or holding ':' or spaces).
std::string jupyter_socket(const RemoteState& state);

// Return `d` as "45s", "12m" or "2h05m".
std::string short_duration(std::chrono::seconds d);

// Return the one-line view of watchdog `status` at `now`: "active: ...", "idle 12m, stops in
// 18m", "idle 3m, no auto-stop", "stopping: hard cap reached", or "unknown: ..." when a signal
// source fails; " (status 7m old)" is added when the watchdog has not written it recently.
std::string summarize_status(const nlohmann::json& status, TimePoint now);

// Return the one-line view of `target`'s watchdog at `now` (for `gpubox ls`): the summary, or
// "bootstrapped, no status yet" before the watchdog's first round.
Result<std::string> box_status_line(ProcessRunner& runner, const remote::SshTarget& target,
                                    TimePoint now);

// Return the UTC time in `iso` ("2026-01-02T03:04:05Z"); nullopt when it is not one.
std::optional<TimePoint> parse_utc(std::string_view iso);

}  // namespace gpubox::box
