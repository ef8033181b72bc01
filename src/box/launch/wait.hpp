#pragma once
// Waiting for a new box: until EC2 says running, until ssh answers, until the on-box bootstrap
// has finished (its status file exists). Polls through the Clock, so tests do not wait.

#include <chrono>
#include <string>
#include <string_view>

#include "aws/client.hpp"
#include "aws/ec2_instances.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/process.hpp"
#include "core/progress.hpp"
#include "remote/ssh.hpp"

namespace gpubox::box {

enum class WaitLevel { none, running, ssh, ready };

// Parse "running", "ssh" or "ready" (and "none").
Result<WaitLevel> parse_wait_level(std::string_view text);

// How often to look, and how long to wait: for an EC2 instance state (running, stopped,
// terminated), for ssh to answer, and for the on-box bootstrap to finish. `up`, `start`, `stop`,
// `down` and `gc` all wait with it. Every wait polls at `poll` (first at `first_poll`), so a phase
// is noticed within about a second of happening, without busy-looping the API.
struct WaitPolicy {
  Duration first_poll{250};
  Duration poll{1000};
  Duration state_timeout = std::chrono::minutes(10);
  Duration ssh_timeout = std::chrono::minutes(10);
  Duration ready_timeout = std::chrono::minutes(20);
};

// The shell command that reads the on-box bootstrap's result (onbox/README.md:
// /opt/gpubox/run/bootstrap.json, or ~/.gpubox/run/bootstrap.json without root): exit 0 once it
// says ok, exit k_bootstrap_failed_exit with the result and the bootstrap log's tail on stdout
// when it failed, another status while it is not written yet.
std::string ready_check_command();

inline constexpr int k_bootstrap_failed_exit = 3;

// Poll DescribeInstances until `instance_id` is running; return it as described then. Each
// state on the way is a phase of `progress` ("i-0abc is pending"), each poll a tick.
Result<aws::Instance> wait_running(aws::AwsClient& client, Clock& clock, std::string_view region,
                                   std::string_view instance_id, const WaitPolicy& wait,
                                   ProgressSink& progress);

// Run `true` over ssh until it succeeds; each failed try is a tick of `progress`.
Result<void> wait_ssh(ProcessRunner& runner, Clock& clock, const remote::SshTarget& target,
                      const WaitPolicy& wait, ProgressSink& progress);

// Run ready_check_command() over ssh until it succeeds; when the bootstrap reports a failure
// (Jupyter did not start), fail at once with its error and the log's tail. Each try that is not
// ready yet is a tick of `progress`.
Result<void> wait_ready(ProcessRunner& runner, Clock& clock, const remote::SshTarget& target,
                        const WaitPolicy& wait, ProgressSink& progress);

}  // namespace gpubox::box
