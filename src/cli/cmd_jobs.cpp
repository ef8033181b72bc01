// gpubox jobs NAME | logs NAME [ID] [-f] | cancel NAME ID: the jobs `gpubox run` started.

#include "cli/cmd_jobs.hpp"

#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "box/jobs/cluster_run.hpp"
#include "box/jobs/jobs.hpp"
#include "box/onbox/onbox_files.hpp"
#include "cli/app.hpp"
#include "cli/deps.hpp"
#include "cli/output.hpp"

namespace gpubox::cli {

namespace {

std::string duration_text(std::int64_t seconds) {
  if (seconds >= 3600) {
    return fmt::format("{}h{:02}m", seconds / 3600, (seconds % 3600) / 60);
  }
  return fmt::format("{}m{:02}s", seconds / 60, seconds % 60);
}

std::string state_text(const box::JobInfo& j) {
  std::string text = j.state;
  if (j.state == "failed" && j.exit_code) {
    text = fmt::format("failed ({})", *j.exit_code);
  }
  if (j.attempt > 1) {
    text += fmt::format(" (attempt {})", j.attempt);
  }
  if (j.rerun_pending) {
    text += " (runs again at restart)";
  }
  return text;
}

nlohmann::json job_json(const box::JobInfo& j) {
  return {{"id", j.id},
          {"command", j.argv},
          {"cwd", j.cwd},
          {"state", j.state},
          {"exit_code", j.exit_code ? nlohmann::json(*j.exit_code) : nlohmann::json(nullptr)},
          {"started_at", j.started_at},
          {"finished_at",
           j.finished_at.empty() ? nlohmann::json(nullptr) : nlohmann::json(j.finished_at)},
          {"duration_seconds", j.duration_seconds},
          {"attempts", j.attempt},
          {"max_attempts", j.max_attempts},
          {"rerun_pending", j.rerun_pending}};
}

// Every node's jobs, merged by id (a cluster job has one id on all its nodes).
Result<std::vector<box::ClusterJob>> cluster_jobs(Env& env,
                                                  const std::vector<box::JobNode>& nodes) {
  std::vector<std::pair<int, std::vector<box::JobInfo>>> per_node(nodes.size());
  GPUBOX_TRY(box::on_every_node(nodes, [&](const box::JobNode& node) -> Result<void> {
    GPUBOX_TRY_ASSIGN(jobs, box::list_jobs(env.runner, node.target));
    per_node[static_cast<size_t>(&node - nodes.data())] = {node.rank, std::move(jobs)};
    return {};
  }));
  return box::merge_node_jobs(per_node);
}

Result<void> print_cluster_jobs(const JobsOptions& opts, const std::vector<box::JobNode>& nodes,
                                Env& env) {
  GPUBOX_TRY_ASSIGN(jobs, cluster_jobs(env, nodes));
  if (opts.json) {
    auto list = nlohmann::json::array();
    for (const auto& c : jobs) {
      auto j = job_json(c.job);
      auto per_node = nlohmann::json::array();
      for (const auto& n : c.nodes) {
        per_node.push_back(
            {{"node", n.rank},
             {"state", n.state},
             {"exit_code", n.exit_code ? nlohmann::json(*n.exit_code) : nlohmann::json(nullptr)}});
      }
      j["nodes"] = std::move(per_node);
      list.push_back(std::move(j));
    }
    print_json(env.streams, list);
    return {};
  }
  if (jobs.empty()) {
    env.streams.err << "no jobs on " << opts.name << ": start one with `gpubox run " << opts.name
                    << " --nodes all -- CMD`\n";
    return {};
  }
  Table t({"id", "state", "nodes", "started", "duration", "command"});
  t.paint_column(1, env.streams);
  for (const auto& c : jobs) {
    std::vector<std::string> states;
    for (const auto& n : c.nodes) {
      box::JobInfo on_node;
      on_node.state = n.state;
      on_node.exit_code = n.exit_code;
      states.push_back(fmt::format("{}:{}", n.rank, state_text(on_node)));
    }
    t.add_row({c.job.id, state_text(c.job), fmt::format("{}", fmt::join(states, " ")),
               c.job.started_at, duration_text(c.job.duration_seconds),
               box::shell_join(c.job.argv)});
  }
  env.streams.out << t.render(env.streams.out_is_tty);
  return {};
}

// `logs` on a cluster: every node's output of job `id` (the newest job when empty), each line
// prefixed with its node; followed on all nodes at once with -f.
Result<void> cluster_logs(const LogsOptions& opts, const std::vector<box::JobNode>& nodes,
                          Env& env) {
  std::string id = opts.id;
  if (id.empty()) {
    GPUBOX_TRY_ASSIGN(jobs, cluster_jobs(env, nodes));
    if (jobs.empty()) {
      return fail(ErrorKind::not_found, "no jobs on " + opts.name,
                  "start one with `gpubox run " + opts.name + " --nodes all -- CMD`");
    }
    id = jobs.front().job.id;
  }
  auto print = [&](std::string_view text) { env.streams.out << text << std::flush; };
  if (opts.follow) {
    GPUBOX_TRY_ASSIGN(
        outcome, box::follow_cluster_job(
                     env.runner, nodes, id, print, [](int, int) { return false; },  // only watching
                     [] { return false; }));
    env.exit_code = outcome.exit_code;
    return {};
  }
  for (const auto& node : nodes) {  // one node after the other, in rank order
    box::PrefixedLines lines(fmt::format("[{}] ", node.rank));
    GPUBOX_TRY_ASSIGN(
        code, box::stream_job_output(env.runner, node.target, id, false,
                                     [&](std::string_view chunk) { print(lines.feed(chunk)); }));
    print(lines.finish());
    if (code != 0) {
      return fail(ErrorKind::remote,
                  fmt::format("reading the log on node {} of {} failed (exit {})", node.rank,
                              opts.name, code));
    }
  }
  return {};
}

}  // namespace

Result<void> run_jobs(const JobsOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(cluster, cluster_nodes(env, opts.name));
  if (cluster) {
    return print_cluster_jobs(opts, cluster->nodes, env);
  }
  GPUBOX_TRY_ASSIGN(bt, named_box_target(env, opts.name));
  GPUBOX_TRY_ASSIGN(jobs, box::list_jobs(env.runner, bt.target));
  if (opts.json) {
    auto list = nlohmann::json::array();
    for (const auto& j : jobs) {
      list.push_back(job_json(j));
    }
    print_json(env.streams, list);
    return {};
  }
  if (jobs.empty()) {
    env.streams.err << "no jobs on " << opts.name << ": start one with `gpubox run " << opts.name
                    << " -- CMD`\n";
    return {};
  }
  Table t({"id", "state", "started", "duration", "command"});
  t.paint_column(1, env.streams);
  for (const auto& j : jobs) {
    t.add_row({j.id, state_text(j), j.started_at, duration_text(j.duration_seconds),
               box::shell_join(j.argv)});
  }
  env.streams.out << t.render(env.streams.out_is_tty);
  return {};
}

Result<void> run_logs(const LogsOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(cluster, cluster_nodes(env, opts.name));
  if (cluster) {
    return cluster_logs(opts, cluster->nodes, env);
  }
  GPUBOX_TRY_ASSIGN(bt, named_box_target(env, opts.name));
  GPUBOX_TRY_ASSIGN(code, box::stream_job_output(env.runner, bt.target, opts.id, opts.follow,
                                                 [&](std::string_view chunk) {
                                                   env.streams.out << chunk << std::flush;
                                                 }));
  if (opts.follow) {
    env.exit_code = code;  // the job's own exit code, as `gpubox run` gives it
  } else if (code != 0) {
    return fail(ErrorKind::remote,
                fmt::format("reading the log on {} failed (exit {})", opts.name, code));
  }
  return {};
}

Result<void> run_cancel(const CancelOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(cluster, cluster_nodes(env, opts.name));
  if (cluster) {
    GPUBOX_TRY_ASSIGN(states, box::cancel_cluster_job(env.runner, cluster->nodes, opts.id));
    if (opts.json) {
      print_json(env.streams, {{"name", opts.name}, {"id", opts.id}, {"nodes", states}});
      return {};
    }
    for (size_t k = 0; k < states.size(); ++k) {
      env.streams.out << fmt::format("job {} on {}:{}: {}\n", opts.id, opts.name,
                                     cluster->nodes[k].rank, states[k]);
    }
    return {};
  }
  GPUBOX_TRY_ASSIGN(bt, named_box_target(env, opts.name));
  GPUBOX_TRY_ASSIGN(state, box::cancel_job(env.runner, bt.target, opts.id));
  if (opts.json) {
    print_json(env.streams, {{"name", opts.name}, {"id", opts.id}, {"state", state}});
  } else {
    env.streams.out << fmt::format("job {} on {}: {}\n", opts.id, opts.name, state);
  }
  return {};
}

void add_jobs_commands(CLI::App& app, Env& env) {
  auto jobs = std::make_shared<JobsOptions>();
  auto* cmd = app.add_subcommand("jobs", "List the jobs on a box, newest first");
  set_details(cmd,
              "Each job `gpubox run` started on the box: its id, state (running, succeeded, "
              "failed with its exit code, cancelled, interrupted by a spot notice, or lost when "
              "the box restarted under it), start time, duration (of the current attempt) and "
              "command. A job started with --retry-on-interruption shows its attempt from the "
              "second on (running (attempt 2)), and `runs again at restart` while it waits for "
              "its box to come back; --json has attempts, max_attempts and rerun_pending. Jobs "
              "live on the box under ~/.gpubox/jobs/ID/ (output.log, exit.json).");
  cmd->footer("Examples:\n  gpubox jobs lab\n  gpubox jobs lab --json");
  cmd->add_option("name", jobs->name, "The box")->required();
  cmd->add_flag("--json", jobs->json, "Print one JSON list");
  cmd->callback([jobs, &env] { run_guarded(env, [&] { return run_jobs(*jobs, env); }); });

  auto logs = std::make_shared<LogsOptions>();
  cmd = app.add_subcommand("logs", "Show a job's output (-f: follow it until it ends)");
  set_details(cmd,
              "Print the output (stdout and stderr, merged) of job ID on the box, or of its newest "
              "job. With -f, keep printing as the job writes, and exit with the job's exit code "
              "when it ends (130 when it was cancelled or interrupted). Ctrl-C stops following; "
              "the job keeps running. A job run again after an interruption keeps one log: each "
              "attempt's output follows a line `[gpubox job] ---- attempt N of M ...`; once its "
              "box has restarted, -f waits for the re-run (up to 5 minutes) and follows it.");
  cmd->footer("Examples:\n  gpubox logs lab\n  gpubox logs lab 20261207-220000-1a2b -f");
  cmd->add_option("name", logs->name, "The box")->required();
  cmd->add_option("id", logs->id, "The job (default: the newest)");
  cmd->add_flag("-f,--follow", logs->follow, "Follow the output until the job ends");
  cmd->callback([logs, &env] { run_guarded(env, [&] { return run_logs(*logs, env); }); });

  auto cancel = std::make_shared<CancelOptions>();
  cmd = app.add_subcommand("cancel", "Stop a running job");
  set_details(cmd,
              "Send SIGTERM to the job's process group, and SIGKILL after a grace period of 10 "
              "seconds. Its state becomes `cancelled`; a job that already ended is left as it is, "
              "except one that waits to run again after an interruption "
              "(--retry-on-interruption): it becomes `cancelled` and never runs again.");
  cmd->footer("Example:\n  gpubox cancel lab 20261207-220000-1a2b");
  cmd->add_option("name", cancel->name, "The box")->required();
  cmd->add_option("id", cancel->id, "The job (gpubox jobs NAME lists them)")->required();
  cmd->add_flag("--json", cancel->json, "Print one JSON object");
  cmd->callback([cancel, &env] { run_guarded(env, [&] { return run_cancel(*cancel, env); }); });
}

}  // namespace gpubox::cli
