#pragma once
// One job across every node of a cluster (issue 13 §3): the same command started on each node at
// once under one job id, with the environment PyTorch's env:// rendezvous and torchrun read, and
// the nodes' outputs merged line by line, each prefixed with its rank. gpubox schedules nothing
// itself: the distributed engine (torch.distributed, torchrun, DeepSpeed) does the rest.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "box/jobs/jobs.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/process.hpp"
#include "remote/ssh.hpp"
#include "state/box_store.hpp"

namespace gpubox::box {

// Where a cluster job's nodes meet.
struct ClusterLayout {
  std::vector<std::string> addresses;  // by rank: the address the other nodes reach each at
  int master_port = 0;                 // free on node 0
  int gpus_per_node = 0;               // 0: CPUs only
};

using EnvPairs = std::vector<std::pair<std::string, std::string>>;

// Return rank `rank`'s environment: MASTER_ADDR (node 0's address), MASTER_PORT, NODE_RANK,
// GPUBOX_NODE_IPS (comma-separated, by rank), GPUBOX_NUM_NODES, GPUBOX_GPUS_PER_NODE, and with
// `one_process_per_node` also WORLD_SIZE (the node count) and RANK (= NODE_RANK).
EnvPairs node_env(const ClusterLayout& layout, int rank, bool one_process_per_node);

// Return `command` wrapped for torchrun's static rendezvous on rank `rank`: `torchrun --nnodes N
// --nproc_per_node G --node_rank K --master_addr A --master_port P CMD...`, G being the GPUs per
// node (1 on CPUs). torchrun runs a script, so a leading python/python3 in `command` is dropped.
std::vector<std::string> torchrun_argv(const ClusterLayout& layout, int rank,
                                       std::vector<std::string> command);

// Return a job id in job.py's form, YYYYMMDD-HHMMSS-xxxx (UTC): the one id a cluster job has on
// every node.
std::string new_job_id(TimePoint now);

// Turns one node's output chunks into whole lines prefixed "[K] " (a partial line waits for its
// end, or for finish()).
class PrefixedLines {
public:
  explicit PrefixedLines(std::string prefix) : m_prefix(std::move(prefix)) {}
  // Return the complete lines `chunk` ends, prefixed.
  std::string feed(std::string_view chunk);
  // Return what is left (a last line without its newline), prefixed and ended.
  std::string finish();

private:
  std::string m_prefix;
  std::string m_partial;
};

// A node a cluster job runs on.
struct JobNode {
  int rank = 0;
  remote::SshTarget target;
};

// What node 0 says about itself before a cluster job starts.
struct NodeProbe {
  int free_port = 0;  // a TCP port free there: it binds port 0 and reports the kernel's pick
  int gpus = 0;       // what `nvidia-smi -L` lists; 0 without NVIDIA GPUs
};

// Ask `target` (node 0) for a free port and its GPU count, in one ssh call.
Result<NodeProbe> probe_node(ProcessRunner& runner, const remote::SshTarget& target);

// Parse probe_node's answer: "port=N gpus=G".
Result<NodeProbe> parse_node_probe(std::string_view text);

// Run `each(node)` for every node at once (one thread per node); return the first error by rank.
Result<void> on_every_node(const std::vector<JobNode>& nodes,
                           const std::function<Result<void>(const JobNode&)>& each);

// A cluster job as `gpubox jobs` shows it: one entry per id, each node's own state beside it.
struct NodeJobState {
  int rank = 0;
  std::string state;
  std::optional<int> exit_code;
};
struct ClusterJob {
  JobInfo job;  // node 0's, with the cluster's state: running while any node runs, else the
                // first failed node's failure, else interrupted or cancelled if any node was
  std::vector<NodeJobState> nodes;
};

// Merge each node's job list (rank, jobs) into one entry per job id, newest first.
std::vector<ClusterJob> merge_node_jobs(
    const std::vector<std::pair<int, std::vector<JobInfo>>>& per_node);

// How a followed cluster job ended.
struct ClusterOutcome {
  int exit_code = 0;     // the first failing node's (in the order they ended), else 0
  int failed_rank = -1;  // which node that was; -1 when every node succeeded
};

// Follow job `id` on every node at once, sending each node's output to `out` as prefixed whole
// lines (`out` is called from one thread at a time). When the first node's job fails,
// `on_failure(rank, code)` is told, and when it returns true the job is cancelled on the other
// nodes (a distributed job with a dead rank only hangs). Once `interrupted()` (Ctrl-C), nothing
// more is cancelled: the caller decides.
Result<ClusterOutcome> follow_cluster_job(ProcessRunner& runner, const std::vector<JobNode>& nodes,
                                          const std::string& id,
                                          const std::function<void(std::string_view)>& out,
                                          const std::function<bool(int rank, int code)>& on_failure,
                                          const std::function<bool()>& interrupted);

// Cancel job `id` on every node at once; return each node's state after, by rank.
Result<std::vector<std::string>> cancel_cluster_job(ProcessRunner& runner,
                                                    const std::vector<JobNode>& nodes,
                                                    const std::string& id);

}  // namespace gpubox::box
