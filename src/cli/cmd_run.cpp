// gpubox run NAME [--workdir DIR] [--env K=V]... [--detach] [--then stop] -- CMD [ARGS...]

#include "cli/cmd_run.hpp"

#include <memory>
#include <ostream>

#include <fmt/format.h>

#include "box/jobs/jobs.hpp"
#include "box/jobs/sync.hpp"
#include "cli/app.hpp"
#include "cli/deps.hpp"
#include "cli/interrupt.hpp"
#include "cli/output.hpp"

namespace gpubox::cli {

namespace {

Result<box::JobSpec> job_spec(const RunJobOptions& opts) {
  box::JobSpec spec;
  spec.command = opts.command;
  for (const std::string& kv : opts.env) {
    GPUBOX_TRY_ASSIGN(pair, box::parse_env_pair(kv));
    spec.env.push_back(std::move(pair));
  }
  spec.stop_after = opts.then == "stop";
  return spec;
}

// Follow job `id` until it ends and exit with its code; on Ctrl-C, ask whether to stop it.
Result<void> follow(const RunJobOptions& opts, const box::BoxTarget& bt, const std::string& id,
                    Env& env) {
  env.progress().say(
      fmt::format("job {} on {}: its output follows (Ctrl-C stops following)", id, opts.name));
  InterruptLatch latch;
  GPUBOX_TRY_ASSIGN(
      code, box::stream_job_output(env.runner, bt.target, id, true, [&](std::string_view chunk) {
        env.streams.out << chunk << std::flush;
      }));
  if (!latch.fired()) {
    if (code != 0) {
      env.streams.err << fmt::format("gpubox: job {} on {} exited with {}\n", id, opts.name, code);
    }
    env.exit_code = code;
    return {};
  }
  env.exit_code = 130;
  auto stop = env.prompter.confirm(
      fmt::format("\nstop job {} on {}? (no: it keeps running there)", id, opts.name), false,
      Unattended::use_default);
  if (stop && *stop) {
    GPUBOX_TRY_ASSIGN(state, box::cancel_job(env.runner, bt.target, id));
    env.streams.err << fmt::format("job {} on {}: {}\n", id, opts.name, state);
    return {};
  }
  env.streams.err << fmt::format(
      "job {} keeps running on {}: `gpubox logs {} {} -f` follows it, `gpubox cancel {} {}` "
      "stops it\n",
      id, opts.name, opts.name, id, opts.name, id);
  return {};
}

}  // namespace

Result<void> run_run(const RunJobOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(spec, job_spec(opts));  // refuse a bad --env before connecting
  if (spec.command.empty()) {
    return fail(ErrorKind::invalid_input, "no command to run: give it after --",
                "gpubox run " + opts.name + " -- python train.py");
  }
  GPUBOX_TRY_ASSIGN(bt, named_box_target(env, opts.name));
  if (spec.stop_after && bt.box.kind != state::BoxKind::aws) {
    return fail(ErrorKind::invalid_input,
                "--then stop shuts down AWS boxes; " + opts.name + " is your own machine",
                "leave out --then, or `gpubox stop " + opts.name + "` after the job");
  }
  if (!opts.workdir.empty()) {
    box::SyncSpec sync;
    sync.local = opts.workdir;
    if (!sync.local.ends_with('/')) {
      sync.local += '/';  // the directory's contents, not the directory inside it
    }
    sync.remote = box::remote_workdir_for(opts.workdir);
    sync.workdir = true;
    GPUBOX_TRY(box::sync_files(env.runner, bt.target, sync, env.progress()));
    spec.cwd = sync.remote;
  }
  GPUBOX_TRY_ASSIGN(id, box::start_job(env.runner, bt.target, spec));
  if (!opts.detach) {
    return follow(opts, bt, id, env);
  }
  if (opts.json) {
    print_json(env.streams, {{"name", opts.name}, {"id", id}, {"cwd", spec.cwd}});
  } else {
    env.streams.out << id << "\n";
  }
  env.progress().say(fmt::format("job {} runs on {}: `gpubox logs {} {} -f` follows it", id,
                                 opts.name, opts.name, id));
  return {};
}

void add_run_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<RunJobOptions>();
  auto* cmd = app.add_subcommand("run", "Run a command on a box as a job that outlives ssh");
  set_details(
      cmd,
      "Sync --workdir to the box (rsync over the managed ssh: only what changed travels; "
      ".gitignore and .gpuboxignore are honoured, .git is skipped) into ~/gpubox/work/<its "
      "name>, then run CMD there as a job. The job runs detached from the ssh session, so it "
      "keeps going when the connection or the laptop goes away; its output and exit status are "
      "kept on the box (gpubox jobs, gpubox logs). Without --detach, run follows the output and "
      "exits with the job's exit code; Ctrl-C asks whether to stop the job or leave it running. "
      "--env values travel on ssh's stdin, never on a command line. On the PyTorch DLAMI, "
      "/opt/pytorch/bin comes first on the job's PATH. --then stop shuts an AWS box down when "
      "the job ends, whatever its exit status (the disk is kept; `gpubox start` brings it back). "
      "A running job counts as activity: the idle stop never interrupts it.");
  cmd->footer(
      "Examples:\n  gpubox run lab --workdir . -- python train.py --epochs 3\n"
      "  gpubox run lab --detach --env WANDB_MODE=offline -- python train.py\n"
      "  gpubox run lab --workdir . --then stop -- bash train.sh");
  cmd->add_option("name", opts->name, "The box")->required();
  cmd->add_option("--workdir", opts->workdir, "Local directory to sync to the box and run in")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--env", opts->env, "NAME=VALUE for the job's environment (repeatable)");
  cmd->add_flag("--detach", opts->detach, "Print the job id and return");
  cmd->add_option("--then", opts->then, "stop: shut the box down when the job ends")
      ->check(CLI::IsMember({"stop"}));
  cmd->add_flag("--json", opts->json, "With --detach: print one JSON object");
  cmd->add_option("command", opts->command, "The command and its arguments, after --");
  cmd->callback([opts, &env] { run_guarded(env, [&] { return run_run(*opts, env); }); });
}

}  // namespace gpubox::cli
