#include "box/jobs/cluster_run.hpp"

#include <algorithm>
#include <regex>

#include <gtest/gtest.h>

#include "fakes/fake_process_runner.hpp"

namespace gpubox::box {
namespace {

ClusterLayout layout(int nodes, int gpus) {
  ClusterLayout l;
  for (int k = 0; k < nodes; ++k) {
    l.addresses.push_back("10.0.0." + std::to_string(10 + k));
  }
  l.master_port = 29511;
  l.gpus_per_node = gpus;
  return l;
}

std::string value_of(const EnvPairs& env, const std::string& key) {
  auto it = std::ranges::find(env, key, &EnvPairs::value_type::first);
  return it == env.end() ? "<unset>" : it->second;
}

TEST(NodeEnv, EveryRankMeetsAtNodeZero) {
  auto env = node_env(layout(3, 4), 2, true);
  EXPECT_EQ(value_of(env, "MASTER_ADDR"), "10.0.0.10");
  EXPECT_EQ(value_of(env, "MASTER_PORT"), "29511");
  EXPECT_EQ(value_of(env, "NODE_RANK"), "2");
  EXPECT_EQ(value_of(env, "RANK"), "2");
  EXPECT_EQ(value_of(env, "WORLD_SIZE"), "3");
  EXPECT_EQ(value_of(env, "GPUBOX_NUM_NODES"), "3");
  EXPECT_EQ(value_of(env, "GPUBOX_GPUS_PER_NODE"), "4");
  EXPECT_EQ(value_of(env, "GPUBOX_NODE_IPS"), "10.0.0.10,10.0.0.11,10.0.0.12");
}

TEST(NodeEnv, UnderTorchrunRankAndWorldSizeAreTorchrunsToSet) {
  auto env = node_env(layout(2, 8), 1, false);
  EXPECT_EQ(value_of(env, "RANK"), "<unset>");
  EXPECT_EQ(value_of(env, "WORLD_SIZE"), "<unset>");
  EXPECT_EQ(value_of(env, "NODE_RANK"), "1");
}

TEST(TorchrunArgv, StaticRendezvousWithOneProcessPerGpu) {
  auto argv = torchrun_argv(layout(2, 8), 1, {"python", "train.py", "--epochs", "3"});
  std::vector<std::string> want{"torchrun",  "--nnodes",
                                "2",         "--nproc_per_node",
                                "8",         "--node_rank",
                                "1",         "--master_addr",
                                "10.0.0.10", "--master_port",
                                "29511",     "train.py",
                                "--epochs",  "3"};
  EXPECT_EQ(argv, want);
  // On CPUs one process per node; a bare script is kept as is.
  auto cpu = torchrun_argv(layout(2, 0), 0, {"train.py"});
  EXPECT_EQ(cpu[4], "1");
  EXPECT_EQ(cpu.back(), "train.py");
  EXPECT_EQ(torchrun_argv(layout(2, 0), 0, {"python3", "-m", "mod"}).at(11), "-m");
}

TEST(NewJobId, HasJobPysSortableForm) {
  const auto at = std::chrono::system_clock::time_point(std::chrono::seconds(1796083200));
  std::string id = new_job_id(at);
  EXPECT_TRUE(std::regex_match(id, std::regex(R"(\d{8}-\d{6}-[0-9a-f]{4})"))) << id;
  EXPECT_TRUE(id.starts_with("20261201-000000-")) << id;
  EXPECT_NE(new_job_id(at), new_job_id(at).substr(0, 16) + "zzzz");
}

TEST(PrefixedLines, PrefixesWholeLinesAndHoldsAPartialOne) {
  PrefixedLines lines("[1] ");
  EXPECT_EQ(lines.feed("a\nb"), "[1] a\n");
  EXPECT_EQ(lines.feed("c\n\nd"), "[1] bc\n[1] \n");
  EXPECT_EQ(lines.finish(), "[1] d\n");
  EXPECT_EQ(lines.finish(), "");
}

TEST(NodeProbe, ReadsThePortAndGpuCount) {
  auto probe = parse_node_probe("port=41234 gpus=8\n");
  ASSERT_TRUE(probe);
  EXPECT_EQ(probe->free_port, 41234);
  EXPECT_EQ(probe->gpus, 8);
  EXPECT_EQ(parse_node_probe("port=5 gpus=0").value().gpus, 0);
  EXPECT_FALSE(parse_node_probe("gpus=1"));
  EXPECT_FALSE(parse_node_probe("port=0 gpus=1"));
  EXPECT_FALSE(parse_node_probe("port=70000"));
  EXPECT_FALSE(parse_node_probe("Traceback (most recent call last)"));
}

JobInfo job(const std::string& id, const std::string& state, std::optional<int> code = {},
            const std::string& finished = "") {
  JobInfo j;
  j.id = id;
  j.state = state;
  j.exit_code = code;
  j.finished_at = finished;
  return j;
}

TEST(MergeNodeJobs, OneEntryPerIdNewestFirstWithTheFirstFailure) {
  auto merged = merge_node_jobs({
      {0,
       {job("20261208-010000-aaaa", "cancelled", 130, "01:05"),
        job("20261207-000000-bbbb", "succeeded", 0)}},
      {1, {job("20261208-010000-aaaa", "failed", 5, "01:04")}},
      {2, {job("20261208-010000-aaaa", "failed", 9, "01:06")}},
  });
  ASSERT_EQ(merged.size(), 2U);
  const ClusterJob& newest = merged[0];
  EXPECT_EQ(newest.job.id, "20261208-010000-aaaa");
  EXPECT_EQ(newest.job.state, "failed");
  EXPECT_EQ(newest.job.exit_code, 5);  // node 1 failed first
  ASSERT_EQ(newest.nodes.size(), 3U);
  EXPECT_EQ(newest.nodes[0].state, "cancelled");
  EXPECT_EQ(newest.nodes[2].exit_code, 9);
  EXPECT_EQ(merged[1].job.state, "succeeded");
  EXPECT_EQ(merged[1].nodes.size(), 1U);
  // Running anywhere is running.
  auto live = merge_node_jobs({{0, {job("x", "succeeded", 0)}}, {1, {job("x", "running")}}});
  EXPECT_EQ(live[0].job.state, "running");
}

std::vector<JobNode> nodes(int n) {
  std::vector<JobNode> out;
  for (int k = 0; k < n; ++k) {
    JobNode node;
    node.rank = k;
    node.target.name = "duo." + std::to_string(k);
    node.target.host = "10.0.0." + std::to_string(10 + k);
    node.target.user = "me";
    out.push_back(node);
  }
  return out;
}

bool to_host(const std::vector<std::string>& argv, const std::string& host) {
  return std::ranges::find(argv, host) != argv.end();
}

bool contains(const std::vector<std::string>& argv, const std::string& text) {
  return std::ranges::any_of(
      argv, [&](const std::string& a) { return a.find(text) != std::string::npos; });
}

TEST(FollowClusterJob, TheFirstFailureSetsTheCodeAndCancelsTheOtherNodes) {
  testing::FakeProcessRunner runner;
  runner.expect_if([](const auto& a) { return to_host(a, "10.0.0.10") && contains(a, " logs "); },
                   "node 0 follows", {0, "part of a line", ""});
  runner.expect_if([](const auto& a) { return to_host(a, "10.0.0.11") && contains(a, " logs "); },
                   "node 1 follows", {3, "boom\n", ""});
  runner.expect_if([](const auto& a) { return to_host(a, "10.0.0.10") && contains(a, " cancel "); },
                   "node 0 is cancelled", {0, R"({"id": "j", "state": "cancelled"})", ""}, -1);
  runner.expect_if([](const auto& a) { return to_host(a, "10.0.0.11") && contains(a, " cancel "); },
                   "node 1 is never cancelled", {0, "", ""}, 0);
  std::string out;
  std::vector<std::pair<int, int>> failures;
  auto outcome = follow_cluster_job(
      runner, nodes(2), "j", [&](std::string_view t) { out += t; },
      [&](int rank, int code) {
        failures.emplace_back(rank, code);
        return true;
      },
      [] { return false; });
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->exit_code, 3);
  EXPECT_EQ(outcome->failed_rank, 1);
  EXPECT_EQ(failures, (std::vector<std::pair<int, int>>{{1, 3}}));
  EXPECT_NE(out.find("[1] boom\n"), std::string::npos) << out;
  EXPECT_NE(out.find("[0] part of a line\n"), std::string::npos) << out;
}

TEST(FollowClusterJob, EveryNodeSucceedingIsExitZeroAndNothingIsCancelled) {
  testing::FakeProcessRunner runner;
  runner.expect_if([](const auto& a) { return contains(a, " logs "); }, "each node follows",
                   {0, "done\n", ""}, 3);
  auto outcome = follow_cluster_job(
      runner, nodes(3), "j", [](std::string_view) {}, [](int, int) { return true; },
      [] { return false; });
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->exit_code, 0);
  EXPECT_EQ(outcome->failed_rank, -1);
  EXPECT_EQ(runner.calls.size(), 3U);
}

TEST(OnEveryNode, RunsEachNodeAndNamesTheFirstFailingRank) {
  std::vector<int> seen(3, 0);
  auto r = on_every_node(nodes(3), [&](const JobNode& n) -> Result<void> {
    seen[static_cast<size_t>(n.rank)] = 1;
    if (n.rank == 2) {
      return fail(ErrorKind::remote, "rsync failed");
    }
    return {};
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "node 2: rsync failed");
  EXPECT_EQ(seen, (std::vector<int>{1, 1, 1}));
}

}  // namespace
}  // namespace gpubox::box
