#include "box/launch/wait.hpp"

#include <functional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "box/launch/host_keys.hpp"
#include "core/strings.hpp"

namespace gpubox::box {
namespace {

Error timeout_error(std::string what, Duration limit, std::string hint) {
  Error e;
  e.kind = ErrorKind::network;
  e.message = fmt::format("{} after {} s", what,
                          std::chrono::duration_cast<std::chrono::seconds>(limit).count());
  e.hint = std::move(hint);
  return e;
}

// The bootstrap's failure, from what ready_check_command() printed: the result's first line
// (JSON) and the bootstrap log's tail after it.
Error bootstrap_failed(const remote::SshTarget& target, std::string_view printed) {
  const std::string text(trim(printed));
  const auto nl = text.find('\n');
  const auto doc = nlohmann::json::parse(text.substr(0, nl), nullptr, false);
  std::string why = doc.is_object() && doc.contains("error") && doc["error"].is_string()
                        ? doc["error"].get<std::string>()
                        : std::string("no reason given");
  std::string tail = nl == std::string::npos ? "" : std::string(trim(text.substr(nl + 1)));
  Error e;
  e.kind = ErrorKind::remote;
  e.message = fmt::format("Jupyter did not start on {}: {}", target.name, why);
  if (!tail.empty()) {
    e.message += "\nthe end of the bootstrap log:\n" + tail;
  }
  e.hint = fmt::format(
      "the box is running (and billing): look with `gpubox ssh {0}`, re-run the bootstrap with "
      "`gpubox check {0}`, or remove it with `gpubox down {0}`",
      target.name);
  return e;
}

// Run `command` over ssh until it exits 0 or `limit` passes; `what` names the wait. An exit of
// `fatal_exit` (when not 0) ends the wait with `on_fatal(stdout)`.
Result<void> poll_ssh(ProcessRunner& runner, Clock& clock, const remote::SshTarget& target,
                      const std::vector<std::string>& command, const WaitPolicy& wait,
                      Duration limit, ProgressSink& progress, std::string_view what,
                      int fatal_exit = 0,
                      const std::function<Error(std::string_view)>& on_fatal = {}) {
  const TimePoint start = clock.now();
  Duration poll = wait.first_poll;
  while (true) {
    RunOptions options;
    options.timeout = std::chrono::seconds(30);
    auto r = remote::ssh_run(runner, target, command, options);
    if (r && r->exit_code == 0) {
      return {};
    }
    if (r && fatal_exit != 0 && r->exit_code == fatal_exit && on_fatal) {
      return fail(on_fatal(r->stdout_text));
    }
    if (!r && r.error().kind == ErrorKind::not_found) {
      return fail(r.error());  // no ssh binary: waiting will not help
    }
    if (r && target.host_key_pinned && is_host_key_mismatch(r->stderr_text)) {
      Error e;
      e.kind = ErrorKind::auth;
      e.message = fmt::format(
          "the host key of {} (at {}:{}) does not match the console: refusing "
          "to connect",
          target.name, target.host, target.port);
      e.hint =
          "the server answering is not the box whose console gpubox read; remove the box "
          "with `gpubox down " +
          target.name + "` if you do not trust it";
      return fail(std::move(e));
    }
    std::string why = r ? fmt::format("exit {}", r->exit_code) : r.error().message;
    progress.tick();
    if (clock.now() - start >= limit) {
      return fail(timeout_error(fmt::format("{} on {} not reached ({})", what, target.name, why),
                                limit, "check the box with `gpubox ssh " + target.name + "`"));
    }
    clock.sleep_for(poll);
    poll = wait.poll;
  }
}

}  // namespace

Result<WaitLevel> parse_wait_level(std::string_view text) {
  if (text == "none") {
    return WaitLevel::none;
  }
  if (text == "running") {
    return WaitLevel::running;
  }
  if (text == "ssh") {
    return WaitLevel::ssh;
  }
  if (text == "ready") {
    return WaitLevel::ready;
  }
  return fail(ErrorKind::invalid_input, "unknown --wait value '" + std::string(text) + "'",
              "use --wait running, ssh or ready");
}

std::string ready_check_command() {
  // The log is world-readable (umask 022), so the login user can read root's bootstrap log.
  return fmt::format(
      "f=/opt/gpubox/run/bootstrap.json; [ -f \"$f\" ] || f=\"$HOME/.gpubox/run/bootstrap.json\"; "
      "[ -f \"$f\" ] || exit 1; grep -q '\"ok\": true' \"$f\" && exit 0; "
      "head -n 1 \"$f\"; tail -n 15 \"${{f%/run/bootstrap.json}}/log/bootstrap.log\" 2>/dev/null; "
      "exit {}",
      k_bootstrap_failed_exit);
}

Result<aws::Instance> wait_running(aws::AwsClient& client, Clock& clock, std::string_view region,
                                   std::string_view instance_id, const WaitPolicy& wait,
                                   ProgressSink& progress) {
  const TimePoint start = clock.now();
  std::string last;
  Duration poll = wait.first_poll;
  Duration not_found_delay = std::chrono::milliseconds(250);
  while (true) {
    aws::DescribeInstancesInput in;
    in.instance_ids = {std::string(instance_id)};
    auto page = aws::describe_instances(client, region, in);
    // Just after RunInstances, EC2 may not know the id yet (eventual consistency): ask again
    // soon, backing off up to the normal poll.
    if (!page && page.error().kind != ErrorKind::not_found) {
      return fail(page.error());
    }
    if (!page && clock.now() - start < wait.state_timeout) {
      clock.sleep_for(std::min(not_found_delay, wait.poll));
      not_found_delay *= 2;
      continue;
    }
    if (page && !page->instances.empty()) {
      const aws::Instance& inst = page->instances.front();
      if (inst.state != last) {
        const std::string line = std::string(instance_id) + " is " + inst.state;
        if (inst.state == "running") {
          progress.say(line);
        } else {
          progress.phase(line, wait.state_timeout);
        }
      }
      last = inst.state;
      if (inst.state == "running") {
        return inst;
      }
      if (inst.state == "terminated" || inst.state == "shutting-down" || inst.state == "stopped" ||
          inst.state == "stopping") {
        return fail(ErrorKind::remote,
                    fmt::format("{} is {} instead of running{}", instance_id, inst.state,
                                inst.state_reason.empty() ? "" : " (" + inst.state_reason + ")"));
      }
    }
    progress.tick();
    if (clock.now() - start >= wait.state_timeout) {
      return fail(timeout_error(std::string(instance_id) + " is not running", wait.state_timeout,
                                "see `gpubox ls` and the EC2 console"));
    }
    clock.sleep_for(poll);
    poll = wait.poll;
  }
}

Result<void> wait_ssh(ProcessRunner& runner, Clock& clock, const remote::SshTarget& target,
                      const WaitPolicy& wait, ProgressSink& progress) {
  return poll_ssh(runner, clock, target, {"true"}, wait, wait.ssh_timeout, progress, "ssh");
}

Result<void> wait_ready(ProcessRunner& runner, Clock& clock, const remote::SshTarget& target,
                        const WaitPolicy& wait, ProgressSink& progress) {
  return poll_ssh(runner, clock, target, {ready_check_command()}, wait, wait.ready_timeout,
                  progress, "bootstrap", k_bootstrap_failed_exit,
                  [&](std::string_view printed) { return bootstrap_failed(target, printed); });
}

}  // namespace gpubox::box
