#include "box/launch/wait.hpp"

#include <fmt/format.h>

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

// Run `command` over ssh until it exits 0 or `limit` passes; `what` names the wait.
Result<void> poll_ssh(ProcessRunner& runner, Clock& clock, const remote::SshTarget& target,
                      const std::vector<std::string>& command, Duration limit, Duration poll,
                      const WaitProgressFn& progress, std::string_view what) {
  const TimePoint start = clock.now();
  std::string last;
  while (true) {
    RunOptions options;
    options.timeout = std::chrono::seconds(30);
    auto r = remote::ssh_run(runner, target, command, options);
    if (r && r->exit_code == 0) {
      return {};
    }
    if (!r && r.error().kind == ErrorKind::not_found) {
      return fail(r.error());  // no ssh binary: waiting will not help
    }
    std::string why = r ? fmt::format("exit {}", r->exit_code) : r.error().message;
    if (why != last && progress) {
      progress("");
    }
    last = why;
    if (clock.now() - start >= limit) {
      return fail(timeout_error(fmt::format("{} on {} not reached ({})", what, target.name, why),
                                limit, "check the box with `gpubox ssh " + target.name + "`"));
    }
    clock.sleep_for(poll);
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
  Error e;
  e.kind = ErrorKind::invalid_input;
  e.message = "unknown --wait value '" + std::string(text) + "'";
  e.hint = "use --wait running, ssh or ready";
  return fail(std::move(e));
}

std::string ready_check_command() {
  return "test -f /opt/gpubox/run/status.json || test -f \"$HOME/.gpubox/run/status.json\"";
}

Result<aws::Instance> wait_running(aws::AwsClient& client, Clock& clock, std::string_view region,
                                   std::string_view instance_id, const WaitLimits& limits,
                                   const WaitProgressFn& progress) {
  const TimePoint start = clock.now();
  std::string last;
  while (true) {
    aws::DescribeInstancesInput in;
    in.instance_ids = {std::string(instance_id)};
    auto page = aws::describe_instances(client, region, in);
    // Just after RunInstances, EC2 may not know the id yet (eventual consistency).
    if (!page && page.error().kind != ErrorKind::not_found) {
      return fail(page.error());
    }
    if (page && !page->instances.empty()) {
      const aws::Instance& inst = page->instances.front();
      if (inst.state != last && progress) {
        progress(std::string(instance_id) + " is " + inst.state);
      }
      last = inst.state;
      if (inst.state == "running") {
        return inst;
      }
      if (inst.state == "terminated" || inst.state == "shutting-down" || inst.state == "stopped" ||
          inst.state == "stopping") {
        Error e;
        e.kind = ErrorKind::remote;
        e.message = fmt::format("{} is {} instead of running{}", instance_id, inst.state,
                                inst.state_reason.empty() ? "" : " (" + inst.state_reason + ")");
        return fail(std::move(e));
      }
    }
    if (clock.now() - start >= limits.running_timeout) {
      return fail(timeout_error(std::string(instance_id) + " is not running",
                                limits.running_timeout, "see `gpubox ls` and the EC2 console"));
    }
    clock.sleep_for(limits.poll);
  }
}

Result<void> wait_ssh(ProcessRunner& runner, Clock& clock, const remote::SshTarget& target,
                      const WaitLimits& limits, const WaitProgressFn& progress) {
  return poll_ssh(runner, clock, target, {"true"}, limits.ssh_timeout, limits.poll, progress,
                  "ssh");
}

Result<void> wait_ready(ProcessRunner& runner, Clock& clock, const remote::SshTarget& target,
                        const WaitLimits& limits, const WaitProgressFn& progress) {
  return poll_ssh(runner, clock, target, {ready_check_command()}, limits.ready_timeout,
                  limits.poll * 2, progress, "bootstrap");
}

}  // namespace gpubox::box
