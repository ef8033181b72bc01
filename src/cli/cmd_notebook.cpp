// gpubox notebook NAME: Jupyter on the box, through an ssh tunnel from a local port.

#include "cli/cmd_notebook.hpp"

#include <memory>
#include <ostream>

#include <fmt/format.h>

#include "box/access/notebook.hpp"
#include "box/fleet/byo.hpp"
#include "box/fleet/lifecycle.hpp"
#include "cli/app.hpp"
#include "cli/deps.hpp"

namespace gpubox::cli {

namespace {

Result<void> stop_tunnel(Env& env, const box::BoxTarget& bt, const std::filesystem::path& dir) {
  GPUBOX_TRY_ASSIGN(closed,
                    box::close_tunnel(env.runner, bt.target, box::tunnel_socket(dir, bt.box.name)));
  std::error_code ec;
  std::filesystem::remove(dir / "run" / (bt.box.name + ".tunnel.json"), ec);
  env.streams.out << (closed ? "closed the tunnel to " : "no tunnel open to ") << bt.box.name
                  << "\n";
  return {};
}

}  // namespace

Result<void> run_notebook(const NotebookOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(dir, env.data_dir());
  GPUBOX_TRY_ASSIGN(bt, named_box_target(env, opts.name));
  if (opts.stop) {
    return stop_tunnel(env, bt, dir);
  }
  // Block Ctrl-C before the tunnel exists, so an early one still closes it.
  std::unique_ptr<box::SignalWaiter> waiter;
  if (!opts.background) {
    waiter = std::make_unique<box::SignalWaiter>();
  }
  box::NotebookDeps deps{env.runner, env.http, env.clock, dir, env.progress()};
  GPUBOX_TRY_ASSIGN(session, box::ensure_notebook(deps, {bt.box, bt.target, bt.token, opts.port}));
  // The token URL is the one secret gpubox prints on purpose: on stdout only, never logged.
  env.streams.out << session.url << '\n';
  if (opts.open) {
    auto browser = env.getenv("BROWSER").value_or("");
    RunOptions run;
    run.timeout = std::chrono::seconds(20);
    GPUBOX_TRY_ASSIGN(page, box::write_redirect_page(dir, opts.name, session.url));
    auto opened = env.runner.run(box::browser_argv(browser, page), run);
    if (!opened || opened->exit_code != 0) {
      env.progress().say("could not open a browser; open the URL above yourself");
    }
  }
  if (opts.background) {
    env.progress().say(
        fmt::format("tunnel 127.0.0.1:{} -> {} runs in the background; close it "
                    "with `gpubox notebook {} --stop`",
                    session.local_port, opts.name, opts.name));
    return {};
  }
  env.progress().say(fmt::format("tunnel 127.0.0.1:{} -> {}:{}; Ctrl-C closes it",
                                 session.local_port, opts.name, session.remote_socket));
  return box::hold_tunnel(env.runner, *waiter, bt.target, box::tunnel_socket(dir, opts.name));
}

void add_notebook_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<NotebookOptions>();
  auto* cmd = app.add_subcommand("notebook", "Open the box's Jupyter through an ssh tunnel");
  set_details(
      cmd,
      "Make sure Jupyter runs on the box (on a Unix socket only its login user may reach), forward "
      "a local port to it over ssh and print the http://127.0.0.1:PORT/?token=... URL. The tunnel "
      "stays until Ctrl-C, or "
      "with --background until `gpubox notebook NAME --stop`.");
  cmd->footer(
      "Examples:\n  gpubox notebook mybox --open\n"
      "  gpubox notebook mybox --port 8888 --background\n"
      "  gpubox notebook mybox --stop");
  cmd->add_option("name", opts->name, "The box")->required();
  cmd->add_option("--port", opts->port, "Local port (default: a free one)")
      ->check(CLI::Range(1, 65535));
  cmd->add_flag("--open", opts->open, "Open the URL in a browser ($BROWSER or xdg-open)");
  cmd->add_flag("--background", opts->background, "Leave the tunnel running and return");
  cmd->add_flag("--stop", opts->stop, "Close a tunnel left running by --background");
  cmd->callback([opts, &env] { run_guarded(env, [&] { return run_notebook(*opts, env); }); });
}

}  // namespace gpubox::cli
