#pragma once
// Waiting for a new box: until EC2 says running, until ssh answers, until the on-box bootstrap
// has finished (its status file exists). Polls through the Clock, so tests do not wait.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "aws/client.hpp"
#include "aws/ec2_instances.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/process.hpp"
#include "remote/ssh.hpp"

namespace gpubox::box {

enum class WaitLevel { none, running, ssh, ready };

// Parse "running", "ssh" or "ready" (and "none").
Result<WaitLevel> parse_wait_level(std::string_view text);

// How long to wait and how often to look.
struct WaitLimits {
  Duration poll{5000};
  Duration running_timeout = std::chrono::minutes(10);
  Duration ssh_timeout = std::chrono::minutes(10);
  Duration ready_timeout = std::chrono::minutes(20);
};

// Report a state change (one line) or a tick while nothing changes (an empty line).
using WaitProgressFn = std::function<void(const std::string& line)>;

// The shell command that succeeds once the on-box bootstrap has written its status file
// (onbox/README.md: /opt/gpubox/run/status.json, or ~/.gpubox/run/status.json without root).
std::string ready_check_command();

// Poll DescribeInstances until `instance_id` is running; return it as described then.
Result<aws::Instance> wait_running(aws::AwsClient& client, Clock& clock, std::string_view region,
                                   std::string_view instance_id, const WaitLimits& limits,
                                   const WaitProgressFn& progress);

// Run `true` over ssh until it succeeds.
Result<void> wait_ssh(ProcessRunner& runner, Clock& clock, const remote::SshTarget& target,
                      const WaitLimits& limits, const WaitProgressFn& progress);

// Run ready_check_command() over ssh until it succeeds.
Result<void> wait_ready(ProcessRunner& runner, Clock& clock, const remote::SshTarget& target,
                        const WaitLimits& limits, const WaitProgressFn& progress);

}  // namespace gpubox::box
