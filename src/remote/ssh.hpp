#pragma once
// Running ssh against a box. All connections go through the system `ssh` with gpubox's own
// known_hosts file, so host keys are checked, never switched off.
//
// Safety rule: when the AWS endpoint is a local stand-in (moto on 127.0.0.1 in tests and the
// demo), instance addresses are invented and belong to other people, so gpubox refuses to
// connect to them unless GPUBOX_SSH_CONNECT=host:port routes every box to a local sshd.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/process.hpp"
#include "state/box_store.hpp"

namespace gpubox::remote {

struct SshTarget {
  std::string name;  // the box name, also the HostKeyAlias in known_hosts
  std::string user;
  std::string host;  // where ssh really connects
  int port = 22;
  std::string key_path;  // empty: ssh's defaults and agent
  std::filesystem::path known_hosts;
  bool host_key_pinned = false;  // true: StrictHostKeyChecking yes; false: accept-new
};

struct ConnectPolicy {
  std::optional<std::string> connect_override;  // GPUBOX_SSH_CONNECT, "host:port"
  bool endpoint_is_local = false;               // the AWS endpoint is a loopback stand-in
};

// Return where to ssh for `box`, applying `policy`; an Error when the box has no address or when
// it would mean connecting to an address a local AWS stand-in invented.
Result<SshTarget> target_for(const state::Box& box, const std::filesystem::path& known_hosts,
                             const ConnectPolicy& policy);

// Return the ssh argv: options for `target`, then `extra_options` (e.g. "-L", "8888:..."),
// then the host, then `remote_command` (empty for an interactive shell).
std::vector<std::string> ssh_argv(const SshTarget& target,
                                  const std::vector<std::string>& extra_options,
                                  const std::vector<std::string>& remote_command);

// Run `remote_command` on the box in batch mode (no prompts) and capture its output.
Result<ProcessResult> ssh_run(ProcessRunner& runner, const SshTarget& target,
                              const std::vector<std::string>& remote_command,
                              const RunOptions& options = {});

// Return whether `url`'s host is a loopback address or localhost.
bool is_loopback_url(std::string_view url);

}  // namespace gpubox::remote
