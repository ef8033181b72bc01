#include "box/onbox/status.hpp"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "core/strings.hpp"

namespace gpubox::box {
namespace {

using std::chrono::seconds;

constexpr std::string_view k_prefix_marker = "GPUBOX_PREFIX ";
constexpr std::string_view k_config_marker = "\nGPUBOX_CONFIG\n";
constexpr std::string_view k_status_marker = "\nGPUBOX_STATUS\n";
constexpr seconds k_stale_after{300};

std::optional<TimePoint> time_field(const nlohmann::json& status, const char* key) {
  auto it = status.find(key);
  if (it == status.end() || !it->is_string()) {
    return std::nullopt;
  }
  return parse_utc(it->get<std::string>());
}

seconds until(TimePoint from, TimePoint to) {
  return std::max(seconds(0), std::chrono::duration_cast<seconds>(to - from));
}

// Return the watchdog's reasons without their "source: " prefix, joined by ", ".
std::string reasons(const nlohmann::json& why) {
  std::string out;
  for (const auto& item : why) {
    if (!item.is_string()) {
      continue;
    }
    std::string text = item.get<std::string>();
    if (auto colon = text.find(": "); colon != std::string::npos && colon < 10) {
      text = text.substr(colon + 2);
    }
    out += (out.empty() ? "" : ", ") + text;
  }
  return out;
}

std::string stop_clause(const nlohmann::json& status, TimePoint now, bool idle) {
  auto stops = time_field(status, "stops_at");
  if (!stops) {
    return idle ? ", no auto-stop" : "";
  }
  auto cap = time_field(status, "hard_cap_at");
  bool by_cap = cap && *cap <= *stops;
  if (!idle && !by_cap) {
    return "";  // an active box does not stop for idleness
  }
  return fmt::format("{} in {}", by_cap ? ", hard cap" : ", stops",
                     short_duration(until(now, *stops)));
}

}  // namespace

std::string remote_state_command() {
  // /opt/gpubox is where a root bootstrap with systemd installs; ~/.gpubox otherwise.
  return "for p in /opt/gpubox ~/.gpubox; do if [ -f \"$p/etc/watchdog.json\" ]; then "
         "printf 'GPUBOX_PREFIX %s\\nGPUBOX_CONFIG\\n' \"$p\"; cat \"$p/etc/watchdog.json\"; "
         "printf '\\nGPUBOX_STATUS\\n'; cat \"$p/run/status.json\" 2>/dev/null; exit 0; fi; done; "
         "echo 'gpubox: not bootstrapped' >&2; exit 3";
}

Result<RemoteState> parse_remote_state(std::string_view output) {
  auto p = output.find(k_prefix_marker);
  auto c = output.find(k_config_marker);
  auto s = output.find(k_status_marker);
  if (p == std::string_view::npos || c == std::string_view::npos || s == std::string_view::npos ||
      !(p < c && c < s)) {
    return fail(ErrorKind::not_found, "gpubox's bootstrap has not run on this box");
  }
  RemoteState state;
  auto prefix_start = p + k_prefix_marker.size();
  state.prefix = std::string(output.substr(prefix_start, c - prefix_start));
  auto config_start = c + k_config_marker.size();
  state.config =
      nlohmann::json::parse(output.substr(config_start, s - config_start), nullptr, false);
  if (state.config.is_discarded() || !state.config.is_object()) {
    return fail(ErrorKind::remote, "the box's watchdog.json is not valid JSON");
  }
  std::string_view status_text = trim(output.substr(s + k_status_marker.size()));
  if (!status_text.empty()) {
    auto status = nlohmann::json::parse(status_text, nullptr, false);
    if (!status.is_discarded() && status.is_object()) {
      state.status = std::move(status);
    }
  }
  return state;
}

Result<RemoteState> fetch_remote_state(ProcessRunner& runner, const remote::SshTarget& target) {
  RunOptions options;
  options.timeout = std::chrono::seconds(60);
  GPUBOX_TRY_ASSIGN(result, remote::ssh_run(runner, target, {remote_state_command()}, options));
  if (result.exit_code == 3) {
    return fail(ErrorKind::not_found, "gpubox's bootstrap has not run on " + target.name,
                "run `gpubox notebook " + target.name + "`, which runs it");
  }
  if (result.exit_code != 0) {
    return fail(ErrorKind::network, fmt::format("ssh to {} failed (exit {}): {}", target.name,
                                                result.exit_code, trim(result.stderr_text)));
  }
  return parse_remote_state(result.stdout_text);
}

std::string jupyter_socket(const RemoteState& state) {
  auto it = state.config.find("jupyter_sock");
  if (it == state.config.end() || !it->is_string()) {
    return {};
  }
  std::string path = it->get<std::string>();
  const bool forwardable =
      path.size() > 1 && path.front() == '/' && std::ranges::none_of(path, [](char c) {
        return c == ':' || static_cast<unsigned char>(c) <= ' ' || c == 0x7f;
      });
  return forwardable ? path : std::string();
}

std::string short_duration(seconds d) {
  long s = d.count();
  if (s < 60) {
    return fmt::format("{}s", s);
  }
  if (s < 3600) {
    return fmt::format("{}m", s / 60);
  }
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

std::string summarize_status(const nlohmann::json& status, TimePoint now) {
  std::string line;
  std::string acting = status.value("acting", nlohmann::json()).is_string()
                           ? status["acting"].get<std::string>()
                           : "";
  auto unknown = status.value("unknown", nlohmann::json::array());
  auto why = status.value("why_active", nlohmann::json::array());
  if (!acting.empty()) {
    line = "stopping: " + acting;
  } else if (!why.empty()) {
    line = "active: " + reasons(why) + stop_clause(status, now, false);
  } else if (!unknown.empty()) {
    std::string names;
    for (const auto& n : unknown) {
      std::string name = n.is_string() ? n.get<std::string>() : "?";
      std::string why = status.value("signals", nlohmann::json::object())
                            .value(name, nlohmann::json::object())
                            .value("reason", std::string());
      names +=
          (names.empty() ? "" : ", ") + name + (why.empty() ? "" : " (" + why.substr(0, 80) + ")");
    }
    line = "unknown: " + names + "; the watchdog waits, it never stops on unknown";
  } else {
    auto since = time_field(status, "idle_since");
    line = "idle " + short_duration(since ? until(*since, now) : seconds(0)) +
           stop_clause(status, now, true);
  }
  if (auto updated = time_field(status, "updated_at");
      updated && until(*updated, now) > k_stale_after) {
    line += " (status " + short_duration(until(*updated, now)) + " old)";
  }
  // A spot interruption notice (the watchdog's, kept until the next boot) comes first: AWS is
  // about to take the box, and its jobs were told to checkpoint.
  if (auto spot = status.find("spot_interruption"); spot != status.end() && spot->is_object()) {
    std::string action = spot->value("action", std::string("terminate"));
    std::string when = spot->value("time", std::string());
    line = "SPOT INTERRUPTION: AWS will " + action + " it" + (when.empty() ? "" : " at " + when) +
           "; running jobs were interrupted; " + line;
  }
  return line;
}

Result<std::string> box_status_line(ProcessRunner& runner, const remote::SshTarget& target,
                                    TimePoint now) {
  GPUBOX_TRY_ASSIGN(state, fetch_remote_state(runner, target));
  if (!state.status) {
    return std::string("bootstrapped, no status yet");
  }
  return summarize_status(*state.status, now);
}

std::optional<TimePoint> parse_utc(std::string_view iso) {
  std::tm tm{};
  char z = 0;
  std::string text(iso);
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7 ||
      z != 'Z') {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace gpubox::box
