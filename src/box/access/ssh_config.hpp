#pragma once
// The managed SSH config: one file of Host blocks that gpubox rewrites whole, included from the
// user's ~/.ssh/config so `ssh NAME` just works. gpubox never edits the user's own lines; it only
// adds one Include line at the top, once, after asking.

#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "box/access/local_files.hpp"
#include "core/error.hpp"
#include "state/box_store.hpp"

namespace gpubox::box {

// What one Host block needs.
struct SshHost {
  std::string alias;      // the box name: `ssh <alias>`
  std::string host_name;  // address to connect to
  std::string user;
  int port = 22;
  std::string identity_file;  // empty: let ssh use the agent and its defaults
  bool host_key_pinned = false;
};

struct SshRenderOptions {
  std::filesystem::path known_hosts;  // gpubox's own known_hosts file
  std::string host_name_override;     // tests: connect here instead of each host's address
  std::string proxy_command;          // tests: a ProxyCommand for every host
};

// Return the SshHost for `box` (ssh_host, else public_ip, as HostName).
SshHost ssh_host_for(const state::Box& box);

// Render the managed file: a header and one Host block per host, ordered by alias. An Error of
// kind invalid_input when a value would break the file (bad alias, quote or control character).
Result<std::string> render_ssh_config(std::span<const SshHost> hosts,
                                      const SshRenderOptions& options);

// Write `content` to the managed file at `path` through `fs` atomically, mode 0600, creating its
// directory (0700).
Result<void> write_ssh_config(FileSystem& fs, const std::filesystem::path& path,
                              std::string_view content);

enum class IncludeResult {
  present,       // ~/.ssh/config already includes the managed file before any Host block
  added,         // the user said yes and the Include line was added
  not_included,  // the user said no, now or on an earlier run
};

// Re-render the managed SSH config from every box in `store` and write it through `files.fs`.
Result<void> refresh_ssh_config(state::BoxStore& store, const LocalFiles& files);

// Ask `question`; return true for yes.
using AskFn = std::function<bool(std::string_view question)>;

// Make `ssh_config` include `managed` as its first line, through `fs`. Ask once through `ask`,
// record the answer in `answer_file`, and never ask again; create ~/.ssh (0700) and the config
// (0600) when missing. Other lines and the config's mode are kept, and a symlinked config is
// written through.
Result<IncludeResult> ensure_include(FileSystem& fs, const std::filesystem::path& ssh_config,
                                     const std::filesystem::path& managed,
                                     const std::filesystem::path& answer_file, const AskFn& ask);

// Return whether `config_text` includes `managed` before its first Host or Match line; `home`
// lets "~/..." spellings match.
bool includes_managed(std::string_view config_text, const std::filesystem::path& managed,
                      const std::filesystem::path& home);

}  // namespace gpubox::box
