#pragma once
// Bring your own machine: an existing SSH host (a workstation with a GPU, a lab server) that
// gpubox bootstraps and reaches like its own boxes. `stop` on it stops gpubox's services; the
// machine shuts down only when the user asked for that (`add --idle MIN`).

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/filesystem.hpp"
#include "core/process.hpp"
#include "core/progress.hpp"
#include "remote/ssh.hpp"
#include "state/box_store.hpp"

namespace gpubox::box {

struct SshUrl {
  std::string user;
  std::string host;
  int port = 22;
};

// Parse "ssh://user@host[:port]" (IPv6 hosts in brackets); invalid_input otherwise.
Result<SshUrl> parse_ssh_url(std::string_view url);

struct AddByoRequest {
  std::string name;
  std::string url;       // ssh://user@host[:port]
  std::string key_path;  // empty: ssh's defaults and agent
  int idle_minutes = 0;  // > 0: shut the machine down after this long idle (needs root there)
  double max_hours = 0;  // > 0: stop gpubox's services after this many hours
  // A node of cluster `cluster` (then `name` is node_name(cluster, node_index)).
  std::string cluster;
  int node_index = 0;
};

struct ByoDeps {
  state::BoxStore& store;
  ProcessRunner& runner;
  Clock& clock;
  std::filesystem::path data_dir;
  std::filesystem::path known_hosts;
  remote::ConnectPolicy policy;
  ProgressSink& progress = null_progress();
  // The user's own known_hosts (~/.ssh/known_hosts): a key it already has for the machine is
  // pinned before the first connection, so `add` refuses a mismatch as plain ssh would.
  std::filesystem::path user_known_hosts;
  FileSystem& files = disk_file_system();  // tokens, known_hosts
};

// Return the host keys ("<type> <base64>") that `known_hosts` holds for `host`:`port`, looked up
// with `ssh-keygen -F` (hashed entries included); empty when it has none or does not exist.
Result<std::vector<std::string>> keys_known_for(ProcessRunner& runner,
                                                const std::filesystem::path& known_hosts,
                                                std::string_view host, int port);

// Register `request` as a byo box: check the name and URL, reach it over ssh (with the host key
// from the user's known_hosts when it has one, else accepting and pinning it on first use), run
// the bootstrap, and store it. Nothing is stored when
// any step fails.
Result<state::Box> add_byo_box(const ByoDeps& deps, const AddByoRequest& request);

// Register the machines at `urls` as cluster `request.name`: node K (named NAME.K) is urls[K],
// each bootstrapped as add_byo_box does; the address other nodes reach it at is its URL's host.
// All or nothing: when one node fails, the nodes added before it are forgotten again.
Result<std::vector<state::Box>> add_byo_cluster(const ByoDeps& deps, const AddByoRequest& request,
                                                const std::vector<std::string>& urls);

// Stop gpubox's services (Jupyter, watchdog, hard cap) on byo box `target`; the machine keeps
// running.
Result<void> stop_byo(ProcessRunner& runner, const remote::SshTarget& target);

// Forget byo box `name`: close its tunnel, delete its token and host key pin, and remove it.
// An aws box is refused (invalid_input, hint `gpubox down`).
Result<void> forget_byo_box(const ByoDeps& deps, std::string_view name);

// A stored box with everything needed to reach it.
struct BoxTarget {
  state::Box box;
  remote::SshTarget target;
  std::string token;  // its Jupyter token (created 0600 when missing)
};

// Return box `name` from `store` with its ssh target and Jupyter token; not_found (with a hint)
// when there is no such box.
Result<BoxTarget> box_target(state::BoxStore& store, std::string_view name,
                             const std::filesystem::path& data_dir,
                             const std::filesystem::path& known_hosts,
                             const remote::ConnectPolicy& policy);

}  // namespace gpubox::box
