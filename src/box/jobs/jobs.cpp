#include "box/jobs/jobs.hpp"

#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "aws/ec2_instances.hpp"
#include "box/onbox/onbox_files.hpp"
#include "box/tags.hpp"
#include "core/strings.hpp"

namespace gpubox::box {
namespace {

// Quick job.py calls (start, list, cancel); following a job's output has no limit.
constexpr std::chrono::minutes k_job_call_timeout{2};

std::string job_py_path() { return "~/" + std::string(k_remote_onbox_dir) + "/job.py"; }

// Return the shell step that does `otherwise` and ends the command when job.py was never
// uploaded (no job ever ran on this box).
std::string unless_job_py(std::string_view otherwise) {
  return "[ -f " + job_py_path() + " ] || { " + std::string(otherwise) + "; }; ";
}

// Run job.py with `args` on the box after the shell step `prelude`, within k_job_call_timeout;
// stdin_text in `options` is read as "K=V" exports. A failure to reach the box is an Error,
// job.py's own exit code is in the result.
Result<ProcessResult> call_job_py(ProcessRunner& runner, const remote::SshTarget& target,
                                  const std::vector<std::string>& args,
                                  std::string_view prelude = {}, RunOptions options = {}) {
  options.timeout = k_job_call_timeout;
  return remote::ssh_run(
      runner, target, {std::string(prelude) + job_py_command(args, options.stdin_text.has_value())},
      options);
}

Error job_py_failed(const remote::SshTarget& target, std::string_view what,
                    const ProcessResult& r) {
  std::string detail(trim(r.stderr_text));
  if (detail.empty()) {
    detail = "exit " + std::to_string(r.exit_code);
  }
  Error e;
  e.kind = ErrorKind::remote;
  e.message = std::string(what) + " on " + target.name + " failed: " + detail;
  return e;
}

std::string text_or_empty(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

bool is_env_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
    return false;
  }
  for (char c : name) {
    bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}

Result<std::pair<std::string, std::string>> parse_env_pair(std::string_view text) {
  size_t eq = text.find('=');
  std::string_view key = text.substr(0, eq);
  if (eq == std::string_view::npos || !is_env_name(key)) {
    return fail(ErrorKind::invalid_input,
                "--env takes NAME=VALUE with NAME a variable name, not '" +
                    std::string(key.substr(0, 64)) + "'");
  }
  std::string_view value = text.substr(eq + 1);
  if (value.find('\n') != std::string_view::npos) {
    return fail(ErrorKind::invalid_input, "the value of --env " + std::string(key) +
                                              " has a newline, which gpubox cannot pass on");
  }
  return std::pair{std::string(key), std::string(value)};
}

std::string job_py_command(const std::vector<std::string>& args, bool exports) {
  // `cd` first: relative paths (the workdir) are under the login home, wherever the session
  // starts.
  std::string command =
      "cd || exit 1; [ -d /opt/pytorch/bin ] && PATH=/opt/pytorch/bin:$PATH; export PATH; "
      "PY=/usr/bin/python3; [ -x \"$PY\" ] || PY=python3; ";
  if (exports) {
    // `export` is a shell builtin: the values never appear in a process's argv.
    command += "while IFS= read -r kv; do export \"$kv\"; done; ";
  }
  command += "exec \"$PY\" " + job_py_path();
  if (!args.empty()) {
    command += " " + shell_join(args);
  }
  return command;
}

Result<void> mark_then_down(aws::AwsClient& client, const state::Box& box) {
  aws::CreateTagsInput in;
  in.resource_ids = {box.instance_id};
  in.tags = {{std::string(k_tag_then), "down"}};
  GPUBOX_TRY(aws::create_tags(client, box.region, in));
  return {};
}

Result<std::string> start_job(ProcessRunner& runner, const remote::SshTarget& target,
                              const JobSpec& spec) {
  if (spec.command.empty()) {
    return fail(ErrorKind::invalid_input, "no command to run: give it after --",
                "gpubox run " + target.name + " -- python train.py");
  }
  GPUBOX_TRY(upload_onbox_files(runner, target));
  std::vector<std::string> args{"start"};
  if (!spec.id.empty()) {
    args.insert(args.end(), {"--id", spec.id});
  }
  if (!spec.cwd.empty()) {
    args.insert(args.end(), {"--cwd", spec.cwd});
  }
  for (const auto& [key, value] : spec.env) {
    args.insert(args.end(), {"--env", key});  // the name only: job.py takes the exported value
  }
  if (spec.max_attempts > 1) {
    args.insert(args.end(), {"--max-attempts", std::to_string(spec.max_attempts)});
  }
  args.insert(args.end(), {"--then", spec.stop_after ? "stop" : "none", "--"});
  args.insert(args.end(), spec.command.begin(), spec.command.end());
  RunOptions options;
  if (!spec.env.empty()) {
    std::string lines;
    for (const auto& [key, value] : spec.env) {
      lines += fmt::format("{}={}\n", key, value);
    }
    options.stdin_text = std::move(lines);
  }
  // EC2 user-data has no room for job.py, so the root watchdog (which imports it from its own
  // directory, each tick) gets it here: then a running job counts as activity, and a spot
  // notice interrupts jobs. Best effort: without sudo the job still runs.
  const std::string for_watchdog = "if [ -d /opt/gpubox/bin ] && ! cmp -s " + job_py_path() +
                                   " /opt/gpubox/bin/job.py; then sudo -n install -m 0755 " +
                                   job_py_path() +
                                   " /opt/gpubox/bin/job.py 2>/dev/null || true; fi; ";
  GPUBOX_TRY_ASSIGN(r, call_job_py(runner, target, args, for_watchdog, std::move(options)));
  if (r.exit_code != 0) {
    return fail(job_py_failed(target, "starting the job", r));
  }
  nlohmann::json doc = nlohmann::json::parse(r.stdout_text, nullptr, false);
  std::string id = doc.is_object() ? text_or_empty(doc, "id") : std::string();
  if (id.empty()) {
    return fail(ErrorKind::remote, "job.py on " + target.name + " did not say the job's id: " +
                                       std::string(trim(r.stdout_text)).substr(0, 200));
  }
  return id;
}

Result<std::vector<JobInfo>> parse_job_list(std::string_view json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, false);
  if (!doc.is_array()) {
    return fail(ErrorKind::remote, "job.py's job list is not a JSON list");
  }
  std::vector<JobInfo> jobs;
  for (const auto& j : doc) {
    if (!j.is_object()) {
      continue;
    }
    JobInfo info;
    info.id = text_or_empty(j, "id");
    if (auto argv = j.find("argv"); argv != j.end() && argv->is_array()) {
      for (const auto& a : *argv) {
        info.argv.push_back(a.is_string() ? a.get<std::string>() : a.dump());
      }
    }
    info.cwd = text_or_empty(j, "cwd");
    info.state = text_or_empty(j, "state");
    if (auto code = j.find("exit_code"); code != j.end() && code->is_number_integer()) {
      info.exit_code = code->get<int>();
    }
    info.started_at = text_or_empty(j, "started_at");
    info.finished_at = text_or_empty(j, "finished_at");
    if (auto d = j.find("duration_seconds"); d != j.end() && d->is_number()) {
      info.duration_seconds = d->get<std::int64_t>();
    }
    if (auto a = j.find("attempt"); a != j.end() && a->is_number_integer()) {
      info.attempt = a->get<int>();
    }
    if (auto m = j.find("max_attempts"); m != j.end() && m->is_number_integer()) {
      info.max_attempts = m->get<int>();
    }
    if (auto p = j.find("rerun_pending"); p != j.end() && p->is_boolean()) {
      info.rerun_pending = p->get<bool>();
    }
    jobs.push_back(std::move(info));
  }
  return jobs;
}

Result<std::vector<JobInfo>> list_jobs(ProcessRunner& runner, const remote::SshTarget& target) {
  // A box that never ran a job has no job.py yet: that is an empty list, not an error.
  GPUBOX_TRY_ASSIGN(
      r, call_job_py(runner, target, {"list", "--json"}, unless_job_py("echo '[]'; exit 0")));
  if (r.exit_code != 0) {
    return fail(job_py_failed(target, "listing the jobs", r));
  }
  return parse_job_list(r.stdout_text);
}

Result<JobInfo> find_job(ProcessRunner& runner, const remote::SshTarget& target,
                         std::string_view id) {
  GPUBOX_TRY_ASSIGN(jobs, list_jobs(runner, target));
  for (JobInfo& j : jobs) {
    if (j.id == id) {
      return std::move(j);
    }
  }
  return fail(ErrorKind::not_found, "no job " + std::string(id) + " on " + target.name,
              "gpubox jobs " + target.name + " lists the jobs");
}

Result<int> stream_job_output(ProcessRunner& runner, const remote::SshTarget& target,
                              std::string_view id, bool follow,
                              const std::function<void(std::string_view)>& out) {
  std::vector<std::string> args{"logs"};
  if (!id.empty()) {
    args.emplace_back(id);
  }
  if (follow) {
    args.emplace_back("--follow");
  }
  bool any_output = false;
  RunOptions options;
  options.on_stdout = [&](std::string_view chunk) {
    any_output = any_output || !chunk.empty();
    out(chunk);
  };
  if (!follow) {
    options.timeout = k_job_call_timeout;
  }
  std::string command =
      unless_job_py("echo 'no job: none ran here' >&2; exit 1") + job_py_command(args);
  GPUBOX_TRY_ASSIGN(r, remote::ssh_run(runner, target, {command}, options));
  // job.py says "job.py: no job ..." (exit 1) before any output; a job's own exit 1 comes
  // after its log.
  std::string why(trim(r.stderr_text));
  if (why.starts_with("job.py: ")) {
    why.erase(0, std::string_view("job.py: ").size());
  }
  if (r.exit_code == 1 && !any_output && why.starts_with("no job")) {
    return fail(ErrorKind::not_found, why + " on " + target.name,
                "gpubox jobs " + target.name + " lists the jobs");
  }
  return r.exit_code;
}

Result<std::string> cancel_job(ProcessRunner& runner, const remote::SshTarget& target,
                               std::string_view id) {
  GPUBOX_TRY_ASSIGN(r, call_job_py(runner, target, {"cancel", std::string(id)}));
  if (r.exit_code != 0) {
    return fail(job_py_failed(target, "cancelling job " + std::string(id), r));
  }
  nlohmann::json doc = nlohmann::json::parse(r.stdout_text, nullptr, false);
  std::string state = doc.is_object() ? text_or_empty(doc, "state") : std::string();
  return state.empty() ? std::string("cancelled") : state;
}

}  // namespace gpubox::box
