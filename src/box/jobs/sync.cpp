#include "box/jobs/sync.hpp"

#include <filesystem>
#include <string_view>

#include <fmt/format.h>

#include "box/onbox/onbox_files.hpp"
#include "core/strings.hpp"

namespace gpubox::box {
namespace {

// A transfer can be large; it is bounded only so a dead connection cannot hang for ever.
constexpr std::chrono::hours k_sync_timeout{12};

// Return the number after `label` in rsync's --stats text ("Total bytes sent: 1,234"), or 0.
std::int64_t stat_after(std::string_view text, std::string_view label) {
  size_t at = text.find(label);
  if (at == std::string_view::npos) {
    return 0;
  }
  std::int64_t n = 0;
  for (size_t k = at + label.size(); k < text.size(); ++k) {
    char c = text[k];
    if (c >= '0' && c <= '9') {
      n = n * 10 + (c - '0');
    } else if (c != ',' && c != ' ') {
      break;
    }
  }
  return n;
}

std::string remote_spec(const remote::SshTarget& target, const std::string& path) {
  // A bare IPv6 address needs brackets before rsync's host:path colon.
  std::string host =
      target.host.find(':') != std::string::npos ? "[" + target.host + "]" : target.host;
  return host + ":" + path;
}

}  // namespace

std::string remote_workdir_for(const std::string& local_dir) {
  std::filesystem::path p = std::filesystem::absolute(local_dir).lexically_normal();
  std::string name = p.filename().string();
  if (name.empty()) {
    name = p.parent_path().filename().string();
  }
  return "gpubox/workdirs/" + (name.empty() ? std::string("root") : name);
}

std::vector<std::string> rsync_argv(const remote::SshTarget& target, const SyncSpec& spec) {
  std::vector<std::string> ssh = remote::ssh_argv(target, {"-o", "BatchMode=yes"}, {});
  ssh.pop_back();  // the host: rsync adds it from host:path
  // The remote rsync starts in the login home, so relative remote paths are under it wherever
  // the session would start.
  std::vector<std::string> argv{
      "rsync",   "--archive", "--compress",    "--partial",
      "--stats", "-e",        shell_join(ssh), "--rsync-path=cd && rsync"};
  // The whole file list in one go: incremental recursion asks for each directory's list in
  // turn, a round trip each (bench/sync_bench.py).
  argv.emplace_back("--no-inc-recursive");
  if (spec.to_box) {
    argv.emplace_back("--mkpath");  // the remote directories are made as needed
  }
  if (spec.workdir) {
    argv.insert(argv.end(),
                {"--filter=:- .gitignore", "--filter=:- .gpuboxignore", "--exclude=.git/"});
  }
  if (spec.to_box) {
    argv.push_back(spec.local);
    argv.push_back(remote_spec(target, spec.remote));
  } else {
    argv.push_back(remote_spec(target, spec.remote));
    argv.push_back(spec.local);
  }
  return argv;
}

SyncStats parse_rsync_stats(std::string_view text) {
  SyncStats s;
  s.files_transferred = stat_after(text, "Number of regular files transferred:");
  s.bytes_sent = stat_after(text, "Total bytes sent:");
  s.bytes_received = stat_after(text, "Total bytes received:");
  return s;
}

Result<SyncStats> sync_files(ProcessRunner& runner, const remote::SshTarget& target,
                             const SyncSpec& spec, ProgressSink& progress) {
  progress.phase(spec.to_box
                     ? fmt::format("syncing {} to {}:{}", spec.local, target.name, spec.remote)
                     : fmt::format("syncing {}:{} to {}", target.name, spec.remote, spec.local));
  RunOptions options;
  options.timeout = k_sync_timeout;
  auto r = runner.run(rsync_argv(target, spec), options);
  progress.finish();
  if (!r) {
    if (r.error().kind == ErrorKind::not_found) {
      return fail(ErrorKind::not_found, "rsync is not installed here",
                  "install it (Debian and Ubuntu: sudo apt install rsync)");
    }
    return fail(r.error());
  }
  if (r->exit_code != 0) {
    std::string why(trim(r->stderr_text));
    std::string hint;
    if (why.find("command not found") != std::string::npos || r->exit_code == 127) {
      hint = "rsync is missing on " + target.name +
             ": gpubox's bootstrap installs it; or run `sudo apt install rsync` there";
    }
    return fail(ErrorKind::remote,
                fmt::format("rsync to {} failed (exit {}): {}", target.name, r->exit_code,
                            why.substr(0, 500)),
                hint);
  }
  SyncStats stats = parse_rsync_stats(r->stdout_text);
  progress.say(fmt::format("synced with {}: {} file(s) changed, {} bytes sent, {} received",
                           target.name, stats.files_transferred, stats.bytes_sent,
                           stats.bytes_received));
  return stats;
}

}  // namespace gpubox::box
