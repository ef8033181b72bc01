#pragma once
// Files to and from a box with rsync over the managed ssh: incremental (only what changed
// travels), resumable (--partial), and for a job's workdir filtered by .gitignore and
// .gpuboxignore. Remote paths are relative to the login user's home unless absolute.

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/process.hpp"
#include "core/progress.hpp"
#include "remote/ssh.hpp"

namespace gpubox::box {

struct SyncSpec {
  std::string local;     // a local file or directory (rsync's trailing-slash rules apply)
  std::string remote;    // on the box
  bool to_box = true;    // push (false: pull)
  bool workdir = false;  // a job's workdir: honour .gitignore / .gpuboxignore, skip .git
};

struct SyncStats {
  std::int64_t files_transferred = 0;
  std::int64_t bytes_sent = 0;
  std::int64_t bytes_received = 0;
};

// Where a workdir `local_dir` goes on the box: gpubox/workdirs/<its last component>.
std::string remote_workdir_for(const std::string& local_dir);

// Return the rsync argv for `spec` against `target` (ssh with gpubox's known_hosts and key).
std::vector<std::string> rsync_argv(const remote::SshTarget& target, const SyncSpec& spec);

// Parse the figures of rsync's --stats.
SyncStats parse_rsync_stats(std::string_view text);

// Run rsync for `spec`, as a phase of `progress`; a failure names rsync's own message.
Result<SyncStats> sync_files(ProcessRunner& runner, const remote::SshTarget& target,
                             const SyncSpec& spec, ProgressSink& progress);

}  // namespace gpubox::box
