#pragma once
// Jobs on a box: a command that runs detached from the ssh session (onbox/job.py supervises it
// under ~/.gpubox/jobs/ID/, with its output and exit status), started, listed, followed and
// cancelled over the managed ssh. The same for AWS boxes and bring-your-own machines.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/client.hpp"
#include "core/error.hpp"
#include "core/process.hpp"
#include "remote/ssh.hpp"
#include "state/box_store.hpp"

namespace gpubox::box {

struct JobSpec {
  std::vector<std::string> command;  // argv, run without a shell
  std::string cwd;                   // on the box, relative to the login home; empty: the home
  // Set in the job's environment. The values travel on ssh's stdin, never on a command line.
  std::vector<std::pair<std::string, std::string>> env;
  bool stop_after = false;  // shut the box down when the job ends, whatever its exit status
  // More than 1: a job interrupted by a spot notice runs again when the box next starts, until
  // this many attempts. The --env values are then kept on the box (~/.gpubox/jobs/ID/env, 0600)
  // for the re-run.
  int max_attempts = 1;
  std::string id;  // empty: job.py picks one; a cluster job has the same id everywhere
};

// The attempts `gpubox run --retry-on-interruption` allows a job.
inline constexpr int k_retry_attempts = 3;

struct JobInfo {
  std::string id;
  std::vector<std::string> argv;
  std::string cwd;
  std::string state;  // running, succeeded, failed, cancelled, interrupted, lost
  std::optional<int> exit_code;
  std::string started_at;
  std::string finished_at;
  std::int64_t duration_seconds = 0;  // of the current attempt
  int attempt = 1;                    // the current attempt, from 1
  int max_attempts = 1;
  bool rerun_pending = false;  // interrupted, and runs again when the box next starts
};

// What `gpubox logs -f` exits with when the job was cancelled or interrupted (job.py's code).
inline constexpr int k_job_stopped_exit = 130;

// Return whether `name` may name an environment variable ([A-Za-z_][A-Za-z0-9_]*).
bool is_env_name(std::string_view name);

// Parse "K=V" (--env); invalid_input when K is not a variable name.
Result<std::pair<std::string, std::string>> parse_env_pair(std::string_view text);

// Return the shell command that runs onbox/job.py with `args` on the box: the framework venv
// (/opt/pytorch) first on PATH, so `python` is the DLAMI's; `exports` (ssh's stdin lines
// "K=V") are read into the environment first.
std::string job_py_command(const std::vector<std::string>& args, bool exports = false);

// Tag AWS box `box`'s instance gpubox:then=down: when its `--then` job has stopped it, `gpubox
// gc` removes it as `gpubox down` would.
Result<void> mark_then_down(aws::AwsClient& client, const state::Box& box);

// Upload gpubox's on-box files, start `spec` and return its job id.
Result<std::string> start_job(ProcessRunner& runner, const remote::SshTarget& target,
                              const JobSpec& spec);

// Parse job.py's `list --json` answer.
Result<std::vector<JobInfo>> parse_job_list(std::string_view json);

// Return the jobs on the box, newest first (none when job.py was never uploaded).
Result<std::vector<JobInfo>> list_jobs(ProcessRunner& runner, const remote::SshTarget& target);

// Return job `id` on the box; not_found when there is none.
Result<JobInfo> find_job(ProcessRunner& runner, const remote::SshTarget& target,
                         std::string_view id);

// Send job `id`'s output (empty id: the newest job) to `out` as it arrives; with `follow`, until
// the job ends. Return job.py's exit code: the job's own with `follow` (k_job_stopped_exit when
// it was cancelled or interrupted), else 0; 1 when there is no such job.
Result<int> stream_job_output(ProcessRunner& runner, const remote::SshTarget& target,
                              std::string_view id, bool follow,
                              const std::function<void(std::string_view)>& out);

// Stop job `id`: SIGTERM, then SIGKILL after job.py's grace period. Return its state after.
Result<std::string> cancel_job(ProcessRunner& runner, const remote::SshTarget& target,
                               std::string_view id);

}  // namespace gpubox::box
