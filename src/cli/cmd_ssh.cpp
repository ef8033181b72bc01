// gpubox ssh: replace gpubox with the system ssh, logged in to the box with the right user, key
// and pinned host key; the exit code of the remote command passes straight through.

#include "cli/cmd_ssh.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <ostream>

#include <fmt/format.h>

#include "box/access/caller_ip.hpp"
#include "box/fleet/lifecycle.hpp"
#include "cli/app.hpp"
#include "cli/deps.hpp"
#include "remote/ssh.hpp"
#include "state/box_store.hpp"

namespace gpubox::cli {

namespace {

// Bring the box's address and the caller's /32 rule up to date. Best effort: ssh is never
// refused because of this; the stored address is used when the cloud cannot be asked.
void freshen(Env& env, state::BoxStore& store, const box::LocalFiles& files, state::Box& b) {
  auto ctx = env.aws();
  if (!ctx) {
    return;
  }
  auto deps = lifecycle_deps(env, *(*ctx)->client, store, (*ctx)->settings->region);
  if (!deps) {
    warn(env.streams, "could not refresh box " + b.name + ": " + deps.error().message);
    return;
  }
  const box::LifecycleDeps quiet{deps->client, deps->store, deps->clock, null_progress(),
                                 deps->owner};
  if (auto fresh = box::refresh_box(quiet, b.name, files)) {
    b = *fresh;
  } else {
    warn(env.streams, "could not refresh box " + b.name + ": " + fresh.error().message);
    return;  // never touch the rules of a box that may not be the caller's
  }
  auto ip = env.caller_ip().lookup();
  if (!ip) {
    return;
  }
  auto changed = box::update_caller_rule(*(*ctx)->client, b, *ip);
  if (!changed) {
    warn(env.streams, "could not update the SSH rule for your address: " + changed.error().message);
  } else if (*changed) {
    if (auto r = store.update_box(b); !r) {
      warn(env.streams, r.error().message);
    }
    env.progress().say(fmt::format("{} now admits your new address {}", b.name, b.allow_from));
  }
}

// Quote `arg` for the remote shell, which re-parses the words ssh joins with spaces.
std::string shell_quote(const std::string& arg) {
  const bool plain = !arg.empty() && arg.find_first_not_of(
                                         "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                         "0123456789_./=:@%+,-") == std::string::npos;
  if (plain) {
    return arg;
  }
  std::string out = "'";
  for (char c : arg) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

// One argument is a command line for the remote shell (`-- 'cd work && ls'`); several are an
// argv (`-- sh -c 'exit 7'`), quoted so the box sees exactly those words.
std::vector<std::string> remote_words(const std::vector<std::string>& command) {
  if (command.size() <= 1) {
    return command;
  }
  std::vector<std::string> out;
  out.reserve(command.size());
  for (const auto& a : command) {
    out.push_back(shell_quote(a));
  }
  return out;
}

Result<void> exec_argv(const std::vector<std::string>& argv) {
  std::vector<char*> c_argv;
  c_argv.reserve(argv.size());
  for (const auto& a : argv) {
    c_argv.push_back(const_cast<char*>(a.c_str()));
  }
  c_argv.push_back(nullptr);
  std::cout.flush();
  std::cerr.flush();
  ::execvp(c_argv[0], c_argv.data());
  Error e;
  e.kind = ErrorKind::not_found;
  e.message = fmt::format("could not run ssh: {}", std::strerror(errno));
  e.hint = "install the OpenSSH client (apt install openssh-client)";
  return fail(std::move(e));
}

}  // namespace

Result<void> run_ssh(const SshOptions& opts, Env& env) {
  // The store's box, else one found by tag in any region (or "no box named X", exit 1).
  GPUBOX_TRY_ASSIGN(found, find_named_box(env, opts.name));
  GPUBOX_TRY_ASSIGN(store, env.store());
  GPUBOX_TRY_ASSIGN(dir, env.data_dir());
  box::LocalFiles files{dir, env.connect_policy()};
  state::Box b = found;
  if (b.kind == state::BoxKind::aws) {
    freshen(env, *store, files, b);
  }
  // The target first: an address a local stand-in invented is refused before any AWS call.
  GPUBOX_TRY_ASSIGN(target, remote::target_for(b, files.known_hosts(), env.connect_policy()));
  GPUBOX_TRY(pin_before_connecting(env, *store, dir, b));
  target.host_key_pinned = target.host_key_pinned || b.host_key_pinned;
  return exec_argv(remote::ssh_argv(target, {}, remote_words(opts.command)));
}

void add_ssh_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<SshOptions>();
  auto* cmd = app.add_subcommand("ssh", "Open a shell on a box, or run a command there");
  set_details(
      cmd,
      "Run the system ssh with the box's user, key and pinned host key. With `-- CMD...` the "
      "command runs on the box and its exit code becomes gpubox's.");
  cmd->footer(
      "Examples:\n  gpubox ssh mybox\n  gpubox ssh mybox -- nvidia-smi\n"
      "  gpubox ssh mybox -- sh -c 'cd work && ls'");
  cmd->add_option("name", opts->name, "The box")->required();
  cmd->add_option("command", opts->command, "Command to run on the box (after --)");
  cmd->callback([opts, &env] { run_guarded(env, [&] { return run_ssh(*opts, env); }); });
}

}  // namespace gpubox::cli
