#include "box/access/ssh_config.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <system_error>

#include <fmt/format.h>

#include "box/cluster.hpp"
#include "box/names.hpp"
#include "core/paths.hpp"
#include "core/strings.hpp"

namespace gpubox::box {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_header =
    "# Managed by gpubox, which rewrites this file whole: do not edit it.\n"
    "# Included from ~/.ssh/config; remove that Include line to stop using it.\n";

// A value ssh_config would misread: a quote, or any control character (newline above all).
bool unsafe_value(std::string_view value) {
  return std::ranges::any_of(
      value, [](char c) { return c == '"' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// Quote `value` when it has spaces; ssh_config splits arguments on whitespace.
std::string config_arg(std::string_view value) {
  if (value.find_first_of(" \t") == std::string_view::npos) {
    return std::string(value);
  }
  return fmt::format("\"{}\"", value);
}

Result<void> check_host(const SshHost& host, const SshRenderOptions& options) {
  GPUBOX_TRY(validate_box_name(host.alias));
  auto has_space = [](std::string_view v) { return v.find_first_of(" \t") != v.npos; };
  // A key path may contain spaces (it is quoted); an address or user name may not.
  if (unsafe_value(host.host_name) || unsafe_value(host.user) || unsafe_value(host.identity_file) ||
      has_space(host.host_name) || has_space(host.user)) {
    return fail(ErrorKind::invalid_input,
                fmt::format("cannot write an SSH config entry for '{}': bad value", host.alias));
  }
  if (host.host_name.empty() && options.host_name_override.empty()) {
    return fail(ErrorKind::invalid_input,
                fmt::format("box '{}' has no address to connect to yet", host.alias));
  }
  if (host.port < 1 || host.port > 65535) {
    return fail(ErrorKind::invalid_input,
                fmt::format("box '{}' has an invalid SSH port {}", host.alias, host.port));
  }
  return {};
}

void render_host(std::string& out, const SshHost& host, const SshRenderOptions& options) {
  const std::string& host_name =
      options.host_name_override.empty() ? host.host_name : options.host_name_override;
  out += fmt::format("\nHost {}\n", host.alias);
  out += fmt::format("  HostName {}\n", host_name);
  if (!host.user.empty()) {
    out += fmt::format("  User {}\n", host.user);
  }
  out += fmt::format("  Port {}\n", host.port);
  if (!host.identity_file.empty()) {
    out += fmt::format("  IdentityFile {}\n", config_arg(host.identity_file));
    out += "  IdentitiesOnly yes\n";
  }
  // Known hosts are keyed by the box name, not its address: EC2 public IPs change on every
  // stop/start and get reused by other people's instances.
  out += fmt::format("  HostKeyAlias {}\n", host.alias);
  out += fmt::format("  UserKnownHostsFile {}\n", config_arg(options.known_hosts.string()));
  out += fmt::format("  StrictHostKeyChecking {}\n", host.host_key_pinned ? "yes" : "accept-new");
  // Plain entries keyed by the box name, so `rm` and `down` can remove them again.
  out += "  HashKnownHosts no\n";
  out += "  ServerAliveInterval 30\n";
  // Whatever the user's `Host *` says: a box must not reach back into the laptop.
  out += "  ForwardAgent no\n";
  out += "  ForwardX11 no\n";
  if (!options.proxy_command.empty()) {
    out += fmt::format("  ProxyCommand {}\n", options.proxy_command);
  }
}

}  // namespace

SshHost ssh_host_for(const state::Box& box) {
  SshHost host;
  host.alias = box.name;
  host.host_name = box.ssh_host.empty() ? box.public_ip : box.ssh_host;
  host.user = box.ssh_user;
  host.port = box.ssh_port;
  host.identity_file = box.key_path;
  host.host_key_pinned = box.host_key_pinned;
  return host;
}

Result<std::string> render_ssh_config(std::span<const SshHost> hosts,
                                      const SshRenderOptions& options) {
  if (unsafe_value(options.known_hosts.string()) || unsafe_value(options.proxy_command) ||
      unsafe_value(options.host_name_override)) {
    return fail(ErrorKind::invalid_input, "cannot write the SSH config: bad option value");
  }
  std::vector<const SshHost*> sorted;
  for (const SshHost& host : hosts) {
    GPUBOX_TRY(check_host(host, options));
    sorted.push_back(&host);
  }
  std::ranges::sort(sorted, [](const SshHost* a, const SshHost* b) { return a->alias < b->alias; });
  std::string out(k_header);
  for (const SshHost* host : sorted) {
    render_host(out, *host, options);
  }
  return out;
}

Result<void> write_ssh_config(FileSystem& files, const fs::path& path, std::string_view content) {
  if (path.has_parent_path()) {
    GPUBOX_TRY(files.ensure_private_dir(path.parent_path()));
  }
  return files.write_file_atomic(path, content, 0600);
}

Result<void> refresh_ssh_config(state::BoxStore& store, const LocalFiles& files) {
  GPUBOX_TRY_ASSIGN(boxes, store.list_boxes());
  std::vector<SshHost> hosts;
  for (const auto& b : boxes) {
    SshHost h = ssh_host_for(b);
    if (b.kind == state::BoxKind::aws && files.connect.endpoint_is_local) {
      // An AWS stand-in invents public addresses that belong to strangers: write the local
      // sshd from GPUBOX_SSH_CONNECT, or leave the box out.
      auto target = remote::target_for(b, files.known_hosts(), files.connect);
      if (!target) {
        continue;
      }
      h.host_name = target->host;
      h.port = target->port;
    }
    // Stopped boxes have no address, and names adopted from foreign tags may not be valid aliases.
    if (!h.host_name.empty() && validate_box_name(h.alias)) {
      hosts.push_back(std::move(h));
    }
  }
  SshRenderOptions options;
  options.known_hosts = files.known_hosts();
  GPUBOX_TRY_ASSIGN(text, render_ssh_config(hosts, options));
  return write_ssh_config(*files.fs, files.ssh_config(), text);
}

}  // namespace gpubox::box
