#include "box/jobs/cluster_run.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <ctime>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/crypto.hpp"
#include "core/strings.hpp"

namespace gpubox::box {

EnvPairs node_env(const ClusterLayout& layout, int rank, bool one_process_per_node) {
  const auto nodes = std::to_string(layout.addresses.size());
  EnvPairs env{{"MASTER_ADDR", layout.addresses.empty() ? "" : layout.addresses.front()},
               {"MASTER_PORT", std::to_string(layout.master_port)},
               {"NODE_RANK", std::to_string(rank)},
               {"GPUBOX_NODE_IPS", fmt::format("{}", fmt::join(layout.addresses, ","))},
               {"GPUBOX_NUM_NODES", nodes},
               {"GPUBOX_GPUS_PER_NODE", std::to_string(layout.gpus_per_node)}};
  if (one_process_per_node) {
    env.emplace_back("WORLD_SIZE", nodes);
    env.emplace_back("RANK", std::to_string(rank));
  }
  return env;
}

std::vector<std::string> torchrun_argv(const ClusterLayout& layout, int rank,
                                       std::vector<std::string> command) {
  if (!command.empty() && (command.front() == "python" || command.front() == "python3")) {
    command.erase(command.begin());
  }
  std::vector<std::string> argv{"torchrun",
                                "--nnodes",
                                std::to_string(layout.addresses.size()),
                                "--nproc_per_node",
                                std::to_string(std::max(layout.gpus_per_node, 1)),
                                "--node_rank",
                                std::to_string(rank),
                                "--master_addr",
                                layout.addresses.empty() ? "" : layout.addresses.front(),
                                "--master_port",
                                std::to_string(layout.master_port)};
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

std::string new_job_id(TimePoint now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&t, &utc);
  return fmt::format("{:04}{:02}{:02}-{:02}{:02}{:02}-{}", utc.tm_year + 1900, utc.tm_mon + 1,
                     utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, hex_encode(random_bytes(2)));
}

std::string PrefixedLines::feed(std::string_view chunk) {
  std::string out;
  m_partial += chunk;
  size_t start = 0;
  for (size_t nl = m_partial.find('\n'); nl != std::string::npos;
       nl = m_partial.find('\n', start)) {
    out += m_prefix;
    out.append(m_partial, start, nl + 1 - start);
    start = nl + 1;
  }
  m_partial.erase(0, start);
  return out;
}

std::string PrefixedLines::finish() {
  if (m_partial.empty()) {
    return {};
  }
  std::string out = m_prefix + m_partial + "\n";
  m_partial.clear();
  return out;
}

Result<NodeProbe> parse_node_probe(std::string_view text) {
  NodeProbe probe;
  bool has_port = false;
  for (const std::string& word : split(trim(text), ' ')) {
    auto number = [&](std::string_view key, int& into) {
      if (!word.starts_with(key)) {
        return false;
      }
      std::string_view digits = std::string_view(word).substr(key.size());
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), into);
      return ec == std::errc() && end == digits.data() + digits.size();
    };
    has_port = number("port=", probe.free_port) || has_port;
    (void)number("gpus=", probe.gpus);
  }
  if (!has_port || probe.free_port <= 0 || probe.free_port > 65535) {
    return fail(ErrorKind::remote,
                "node 0 did not report a free port: " + std::string(trim(text)).substr(0, 200));
  }
  return probe;
}

Result<NodeProbe> probe_node(ProcessRunner& runner, const remote::SshTarget& target) {
  const std::string command =
      "P=$(python3 -c 'import socket; s = socket.socket(); s.bind((\"\", 0)); "
      "print(s.getsockname()[1])') || exit 1; "
      "G=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU' || true); echo \"port=$P gpus=${G:-0}\"";
  RunOptions options;
  options.timeout = std::chrono::minutes(1);
  GPUBOX_TRY_ASSIGN(r, remote::ssh_run(runner, target, {command}, options));
  if (r.exit_code != 0) {
    return fail(ErrorKind::remote, fmt::format("asking {} for a free port failed (exit {}): {}",
                                               target.name, r.exit_code, trim(r.stderr_text)));
  }
  return parse_node_probe(r.stdout_text);
}

Result<void> on_every_node(const std::vector<JobNode>& nodes,
                           const std::function<Result<void>(const JobNode&)>& each) {
  std::vector<Result<void>> results(nodes.size());
  {
    std::vector<std::jthread> threads;
    threads.reserve(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) {
      threads.emplace_back([&, i] { results[i] = each(nodes[i]); });
    }
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!results[i]) {
      Error e = results[i].error();
      e.message = fmt::format("node {}: {}", nodes[i].rank, e.message);
      return fail(std::move(e));
    }
  }
  return {};
}

Result<ClusterOutcome> follow_cluster_job(ProcessRunner& runner, const std::vector<JobNode>& nodes,
                                          const std::string& id,
                                          const std::function<void(std::string_view)>& out,
                                          const std::function<bool(int rank, int code)>& on_failure,
                                          const std::function<bool()>& interrupted) {
  std::mutex lock;  // guards `out`, `outcome` and `cancelled`
  ClusterOutcome outcome;
  bool cancelled = false;
  auto followed = on_every_node(nodes, [&](const JobNode& node) -> Result<void> {
    PrefixedLines lines(fmt::format("[{}] ", node.rank));
    auto code = stream_job_output(runner, node.target, id, true, [&](std::string_view chunk) {
      std::string text = lines.feed(chunk);
      if (!text.empty()) {
        const std::scoped_lock hold(lock);
        out(text);
      }
    });
    std::vector<const JobNode*> to_cancel;
    {
      const std::scoped_lock hold(lock);
      if (std::string rest = lines.finish(); !rest.empty()) {
        out(rest);
      }
      if (!code) {
        return fail(code.error());
      }
      if (interrupted()) {
        return {};  // Ctrl-C: the caller asks what to do with the job
      }
      // A node cancelled because another failed ends with 130: that is not the job's failure.
      if (*code != 0 && outcome.failed_rank < 0 && !(cancelled && *code == k_job_stopped_exit)) {
        outcome = {*code, node.rank};
        if (on_failure(node.rank, *code) && !cancelled) {
          cancelled = true;
          for (const JobNode& other : nodes) {
            if (other.rank != node.rank) {
              to_cancel.push_back(&other);
            }
          }
        }
      }
    }
    for (const JobNode* other : to_cancel) {
      (void)cancel_job(runner, other->target, id);  // best effort: it may have ended already
    }
    return {};
  });
  GPUBOX_TRY(followed);
  return outcome;
}

Result<std::vector<std::string>> cancel_cluster_job(ProcessRunner& runner,
                                                    const std::vector<JobNode>& nodes,
                                                    const std::string& id) {
  std::vector<std::string> states(nodes.size());
  GPUBOX_TRY(on_every_node(nodes, [&](const JobNode& node) -> Result<void> {
    GPUBOX_TRY_ASSIGN(state, cancel_job(runner, node.target, id));
    const auto at = static_cast<size_t>(&node - nodes.data());
    states[at] = std::move(state);
    return {};
  }));
  return states;
}

namespace {

// The cluster's state from its nodes': running while any runs, then failed, interrupted,
// cancelled, lost, and succeeded only when every node did.
int severity(std::string_view state) {
  constexpr std::array<std::string_view, 6> order = {"succeeded",   "lost",   "cancelled",
                                                     "interrupted", "failed", "running"};
  const auto it = std::ranges::find(order, state);
  return it == order.end() ? 1 : static_cast<int>(it - order.begin());
}

}  // namespace

std::vector<ClusterJob> merge_node_jobs(
    const std::vector<std::pair<int, std::vector<JobInfo>>>& per_node) {
  std::map<std::string, ClusterJob, std::greater<>> by_id;  // newest (largest id) first
  for (const auto& [rank, jobs] : per_node) {
    for (const JobInfo& j : jobs) {
      auto [it, fresh] = by_id.try_emplace(j.id);
      ClusterJob& c = it->second;
      if (fresh) {
        c.job = j;
      } else if (severity(j.state) > severity(c.job.state) ||
                 (j.state == "failed" && c.job.state == "failed" &&
                  j.finished_at < c.job.finished_at)) {
        c.job.state = j.state;
        c.job.exit_code = j.exit_code;
      }
      c.job.duration_seconds = std::max(c.job.duration_seconds, j.duration_seconds);
      c.nodes.push_back({rank, j.state, j.exit_code});
    }
  }
  std::vector<ClusterJob> out;
  out.reserve(by_id.size());
  for (auto& [id, c] : by_id) {
    std::ranges::sort(c.nodes, {}, &NodeJobState::rank);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace gpubox::box
