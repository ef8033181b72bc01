#include "box/fleet/byo.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "box/access/known_hosts.hpp"
#include "box/access/notebook.hpp"
#include "box/cluster.hpp"
#include "box/names.hpp"
#include "box/onbox/bootstrap.hpp"
#include "box/onbox/onbox_files.hpp"
#include "core/strings.hpp"
#include "remote/stand_in.hpp"

namespace gpubox::box {
namespace {

namespace fs = std::filesystem;

Error url_error(std::string_view url, std::string_view why) {
  Error e;
  e.kind = ErrorKind::invalid_input;
  e.message = fmt::format("invalid machine address '{}': {}", url, why);
  e.hint = "write it as ssh://user@host or ssh://user@host:port";
  return e;
}

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// A plain DNS name: dot-separated labels of 1-63 letters, digits and inner dashes, 253 at most.
bool is_dns_name(std::string_view host) {
  if (host.empty() || host.size() > 253) {
    return false;
  }
  for (const std::string& label : split(host, '.')) {
    if (label.empty() || label.size() > 63 || !is_alnum(label.front()) || !is_alnum(label.back()) ||
        !std::ranges::all_of(label, [](char c) { return is_alnum(c) || c == '-'; })) {
      return false;
    }
  }
  return true;
}

// A POSIX portable user name: letters, digits, '.', '_', '-', not starting with '-' or a digit.
bool is_user_name(std::string_view user) {
  return !user.empty() && user.size() <= 32 &&
         (std::isalpha(static_cast<unsigned char>(user.front())) || user.front() == '_') &&
         std::ranges::all_of(
             user, [](char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-'; });
}

}  // namespace

Result<SshUrl> parse_ssh_url(std::string_view url) {
  constexpr std::string_view scheme = "ssh://";
  if (!url.starts_with(scheme)) {
    return fail(url_error(url, "it must start with ssh://"));
  }
  std::string_view rest = url.substr(scheme.size());
  if (!rest.empty() && rest.back() == '/') {
    rest.remove_suffix(1);
  }
  auto at = rest.rfind('@');
  if (at == std::string_view::npos || at == 0) {
    return fail(url_error(url, "it needs a user (user@host)"));
  }
  SshUrl out;
  out.user = std::string(rest.substr(0, at));
  std::string_view hostport = rest.substr(at + 1);
  std::string_view port_text;
  if (hostport.starts_with("[")) {
    auto close = hostport.find(']');
    if (close == std::string_view::npos) {
      return fail(url_error(url, "an unclosed [ in the host"));
    }
    out.host = std::string(hostport.substr(1, close - 1));
    if (close + 1 < hostport.size()) {
      if (hostport[close + 1] != ':') {
        return fail(url_error(url, "unexpected text after the host"));
      }
      port_text = hostport.substr(close + 2);
    }
  } else {
    auto colon = hostport.find(':');
    out.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = hostport.substr(colon + 1);
    }
  }
  // The host ends up in ssh's command line and the managed ssh config (where a user's
  // ProxyCommand may pass it to a shell as %h): only plain names and address literals pass.
  const bool bracketed = hostport.starts_with("[");
  if (bracketed ? !remote::is_ip_literal(out.host) || out.host.find(':') == std::string::npos
                : !remote::is_ip_literal(out.host) && !is_dns_name(out.host)) {
    return fail(url_error(url, "the host must be a plain DNS name or an IPv4/IPv6 address"));
  }
  if (out.host.find('%') != std::string::npos) {
    return fail(url_error(url, "an IPv6 zone (%) is not supported"));
  }
  if (!is_user_name(out.user)) {
    return fail(url_error(url, "the user must be a plain user name (letters, digits, . _ -)"));
  }
  if (!port_text.empty() || hostport.ends_with(":")) {
    int port = 0;
    for (char c : port_text) {
      port =
          std::isdigit(static_cast<unsigned char>(c)) && port < 100000 ? port * 10 + (c - '0') : -1;
    }
    if (port <= 0 || port > 65535) {
      return fail(url_error(url, "the port must be 1-65535"));
    }
    out.port = port;
  }
  return out;
}

Result<std::vector<std::string>> keys_known_for(ProcessRunner& runner, const fs::path& known_hosts,
                                                std::string_view host, int port) {
  std::error_code ec;
  std::vector<std::string> keys;
  if (known_hosts.empty() || !fs::exists(known_hosts, ec)) {
    return keys;
  }
  const std::string lookup = port == 22 ? std::string(host) : fmt::format("[{}]:{}", host, port);
  RunOptions options;
  options.timeout = std::chrono::seconds(20);
  GPUBOX_TRY_ASSIGN(result,
                    runner.run({"ssh-keygen", "-F", lookup, "-f", known_hosts.string()}, options));
  if (result.exit_code != 0) {
    return keys;  // 1: no entry for this host
  }
  for (const std::string& line : split(result.stdout_text, '\n')) {
    std::vector<std::string> f;
    for (const std::string& word : split(trim(line), ' ')) {
      if (!word.empty()) {
        f.push_back(word);
      }
    }
    // "# Host x found: line 3" comments; @cert-authority and @revoked lines are not host keys.
    if (f.size() < 3 || f[0].starts_with("#") || f[0].starts_with("@")) {
      continue;
    }
    std::string key = f[1] + " " + f[2];
    if (is_host_key_line(key) && std::ranges::find(keys, key) == keys.end()) {
      keys.push_back(std::move(key));
    }
  }
  return keys;
}

Result<state::Box> add_byo_box(const ByoDeps& deps, const AddByoRequest& request) {
  GPUBOX_TRY(request.cluster.empty() ? validate_name(request.name)
                                     : validate_box_name(request.name));
  GPUBOX_TRY_ASSIGN(existing, deps.store.find_box(request.name));
  if (existing) {
    return fail(ErrorKind::conflict, "a box named '" + request.name + "' already exists",
                "pick another name, or `gpubox rm " + request.name + "` first");
  }
  GPUBOX_TRY_ASSIGN(url, parse_ssh_url(request.url));
  state::Box box;
  box.name = request.name;
  box.kind = state::BoxKind::byo;
  box.state = "unknown";
  box.ssh_user = url.user;
  box.ssh_host = url.host;
  box.ssh_port = url.port;
  box.key_path = request.key_path.empty() ? "" : fs::absolute(request.key_path).string();
  box.created_at = deps.clock.now();
  box.idle_minutes = request.idle_minutes;
  box.max_hours = request.max_hours;
  box.jupyter_token_path = jupyter_token_path(deps.data_dir, request.name).string();
  box.cluster = request.cluster;
  box.node_index = request.node_index;
  box.private_ip = request.cluster.empty() ? "" : url.host;
  // The first connection accepts and records the host key (under the box's name); every later
  // one requires it.
  GPUBOX_TRY_ASSIGN(target, remote::target_for(box, deps.known_hosts, deps.policy));
  GPUBOX_TRY_ASSIGN(known, keys_known_for(deps.runner, deps.user_known_hosts, url.host, url.port));
  if (!known.empty()) {
    // The user already trusts a key for this machine: require it, as plain ssh would.
    GPUBOX_TRY(pin_host_keys(deps.files, deps.known_hosts, box.name, known));
    target.host_key_pinned = true;
    deps.progress.say(fmt::format("using the host key{} of {} from {}", known.size() > 1 ? "s" : "",
                                  url.host, deps.user_known_hosts.string()));
  }
  GPUBOX_TRY_ASSIGN(token, ensure_jupyter_token(deps.files, box.jupyter_token_path));
  deps.progress.say(
      fmt::format("bootstrapping {}@{}:{} (Jupyter on a private Unix socket, idle watchdog)",
                  target.user, target.host, target.port));
  BootstrapOptions options = bootstrap_options_for(box, token);
  if (auto ran = run_bootstrap(deps.runner, target, options, false); !ran) {
    std::error_code ec;
    fs::remove(box.jupyter_token_path, ec);
    (void)unpin_host_keys(deps.files, deps.known_hosts, box.name);
    Error e = ran.error();
    if (!known.empty() && (e.message.find("IDENTIFICATION HAS CHANGED") != std::string::npos ||
                           e.message.find("Host key verification failed") != std::string::npos)) {
      e.message = fmt::format("{} answers with a host key that differs from the one in {}",
                              url.host, deps.user_known_hosts.string());
      e.hint =
          "if the machine was reinstalled, check the new key with its admin, then "
          "`ssh-keygen -R " +
          url.host + "` and add it again";
    }
    return fail(std::move(e));
  }
  box.host_key_pinned = true;
  GPUBOX_TRY(deps.store.insert_box(box));
  return box;
}

Result<std::vector<state::Box>> add_byo_cluster(const ByoDeps& deps, const AddByoRequest& request,
                                                const std::vector<std::string>& urls) {
  GPUBOX_TRY(validate_name(request.name));
  if (urls.size() < 2 || urls.size() > static_cast<size_t>(k_max_nodes)) {
    return fail(ErrorKind::invalid_input,
                fmt::format("a cluster has 2 to {} machines; {} given", k_max_nodes, urls.size()));
  }
  GPUBOX_TRY_ASSIGN(same, deps.store.find_box(request.name));
  GPUBOX_TRY_ASSIGN(members, deps.store.list_members(request.name));
  if (same || !members.empty()) {
    return fail(ErrorKind::conflict, "a box or cluster named '" + request.name + "' already exists",
                "pick another name, or `gpubox rm " + request.name + "` first");
  }
  for (const auto& url : urls) {  // every URL is checked before the first connection
    GPUBOX_TRY(parse_ssh_url(url));
  }
  std::vector<state::Box> added;
  for (size_t k = 0; k < urls.size(); ++k) {
    AddByoRequest node = request;
    node.cluster = request.name;
    node.node_index = static_cast<int>(k);
    node.name = node_name(request.name, node.node_index);
    node.url = urls[k];
    deps.progress.say(fmt::format("node {} of {}: {}", k, urls.size(), urls[k]));
    auto box = add_byo_box(deps, node);
    if (!box) {
      for (const auto& b : added) {  // never leave part of a cluster behind
        if (auto target = remote::target_for(b, deps.known_hosts, deps.policy)) {
          (void)stop_byo(deps.runner, *target);
        }
        (void)forget_byo_box(deps, b.name);
      }
      Error e = box.error();
      e.message = fmt::format("node {} ({}): {}", k, urls[k], e.message);
      return fail(std::move(e));
    }
    added.push_back(std::move(*box));
  }
  return added;
}

Result<void> stop_byo(ProcessRunner& runner, const remote::SshTarget& target) {
  RunOptions options;
  options.timeout = std::chrono::minutes(1);
  // The uploaded copy first, then the installed one (~ expands in assignments).
  std::string command = "B=~/" + std::string(k_remote_onbox_dir) +
                        "/bootstrap.sh; [ -f \"$B\" ] || B=~/.gpubox/bin/bootstrap.sh; "
                        "[ -f \"$B\" ] || exit 0; bash \"$B\" --stop; rc=$?; "
                        // ...and no @reboot line starts them again (`gpubox start` rewrites it).
                        "A=~/.gpubox/bin/autostart.sh; [ ! -f \"$A\" ] || bash \"$A\" remove; "
                        "exit $rc";
  GPUBOX_TRY_ASSIGN(result, remote::ssh_run(runner, target, {command}, options));
  if (result.exit_code != 0) {
    return fail(ErrorKind::remote, fmt::format("stopping gpubox's services on {} failed: {}",
                                               target.name, trim(result.stderr_text)));
  }
  return {};
}

Result<void> forget_byo_box(const ByoDeps& deps, std::string_view name) {
  GPUBOX_TRY_ASSIGN(box, deps.store.get_box(name));
  if (box.kind != state::BoxKind::byo) {
    return fail(
        ErrorKind::invalid_input,
        fmt::format("{} is an AWS box; `rm` only forgets machines added with `gpubox add`", name),
        fmt::format("run `gpubox down {}` to terminate it", name));
  }
  if (auto target = remote::target_for(box, deps.known_hosts, deps.policy)) {
    (void)close_tunnel(deps.runner, *target, tunnel_socket(deps.data_dir, box.name));
  }
  std::error_code ec;
  fs::remove(deps.data_dir / "run" / (box.name + ".tunnel.json"), ec);
  if (!box.jupyter_token_path.empty()) {
    (void)deps.files.remove_file(box.jupyter_token_path);
  }
  GPUBOX_TRY(unpin_host_keys(deps.files, deps.known_hosts, box.name));
  return deps.store.remove_box(name);
}

Result<BoxTarget> box_target(state::BoxStore& store, std::string_view name,
                             const fs::path& data_dir, const fs::path& known_hosts,
                             const remote::ConnectPolicy& policy) {
  GPUBOX_TRY_ASSIGN(found, store.find_box(name));
  if (!found) {
    return fail(ErrorKind::not_found, fmt::format("no box named '{}'", name),
                "`gpubox ls` lists your boxes; `gpubox add NAME ssh://user@host` adds a machine");
  }
  BoxTarget out;
  out.box = *found;
  GPUBOX_TRY_ASSIGN(target, remote::target_for(out.box, known_hosts, policy));
  out.target = std::move(target);
  fs::path token_path = out.box.jupyter_token_path.empty()
                            ? jupyter_token_path(data_dir, out.box.name)
                            : fs::path(out.box.jupyter_token_path);
  GPUBOX_TRY_ASSIGN(token, ensure_jupyter_token(disk_file_system(), token_path));
  out.token = std::move(token);
  return out;
}

}  // namespace gpubox::box
