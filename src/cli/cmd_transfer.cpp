// gpubox push NAME LOCAL [REMOTE] | pull NAME REMOTE [LOCAL]: rsync over the managed ssh.

#include "cli/cmd_transfer.hpp"

#include <memory>
#include <ostream>

#include "box/jobs/sync.hpp"
#include "cli/app.hpp"
#include "cli/deps.hpp"
#include "cli/output.hpp"

namespace gpubox::cli {

namespace {

Result<void> transfer(const TransferOptions& opts, bool to_box, Env& env) {
  GPUBOX_TRY_ASSIGN(bt, named_box_target(env, opts.name));
  box::SyncSpec spec;
  spec.to_box = to_box;
  if (to_box) {
    spec.local = opts.from;
    spec.remote = opts.to.empty() ? std::string(".") : opts.to;
  } else {
    spec.remote = opts.from;
    spec.local = opts.to.empty() ? std::string(".") : opts.to;
  }
  GPUBOX_TRY_ASSIGN(stats, box::sync_files(env.runner, bt.target, spec, env.progress()));
  if (opts.json) {
    print_json(env.streams, {{"name", opts.name},
                             {"files_transferred", stats.files_transferred},
                             {"bytes_sent", stats.bytes_sent},
                             {"bytes_received", stats.bytes_received}});
  }
  return {};
}

const char* const k_rsync_rules =
    "rsync's rules apply: a trailing slash on a directory copies its contents, without it the "
    "directory itself. Only what changed travels, and an interrupted transfer resumes "
    "(--partial). Remote paths are relative to the login user's home unless absolute.";

}  // namespace

Result<void> run_push(const TransferOptions& opts, Env& env) { return transfer(opts, true, env); }

Result<void> run_pull(const TransferOptions& opts, Env& env) { return transfer(opts, false, env); }

void add_transfer_commands(CLI::App& app, Env& env) {
  auto push = std::make_shared<TransferOptions>();
  auto* cmd = app.add_subcommand("push", "Copy local files to a box (rsync over ssh)");
  set_details(cmd,
              std::string("Copy LOCAL to REMOTE on the box (default: the home). ") + k_rsync_rules);
  cmd->footer("Examples:\n  gpubox push lab data/ datasets/imdb\n  gpubox push lab model.pt");
  cmd->add_option("name", push->name, "The box")->required();
  cmd->add_option("local", push->from, "A local file or directory")->required();
  cmd->add_option("remote", push->to, "Where on the box (default: the home)");
  cmd->add_flag("--json", push->json, "Print one JSON object with the transfer's figures");
  cmd->callback([push, &env] { run_guarded(env, [&] { return run_push(*push, env); }); });

  auto pull = std::make_shared<TransferOptions>();
  cmd = app.add_subcommand("pull", "Copy files from a box here (rsync over ssh)");
  set_details(cmd, std::string("Copy REMOTE on the box to LOCAL (default: the current "
                               "directory). ") +
                       k_rsync_rules);
  cmd->footer(
      "Examples:\n  gpubox pull lab gpubox/workdirs/proj/checkpoints ./\n"
      "  gpubox pull lab results.csv");
  cmd->add_option("name", pull->name, "The box")->required();
  cmd->add_option("remote", pull->from, "A file or directory on the box")->required();
  cmd->add_option("local", pull->to, "Where here (default: .)");
  cmd->add_flag("--json", pull->json, "Print one JSON object with the transfer's figures");
  cmd->callback([pull, &env] { run_guarded(env, [&] { return run_pull(*pull, env); }); });
}

}  // namespace gpubox::cli
