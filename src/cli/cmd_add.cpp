// gpubox add: register an existing machine reachable over ssh (bring your own).

#include "cli/cmd_add.hpp"

#include <memory>
#include <ostream>

#include <fmt/format.h>

#include "box/cluster.hpp"
#include "box/fleet/byo.hpp"
#include "box/fleet/lifecycle.hpp"
#include "box/onbox/autostop.hpp"
#include "cli/app.hpp"
#include "cli/deps.hpp"

namespace gpubox::cli {

namespace {

// Several machines: one cluster NAME, node K being the K-th URL.
Result<void> add_cluster(const AddOptions& opts, const box::AddByoRequest& request,
                         const box::ByoDeps& deps, Env& env) {
  GPUBOX_TRY_ASSIGN(nodes, box::add_byo_cluster(deps, request, opts.urls));
  if (opts.json) {
    auto list = nlohmann::json::array();
    for (const auto& b : nodes) {
      list.push_back({{"name", b.name},
                      {"node", b.node_index},
                      {"ssh", fmt::format("{}@{}:{}", b.ssh_user, b.ssh_host, b.ssh_port)},
                      {"address", b.private_ip}});
    }
    print_json(env.streams, {{"name", opts.name}, {"kind", "byo"}, {"nodes", list}});
    return {};
  }
  env.streams.out << fmt::format("added cluster {} ({} nodes):\n", opts.name, nodes.size());
  for (const auto& b : nodes) {
    env.streams.out << fmt::format("  {}  {}@{}:{}\n", box::display_name(b), b.ssh_user, b.ssh_host,
                                   b.ssh_port);
  }
  env.streams.out << fmt::format(
      "next: gpubox run {} --nodes all --workdir . -- python train.py   |   gpubox ssh {}:1\n",
      opts.name, opts.name);
  return {};
}

}  // namespace

Result<void> run_add(const AddOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(idle_minutes, box::parse_idle_minutes(opts.idle));
  GPUBOX_TRY_ASSIGN(max_hours, box::parse_max_hours(opts.max_hours));
  GPUBOX_TRY_ASSIGN(deps, byo_deps(env));
  if (opts.jupyter_port != 0) {
    warn(env.streams,
         "--jupyter-port is ignored: Jupyter listens on a Unix socket on the machine, never on a "
         "TCP port another process could hold first");
  }
  if (opts.urls.empty()) {
    return fail(ErrorKind::invalid_input, "which machine? give its ssh://user@host[:port]");
  }
  box::AddByoRequest request;
  request.name = opts.name;
  request.url = opts.urls.front();
  request.key_path = opts.key;
  request.idle_minutes = idle_minutes;
  request.max_hours = max_hours;
  if (opts.urls.size() > 1) {
    return add_cluster(opts, request, deps, env);
  }
  GPUBOX_TRY_ASSIGN(b, box::add_byo_box(deps, request));
  std::string where = fmt::format("{}@{}:{}", b.ssh_user, b.ssh_host, b.ssh_port);
  if (opts.json) {
    print_json(env.streams, {{"name", b.name},
                             {"kind", "byo"},
                             {"ssh", where},
                             {"idle_shutdown_minutes", b.idle_minutes},
                             {"max_hours", b.max_hours}});
    return {};
  }
  env.streams.out << fmt::format("added {} ({}); Jupyter runs on a private Unix socket there\n",
                                 b.name, where);
  env.streams.out << fmt::format("next: gpubox notebook {}   |   gpubox check {}\n", b.name,
                                 b.name);
  return {};
}

void add_add_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<AddOptions>();
  auto* cmd = app.add_subcommand("add", "Register a machine you already have (bring your own)");
  set_details(
      cmd,
      "Reach the machine over ssh, pin its host key, and run gpubox's bootstrap there: Jupyter on "
      "a Unix socket in a directory only your user may enter, with a token kept here (0600), an "
      "idle watchdog. `ssh`, `notebook`, `check` "
      "and `status` then work on it. `stop` stops gpubox's services, never the machine, unless "
      "--idle asks for an idle shutdown.\n\n"
      "Several URLs make one cluster NAME whose node K is the K-th machine (`gpubox ssh NAME:K`, "
      "`gpubox run NAME --nodes all`); all are added or none. The address the other nodes reach "
      "a node at (MASTER_ADDR for node 0) is its URL's host.");
  cmd->footer(
      "Examples:\n  gpubox add lab ssh://me@lab.example.org\n"
      "  gpubox add ws ssh://me@10.0.0.5:2222 --key ~/.ssh/id_ed25519\n"
      "  gpubox add rig ssh://root@rig --idle 1h   # shut it down after an idle hour\n"
      "  gpubox add duo ssh://me@10.0.0.5 ssh://me@10.0.0.6   # a two-node cluster");
  cmd->add_option("name", opts->name, "A name for the machine")->required();
  cmd->add_option("urls", opts->urls,
                  "ssh://user@host[:port]; several make one cluster, node K being the K-th")
      ->required();
  cmd->add_option("--key", opts->key, "Private key file (default: ssh's keys and agent)");
  cmd->add_option("--idle", opts->idle,
                  "Shut the machine down after this long idle: 30m, 2h or off (needs root there)")
      ->default_val("off");
  cmd->add_option("--max-hours", opts->max_hours,
                  "Stop gpubox's services after this many hours, or off")
      ->default_val("off");
  cmd->add_option("--jupyter-port", opts->jupyter_port,
                  "Ignored (kept for old scripts): Jupyter listens on a Unix socket")
      ->group("");  // hidden
  cmd->add_flag("--json", opts->json, "Print one JSON object to stdout");
  cmd->callback([opts, &env] { run_guarded(env, [&] { return run_add(*opts, env); }); });
}

}  // namespace gpubox::cli
