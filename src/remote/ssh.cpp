#include "remote/ssh.hpp"

#include <charconv>
#include <system_error>

#include "core/strings.hpp"
#include "remote/stand_in.hpp"

namespace gpubox::remote {
namespace {

Result<std::pair<std::string, int>> parse_host_port(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return fail(ErrorKind::invalid_input,
                "GPUBOX_SSH_CONNECT must be host:port, got '" + std::string(text) + "'");
  }
  std::string host(text.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string_view digits = text.substr(colon + 1);
  int port = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec == std::errc() && end == digits.data() + digits.size() && port > 0 && port < 65536) {
    return std::pair{host, port};
  }
  return fail(ErrorKind::invalid_input,
              "GPUBOX_SSH_CONNECT has an invalid port: '" + std::string(text) + "'");
}

}  // namespace

bool is_loopback_url(std::string_view url) { return is_stand_in_endpoint(url); }

Result<SshTarget> target_for(const state::Box& box, const std::filesystem::path& known_hosts,
                             const ConnectPolicy& policy) {
  SshTarget t;
  t.name = box.name;
  t.user = box.ssh_user.empty() ? "ubuntu" : box.ssh_user;
  t.key_path = box.key_path;
  t.known_hosts = known_hosts;
  t.host_key_pinned = box.host_key_pinned;
  t.host = box.ssh_host.empty() ? box.public_ip : box.ssh_host;
  t.port = box.ssh_port > 0 ? box.ssh_port : 22;
  if (policy.connect_override) {
    GPUBOX_TRY_ASSIGN(hp, parse_host_port(*policy.connect_override));
    t.host = hp.first;
    t.port = hp.second;
    return t;
  }
  if (box.kind == state::BoxKind::aws && policy.endpoint_is_local) {
    return fail(ErrorKind::invalid_input,
                "box " + box.name +
                    " lives on a local AWS stand-in (the EC2 endpoint is not an AWS domain); "
                    "its address " +
                    t.host + " is invented and is never connected to",
                "set GPUBOX_SSH_CONNECT=127.0.0.1:PORT to route box connections to a local sshd");
  }
  if (t.host.empty()) {
    return fail(
        ErrorKind::not_found,
        "box " + box.name + " has no address (is it stopped? try: gpubox start " + box.name + ")");
  }
  return t;
}

std::vector<std::string> ssh_argv(const SshTarget& target,
                                  const std::vector<std::string>& extra_options,
                                  const std::vector<std::string>& remote_command) {
  std::vector<std::string> argv{
      "ssh",
      "-o",
      "UserKnownHostsFile=" + target.known_hosts.string(),
      "-o",
      "HostKeyAlias=" + target.name,
      "-o",
      std::string("StrictHostKeyChecking=") + (target.host_key_pinned ? "yes" : "accept-new"),
      "-o",
      "ServerAliveInterval=30",
      "-o",
      "ForwardAgent=no",
      "-o",
      "ForwardX11=no",
      "-o",
      "HashKnownHosts=no",
      "-o",
      "ConnectTimeout=10",
      "-p",
      std::to_string(target.port),
      "-l",
      target.user};
  if (!target.key_path.empty()) {
    argv.insert(argv.end(), {"-i", target.key_path, "-o", "IdentitiesOnly=yes"});
  }
  argv.insert(argv.end(), extra_options.begin(), extra_options.end());
  argv.push_back(target.host);
  if (!remote_command.empty()) {
    argv.emplace_back("--");
    argv.insert(argv.end(), remote_command.begin(), remote_command.end());
  }
  return argv;
}

Result<ProcessResult> ssh_run(ProcessRunner& runner, const SshTarget& target,
                              const std::vector<std::string>& remote_command,
                              const RunOptions& options) {
  auto argv = ssh_argv(target, {"-o", "BatchMode=yes", "-T"}, remote_command);
  return runner.run(argv, options);
}

}  // namespace gpubox::remote
