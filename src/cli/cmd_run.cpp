// gpubox run NAME [--workdir DIR] [--env K=V]... [--detach] [--then stop]
//            [--retry-on-interruption] -- CMD [ARGS...]

#include "cli/cmd_run.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>

#include <fmt/format.h>

#include "box/jobs/cluster_run.hpp"
#include "box/jobs/jobs.hpp"
#include "box/jobs/sync.hpp"
#include "cli/app.hpp"
#include "cli/cmd_down.hpp"
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
  spec.stop_after = opts.then == "stop" || opts.then == "down";
  spec.max_attempts = opts.retry ? box::k_retry_attempts : 1;
  return spec;
}

// Refuse the combinations that cannot work, before anything is created.
Result<void> check_combination(const RunJobOptions& opts) {
  if (opts.down_after && !opts.launch) {
    return fail(ErrorKind::invalid_input,
                "--down removes a box run launched for the job; give --gpu or --type",
                "to remove an existing box after its job: gpubox run " + opts.name +
                    " --then stop ..., or `gpubox down " + opts.name + "` afterwards");
  }
  if (opts.down_after && opts.detach) {
    return fail(ErrorKind::invalid_input,
                "--down waits for the job to remove the box; it cannot be --detach-ed");
  }
  if (opts.retry && (opts.then == "down" || opts.down_after)) {
    // An interruption stops the box, which is what `gc` (--then down) and --down wait for to
    // remove it: the re-run would never come.
    return fail(ErrorKind::invalid_input,
                std::string("--retry-on-interruption waits for the box to come back; ") +
                    (opts.down_after ? "--down" : "--then down") +
                    " would remove it once it has stopped",
                "use --then stop (the box powers off after the last attempt), then `gpubox down " +
                    opts.name + "`");
  }
  if (opts.torchrun && opts.nodes != "all") {
    return fail(ErrorKind::invalid_input, "--torchrun starts one job across a cluster's nodes",
                "gpubox run " + opts.name + " --nodes all --torchrun -- train.py");
  }
  if (!opts.nodes.empty() && opts.launch) {
    return fail(ErrorKind::invalid_input,
                "--nodes all runs on an existing cluster; --gpu and --type launch one box",
                "launch the cluster first: gpubox up " + opts.name +
                    " --nodes N ..., then gpubox run " + opts.name + " --nodes all -- CMD");
  }
  if (!opts.outputs.empty() && (opts.workdir.empty() || opts.detach)) {
    return fail(ErrorKind::invalid_input,
                "--outputs pulls a directory of the job's workdir back when the job ends; it "
                "needs --workdir and no --detach");
  }
  return {};
}

// Launch box `opts.name` for the job, as `gpubox up` would (plan, confirmation, quota
// preflight, /32, caps), waiting until ssh answers.
Result<void> launch_box(const RunJobOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(store, env.store());
  GPUBOX_TRY_ASSIGN(existing, store->find_box(opts.name));
  if (existing) {
    return fail(ErrorKind::conflict,
                "a box named " + opts.name + " exists: --gpu and --type launch a new one",
                "leave them out to run on " + opts.name + ", or pick another name");
  }
  UpOptions up = opts.up;
  up.req.name = opts.name;
  up.req.wait = "ssh";
  up.for_a_job = true;
  return run_up(up, env);
}

// With --retry-on-interruption, when following job `id` ended with `code` (130: cancelled or
// interrupted; 255: ssh lost the box, which a spot stop does) or `lost` the box: say whether and
// when the job runs again, and how to follow it.
void explain_retry(const RunJobOptions& opts, const box::BoxTarget& bt, const std::string& id,
                   int code, bool lost, Env& env) {
  if (!opts.retry || (!lost && code != box::k_job_stopped_exit && code != 255)) {
    return;
  }
  const std::string follow_it = fmt::format("`gpubox logs {} {} -f` follows it", opts.name, id);
  std::optional<box::JobInfo> job;
  if (!lost) {
    if (auto found = box::find_job(env.runner, bt.target, id)) {
      job = std::move(*found);
    }
  }
  if (job && job->rerun_pending) {
    env.streams.err << fmt::format(
        "gpubox: job {} on {} was interrupted; it runs again when {} restarts (attempt {} of "
        "{}): {}\n",
        id, opts.name, opts.name, job->attempt + 1, job->max_attempts, follow_it);
  } else if (!job) {
    env.streams.err << fmt::format(
        "gpubox: {} no longer answers; if a spot interruption stopped it, job {} runs again "
        "when it restarts: `gpubox ls` shows when, and {}\n",
        opts.name, id, follow_it);
  }
}

// Follow job `id` until it ends and exit with its code; on Ctrl-C, ask whether to stop it.
Result<void> follow(const RunJobOptions& opts, const box::BoxTarget& bt, const std::string& id,
                    Env& env) {
  env.progress().say(
      fmt::format("job {} on {}: its output follows (Ctrl-C stops following)", id, opts.name));
  InterruptLatch latch;
  auto streamed = box::stream_job_output(
      env.runner, bt.target, id, true,
      [&](std::string_view chunk) { env.streams.out << chunk << std::flush; });
  if (!streamed) {
    explain_retry(opts, bt, id, 0, true, env);
    return fail(streamed.error());
  }
  const int code = *streamed;
  if (!latch.fired()) {
    explain_retry(opts, bt, id, code, false, env);
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

// The sync of --workdir to the box: the directory's contents (not the directory inside it) into
// gpubox/workdirs/<its name>, filtered by its ignore files.
box::SyncSpec workdir_sync(const RunJobOptions& opts) {
  box::SyncSpec sync;
  sync.local = opts.workdir.ends_with('/') ? opts.workdir : opts.workdir + "/";
  sync.remote = box::remote_workdir_for(opts.workdir);
  sync.workdir = true;
  return sync;
}

// After a followed job (its exit code in env.exit_code), pull --outputs of its workdir `cwd` on
// `target` back into the local workdir; nothing when the job was left running (130).
Result<void> pull_outputs(const RunJobOptions& opts, const std::string& cwd,
                          const remote::SshTarget& target, Env& env) {
  if (opts.outputs.empty() || env.exit_code == 130) {
    return {};
  }
  box::SyncSpec pull;
  pull.to_box = false;
  pull.remote = cwd + "/" + opts.outputs + "/";
  pull.local = (std::filesystem::path(opts.workdir) / opts.outputs).string() + "/";
  auto pulled = box::sync_files(env.runner, target, pull, env.progress());
  if (!pulled && env.exit_code == 0) {
    return fail(pulled.error());  // the job succeeded: its results must not be lost quietly
  }
  if (!pulled) {  // a failed job may have written none: its own exit code says more
    warn(env.streams, "no outputs pulled from " + opts.name + ": " + pulled.error().message);
  }
  return {};
}

// The job on every node of cluster `opts.name` at once: the workdir synced to each, one job id,
// each node's rendezvous environment, the outputs merged with rank prefixes.
Result<void> run_cluster_job(const RunJobOptions& opts, box::JobSpec spec, Env& env) {
  GPUBOX_TRY_ASSIGN(cluster, cluster_nodes(env, opts.name));
  if (!cluster) {
    return fail(ErrorKind::invalid_input,
                opts.name + " is not a cluster: --nodes all runs a job on every node of one",
                "make one with `gpubox up NAME --nodes N` or `gpubox add NAME ssh://a ssh://b`; "
                "leave out --nodes for one box");
  }
  const auto& boxes = cluster->boxes;
  const auto& nodes = cluster->nodes;
  for (const auto& b : boxes) {
    if (spec.stop_after && b.kind != state::BoxKind::aws) {
      return fail(ErrorKind::invalid_input,
                  "--then " + opts.then + " shuts down AWS boxes; " + opts.name +
                      " is made of your own machines",
                  "leave out --then, or `gpubox stop " + opts.name + "` after the job");
    }
  }
  if (opts.then == "down") {
    GPUBOX_TRY_ASSIGN(ctx, env.aws());
    for (const auto& b : boxes) {
      GPUBOX_TRY(box::mark_then_down(*ctx->client, b));
    }
  }
  box::ClusterLayout layout;
  for (const auto& b : boxes) {
    layout.addresses.push_back(b.private_ip.empty() ? b.ssh_host : b.private_ip);
  }
  GPUBOX_TRY_ASSIGN(probe, box::probe_node(env.runner, nodes.front().target));
  layout.master_port = probe.free_port;
  layout.gpus_per_node = probe.gpus;
  if (!opts.workdir.empty()) {
    const box::SyncSpec sync = workdir_sync(opts);
    env.progress().say(
        fmt::format("syncing {} to the {} nodes of {}", opts.workdir, nodes.size(), opts.name));
    auto synced = box::on_every_node(nodes, [&](const box::JobNode& node) -> Result<void> {
      GPUBOX_TRY(box::sync_files(env.runner, node.target, sync, null_progress()));
      return {};
    });
    GPUBOX_TRY(synced);
    spec.cwd = sync.remote;
  }
  spec.id = box::new_job_id(env.clock.now());
  const std::vector<std::string> command = spec.command;
  // Installed before the jobs start: a Ctrl-C from the moment they may run stops them all.
  InterruptLatch latch;
  auto started = box::on_every_node(nodes, [&](const box::JobNode& node) -> Result<void> {
    box::JobSpec mine = spec;
    auto rendezvous = box::node_env(layout, node.rank, !opts.torchrun);
    mine.env.insert(mine.env.end(), rendezvous.begin(), rendezvous.end());
    if (opts.torchrun) {
      mine.command = box::torchrun_argv(layout, node.rank, command);
    }
    GPUBOX_TRY(box::start_job(env.runner, node.target, mine));
    return {};
  });
  if (!started || latch.fired()) {  // never leave part of a job running
    (void)box::cancel_cluster_job(env.runner, nodes, spec.id);
    if (latch.fired()) {  // Ctrl-C while the nodes were starting: not a failure of the job
      env.streams.err << fmt::format("\nstopped job {} on every node of {}\n", spec.id, opts.name);
      env.exit_code = 130;
      return {};
    }
    return fail(started.error());
  }
  if (opts.detach) {
    if (opts.json) {
      print_json(env.streams, {{"name", opts.name},
                               {"id", spec.id},
                               {"cwd", spec.cwd},
                               {"nodes", nodes.size()},
                               {"master_addr", layout.addresses.front()},
                               {"master_port", layout.master_port}});
    } else {
      env.streams.out << spec.id << "\n";
    }
    env.progress().say(
        fmt::format("job {} runs on the {} nodes of {}: `gpubox logs {} {} -f` "
                    "follows it",
                    spec.id, nodes.size(), opts.name, opts.name, spec.id));
    return {};
  }
  env.progress().say(fmt::format(
      "job {} on the {} nodes of {} (MASTER_ADDR {}, port {}): its output follows, each line "
      "prefixed with its node; Ctrl-C stops it on every node",
      spec.id, nodes.size(), opts.name, layout.addresses.front(), layout.master_port));
  GPUBOX_TRY_ASSIGN(
      outcome,
      box::follow_cluster_job(
          env.runner, nodes, spec.id,
          [&](std::string_view text) { env.streams.out << text << std::flush; },
          [&](int rank, int code) {
            env.streams.err << fmt::format(
                "gpubox: job {} failed on node {} of {} (exit {}); stopping it on the other "
                "nodes\n",
                spec.id, rank, opts.name, code);
            return true;
          },
          [&] { return latch.fired(); }));
  if (latch.fired()) {
    env.exit_code = 130;
    env.streams.err << fmt::format("\nstopping job {} on every node of {}\n", spec.id, opts.name);
    GPUBOX_TRY(box::cancel_cluster_job(env.runner, nodes, spec.id));
    return {};
  }
  env.exit_code = outcome.exit_code;
  // Node 0 writes the results, by the usual convention.
  return pull_outputs(opts, spec.cwd, nodes.front().target, env);
}

}  // namespace

// Sync, start and follow (or detach) the job on box `opts.name`.
Result<void> run_job(const RunJobOptions& opts, box::JobSpec spec, Env& env) {
  GPUBOX_TRY_ASSIGN(bt, named_box_target(env, opts.name));
  if (spec.stop_after && bt.box.kind != state::BoxKind::aws) {
    return fail(
        ErrorKind::invalid_input,
        "--then " + opts.then + " shuts down AWS boxes; " + opts.name + " is your own machine",
        "leave out --then, or `gpubox stop " + opts.name + "` after the job");
  }
  if (opts.then == "down") {
    // The box can only power itself off (it has no AWS credentials); the tag tells gc to finish.
    GPUBOX_TRY_ASSIGN(ctx, env.aws());
    GPUBOX_TRY(box::mark_then_down(*ctx->client, bt.box));
    env.progress().say(
        fmt::format("when the job ends, {} powers itself off; `gpubox gc` then "
                    "removes it (or `gpubox down {}`)",
                    opts.name, opts.name));
  }
  if (!opts.workdir.empty()) {
    const box::SyncSpec sync = workdir_sync(opts);
    GPUBOX_TRY(box::sync_files(env.runner, bt.target, sync, env.progress()));
    spec.cwd = sync.remote;
  }
  if (opts.retry && !(bt.box.kind == state::BoxKind::aws && bt.box.spot)) {
    env.progress().say(
        fmt::format("note: {} is not a spot box: no spot notice interrupts its jobs, so "
                    "--retry-on-interruption changes nothing there",
                    opts.name));
  }
  GPUBOX_TRY_ASSIGN(id, box::start_job(env.runner, bt.target, spec));
  if (!opts.detach) {
    GPUBOX_TRY(follow(opts, bt, id, env));
    return pull_outputs(opts, spec.cwd, bt.target, env);
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

Result<void> run_run(const RunJobOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(spec, job_spec(opts));  // refuse a bad --env before connecting
  if (spec.command.empty()) {
    return fail(ErrorKind::invalid_input, "no command to run: give it after --",
                "gpubox run " + opts.name + " -- python train.py");
  }
  GPUBOX_TRY(check_combination(opts));
  if (!opts.nodes.empty()) {
    return run_cluster_job(opts, std::move(spec), env);
  }
  if (opts.launch) {
    GPUBOX_TRY(launch_box(opts, env));
  }
  auto ran = run_job(opts, std::move(spec), env);
  // A job left running after Ctrl-C keeps its box; otherwise --down removes it whatever happened.
  if (opts.down_after && !(ran && env.exit_code == 130)) {
    const int job_exit = env.exit_code;
    DownOptions down;
    down.names = {opts.name};
    down.confirmed = true;  // asked for with --down, before the launch
    down.report_on_stderr = true;
    env.exit_code = 0;
    auto removed = run_down(down, env);
    if (!removed) {
      return fail(removed.error());
    }
    // The job's exit code, unless the job succeeded and removing its box did not.
    env.exit_code = job_exit != 0 ? job_exit : env.exit_code;
  } else if (opts.down_after) {
    env.streams.err << "gpubox: " << opts.name << " is kept while its job runs: `gpubox down "
                    << opts.name << "` removes it\n";
  }
  return ran;
}

void add_run_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<RunJobOptions>();
  auto* cmd = app.add_subcommand("run", "Run a command on a box as a job that outlives ssh");
  set_details(
      cmd,
      "Sync --workdir to the box (rsync over the managed ssh: only what changed travels; "
      ".gitignore and .gpuboxignore are honoured, .git is skipped) into ~/gpubox/workdirs/<its "
      "name>, then run CMD there as a job. The job runs detached from the ssh session, so it "
      "keeps going when the connection or the laptop goes away; its output and exit status are "
      "kept on the box (gpubox jobs, gpubox logs). Without --detach, run follows the output and "
      "exits with the job's exit code; Ctrl-C asks whether to stop the job or leave it running. "
      "--env values travel on ssh's stdin, never on a command line. On the PyTorch DLAMI, "
      "/opt/pytorch/bin comes first on the job's PATH. --then stop shuts an AWS box down when "
      "the job ends, whatever its exit status (the disk is kept; `gpubox start` brings it back); "
      "--then down also tags it so that `gpubox gc` removes it once it has stopped. "
      "A running job counts as activity: the idle stop never interrupts it.\n\n"
      "Spot boxes: two minutes before AWS interrupts a spot box, its watchdog sends SIGTERM to "
      "the running jobs (time to checkpoint) and marks them interrupted. With "
      "--retry-on-interruption, when the box comes back (gpubox's spot boxes are persistent and "
      "stop on interruption; AWS starts them again when it has capacity), its watchdog runs an "
      "interrupted job again at its first round after the boot: the same command, directory and "
      "--env values, at most once per boot and 3 attempts in all; one log keeps every "
      "attempt's output. The --env values are then kept on the box until the job is over "
      "(~/.gpubox/jobs/ID/env, mode 0600). In the foreground, run says so when the job is "
      "interrupted and exits with 130; `gpubox logs NAME ID -f` follows the re-run.\n\n"
      "From nothing to results in one command: with --gpu or --type, run first launches box NAME "
      "as `gpubox up` does (the plan and its price, the confirmation, the quota preflight, SSH "
      "from your address only, the idle stop and caps), waits until ssh answers, runs the job, "
      "pulls --outputs (a directory relative to the workdir) back into the local workdir, and "
      "with --down removes the box whatever the job's exit status. A job left running after "
      "Ctrl-C keeps its box.\n\n"
      "On a cluster (`gpubox up NAME --nodes N`, `gpubox add NAME ssh://a ssh://b`), --nodes all "
      "syncs the workdir to every node and starts CMD on all of them at once under one job id, "
      "with MASTER_ADDR (node 0's private address), MASTER_PORT (free on node 0), NODE_RANK, "
      "WORLD_SIZE and RANK (one process per node), GPUBOX_NODE_IPS, GPUBOX_NUM_NODES and "
      "GPUBOX_GPUS_PER_NODE: what torch.distributed's env:// rendezvous reads. --torchrun runs "
      "the script under torchrun instead (one process per GPU; torchrun sets RANK and "
      "WORLD_SIZE). Each output line is prefixed with its node's rank; the exit code is the "
      "first failing node's, and that failure stops the job on the other nodes; Ctrl-C stops it "
      "on every node. --outputs are pulled from node 0. `gpubox ssh NAME:K` reaches node K.");
  cmd->footer(
      "Examples:\n  gpubox run lab --workdir . -- python train.py --epochs 3\n"
      "  gpubox run job1 --gpu T4 --spot --workdir . --outputs out --down -- python train.py\n"
      "  gpubox run lab --detach --env WANDB_MODE=offline -- python train.py\n"
      "  gpubox run lab --workdir . --then stop -- bash train.sh\n"
      "  gpubox run spotbox --workdir . --retry-on-interruption -- python train.py --resume\n"
      "  gpubox run duo --nodes all --workdir . -- python train.py   # every node of a cluster\n"
      "  gpubox run duo --nodes all --torchrun --workdir . -- train.py --epochs 3");
  cmd->add_option("name", opts->name, "The box")->required();
  cmd->add_option("--workdir", opts->workdir, "Local directory to sync to the box and run in")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--env", opts->env, "NAME=VALUE for the job's environment (repeatable)")
      ->allow_extra_args(false);  // one pair per --env: `--` still starts the command
  cmd->add_flag("--detach", opts->detach, "Print the job id and return");
  cmd->add_option("--then", opts->then,
                  "stop: power the box off when the job ends; down: and let `gpubox gc` remove it")
      ->check(CLI::IsMember({"stop", "down"}));
  cmd->add_flag("--json", opts->json, "With --detach: print one JSON object");
  cmd->add_flag("--retry-on-interruption", opts->retry,
                "Run the job again when its spot box restarts after an interruption (up to 3 "
                "attempts)");
  cmd->add_option("--nodes", opts->nodes,
                  "all: start the job on every node of cluster NAME at once (MASTER_ADDR, "
                  "MASTER_PORT, WORLD_SIZE, RANK, NODE_RANK set)")
      ->check(CLI::IsMember({"all"}))
      ->group("Clusters");
  cmd->add_flag("--torchrun", opts->torchrun,
                "With --nodes all: run CMD (a script) under torchrun --nnodes N --nproc_per_node "
                "GPUS --node_rank K (static rendezvous)")
      ->group("Clusters");
  cmd->add_option("command", opts->command, "The command and its arguments, after --");
  auto& up = opts->up;
  auto* gpu = cmd->add_option("--gpu", up.req.gpu, "Launch a new box with this GPU first (as up)")
                  ->group("Launch for the job");
  auto* type = cmd->add_option("--type", up.req.instance_type,
                               "Launch a new box of this instance type first (as up)")
                   ->group("Launch for the job");
  cmd->add_flag("--spot", up.req.spot, "Launch a spot instance")->group("Launch for the job");
  cmd->add_option("--idle", up.idle, "The new box's idle stop, e.g. 30m, 2h, off")
      ->default_val("30m")
      ->group("Launch for the job");
  cmd->add_option("--max-hours", up.req.max_hours, "The new box's hard cap in hours, or off")
      ->default_val("off")
      ->group("Launch for the job");
  cmd->add_option("--key", up.req.key_path, "OpenSSH public key to import (as up)")
      ->group("Launch for the job");
  cmd->add_option("--volume", up.req.volume,
                  "A named volume at /data (as up, e.g. data:200); --down keeps it")
      ->group("Launch for the job");
  cmd->add_flag("-y,--yes", up.yes, "Launch without asking (the plan is still shown)")
      ->group("Launch for the job");
  cmd->add_option("--outputs", opts->outputs,
                  "A directory of the workdir to pull back when the job ends")
      ->group("Launch for the job");
  cmd->add_flag("--down", opts->down_after,
                "Remove the launched box when the job ends, whatever its exit status")
      ->group("Launch for the job");
  cmd->callback([opts, gpu, type, &env] {
    opts->launch = gpu->count() > 0 || type->count() > 0;
    if (!opts->launch && !opts->up.req.volume.empty()) {
      run_guarded(env, []() -> Result<void> {
        return fail(ErrorKind::invalid_input, "--volume attaches a volume to a box run launches",
                    "add --gpu or --type, or `gpubox up NAME --volume ...` first");
      });
      return;
    }
    opts->up.gpu_from_flag = gpu->count() > 0;
    run_guarded(env, [&] { return run_run(*opts, env); });
  });
}

}  // namespace gpubox::cli
