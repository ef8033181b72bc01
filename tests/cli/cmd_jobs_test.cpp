// `gpubox run`, `jobs`, `logs`, `cancel`, `push` and `pull`: jobs and files over the managed ssh.

#include "cli/cmd_jobs.hpp"

#include <gtest/gtest.h>

#include "cli/cmd_run.hpp"
#include "cli/cmd_transfer.hpp"
#include "cli/test_env.hpp"
#include "fakes/temp_dir.hpp"

namespace gpubox::cli {
namespace {

using testing::byo_box;
using testing::make_test_env;

bool is_ssh_running(const std::vector<std::string>& a, std::string_view what) {
  return a.at(0) == "ssh" && a.back().find(what) != std::string::npos;
}

void expect_upload(gpubox::testing::FakeProcessRunner& runner) {
  runner.expect_if([](const auto& a) { return is_ssh_running(a, "tar "); }, "upload", {0, "", ""});
}

// The upload of the on-box files, then job.py's start answering with job id `id`.
void expect_start(gpubox::testing::FakeProcessRunner& runner, const std::string& id) {
  expect_upload(runner);
  runner.expect_if([](const auto& a) { return is_ssh_running(a, "job.py start"); }, "start",
                   {0, "{\"id\": \"" + id + "\"}\n", ""});
}

TEST(CmdRun, ABadEnvPairIsRefusedBeforeAnythingRuns) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(byo_box()));
  EXPECT_EQ(t->run({"run", "lab", "--env", "1BAD=x", "--", "true"}), 2);
  EXPECT_NE(t->err.str().find("--env takes NAME=VALUE"), std::string::npos) << t->err.str();
  EXPECT_TRUE(t->runner.calls.empty());
}

TEST(CmdRun, DetachedPrintsTheIdAndEnvValuesTravelOnStdinOnly) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(byo_box()));
  expect_start(t->runner, "20261207-220000-ab12");
  EXPECT_EQ(t->run({"run", "lab", "--detach", "--env", "TOKEN=s3cret value", "--", "python",
                    "train.py", "--lr", "1e-3 x"}),
            0)
      << t->err.str();
  EXPECT_EQ(t->out.str(), "20261207-220000-ab12\n");
  const auto& start = t->runner.calls.back();
  // The name goes on the command line (job.py records it); the value only on stdin.
  EXPECT_NE(start.argv.back().find(
                "job.py start --env TOKEN --then none -- python train.py --lr '1e-3 x'"),
            std::string::npos)
      << start.argv.back();
  for (const std::string& arg : start.argv) {
    EXPECT_EQ(arg.find("s3cret"), std::string::npos) << arg;  // never on a command line
  }
  ASSERT_TRUE(start.options.stdin_text.has_value());
  EXPECT_EQ(*start.options.stdin_text, "TOKEN=s3cret value\n");
  EXPECT_NE(t->err.str().find("gpubox logs lab 20261207-220000-ab12 -f"), std::string::npos);
}

TEST(CmdRun, InTheForegroundItFollowsTheOutputAndExitsWithTheJobsCode) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(byo_box()));
  expect_start(t->runner, "j1");
  t->runner.expect_if([](const auto& a) { return is_ssh_running(a, "job.py logs j1 --follow"); },
                      "logs -f", {3, "epoch 1\nepoch 2\n", ""});
  EXPECT_EQ(t->run({"run", "lab", "--", "python", "train.py"}), 3);
  EXPECT_EQ(t->out.str(), "epoch 1\nepoch 2\n");
  EXPECT_NE(t->err.str().find("gpubox: job j1 on lab exited with 3"), std::string::npos)
      << t->err.str();
}

TEST(CmdRun, RetryOnInterruptionAsksJobPyForThreeAttemptsAndNotesABoxThatIsNoSpotBox) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(byo_box()));
  expect_start(t->runner, "j1");
  ASSERT_EQ(t->run({"run", "lab", "--detach", "--retry-on-interruption", "--env", "K=v", "--",
                    "python", "train.py"}),
            0)
      << t->err.str();
  EXPECT_NE(t->runner.calls.back().argv.back().find(
                "job.py start --env K --max-attempts 3 --then none -- python train.py"),
            std::string::npos)
      << t->runner.calls.back().argv.back();
  EXPECT_NE(t->err.str().find("note: lab is not a spot box"), std::string::npos) << t->err.str();
}

TEST(CmdRun, WithoutRetryTheJobHasOneAttempt) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(byo_box()));
  expect_start(t->runner, "j1");
  ASSERT_EQ(t->run({"run", "lab", "--detach", "--", "true"}), 0) << t->err.str();
  EXPECT_EQ(t->runner.calls.back().argv.back().find("--max-attempts"), std::string::npos);
  EXPECT_EQ(t->err.str().find("spot box"), std::string::npos) << t->err.str();
}

TEST(CmdRun, AnInterruptedJobFollowedInTheForegroundSaysItRunsAgainAtRestart) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(byo_box()));
  expect_start(t->runner, "j1");
  t->runner.expect_if(
      [](const auto& a) { return is_ssh_running(a, "job.py logs j1 --follow"); }, "logs -f",
      {130, "epoch 1\n[gpubox job] interrupted: spot interruption notice: stop at T\n", ""});
  t->runner.expect_if([](const auto& a) { return is_ssh_running(a, "job.py list --json"); }, "list",
                      {0,
                       R"([{"id":"j1","argv":["x"],"state":"interrupted","exit_code":0,)"
                       R"("attempt":1,"max_attempts":3,"rerun_pending":true}])",
                       ""});
  EXPECT_EQ(t->run({"run", "lab", "--retry-on-interruption", "--", "python", "train.py"}), 130);
  EXPECT_NE(t->err.str().find("gpubox: job j1 on lab was interrupted; it runs again when lab "
                              "restarts (attempt 2 of 3): `gpubox logs lab j1 -f` follows it"),
            std::string::npos)
      << t->err.str();
}

TEST(CmdRun, ABoxThatStopsUnderAFollowedJobGetsTheRetryHint) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(byo_box()));
  expect_start(t->runner, "j1");
  // ssh says 255 when the connection drops, as it does when AWS stops the instance.
  t->runner.expect_if([](const auto& a) { return is_ssh_running(a, "job.py logs j1 --follow"); },
                      "logs -f", {255, "epoch 1\n", "Connection to 10.0.0.5 closed.\n"});
  t->runner.expect_if([](const auto& a) { return is_ssh_running(a, "job.py list --json"); }, "list",
                      {255, "", "ssh: connect to host 10.0.0.5 port 22: timed out\n"});
  EXPECT_EQ(t->run({"run", "lab", "--retry-on-interruption", "--", "python", "train.py"}), 255);
  EXPECT_NE(t->err.str().find("lab no longer answers; if a spot interruption stopped it, job j1 "
                              "runs again when it restarts"),
            std::string::npos)
      << t->err.str();
  // Without the flag, nothing is promised.
  auto plain = make_test_env();
  ASSERT_TRUE(plain->store().insert_box(byo_box()));
  expect_upload(plain->runner);
  plain->runner.expect_if([](const auto& a) { return is_ssh_running(a, "job.py start"); }, "start",
                          {0, "{\"id\": \"j1\"}\n", ""});
  plain->runner.expect_if(
      [](const auto& a) { return is_ssh_running(a, "job.py logs j1 --follow"); }, "logs -f",
      {130, "", ""});
  EXPECT_EQ(plain->run({"run", "lab", "--", "true"}), 130);
  EXPECT_EQ(plain->err.str().find("runs again"), std::string::npos) << plain->err.str();
}

TEST(CmdRun, AWorkdirIsSyncedWithItsIgnoreFilesAndTheJobRunsInIt) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(byo_box()));
  gpubox::testing::ScopedTempDir tmp;
  const auto proj = tmp.path() / "proj";
  std::filesystem::create_directories(proj);
  t->runner.expect_if([](const auto& a) { return a.at(0) == "rsync"; }, "rsync",
                      {0, "Number of regular files transferred: 2\nTotal bytes sent: 1,234\n", ""});
  expect_start(t->runner, "j2");
  ASSERT_EQ(t->run({"run", "lab", "--detach", "--workdir", proj.string(), "--", "make"}), 0)
      << t->err.str();
  const auto& rsync = t->runner.calls.at(0).argv;
  auto has = [&](std::string_view arg) {
    return std::find(rsync.begin(), rsync.end(), arg) != rsync.end();
  };
  EXPECT_TRUE(has("--filter=:- .gitignore"));
  EXPECT_TRUE(has("--filter=:- .gpuboxignore"));
  EXPECT_TRUE(has("--exclude=.git/"));
  EXPECT_TRUE(has("--partial"));
  EXPECT_EQ(rsync.at(rsync.size() - 2), proj.string() + "/");
  EXPECT_EQ(rsync.back(), "10.0.0.5:gpubox/workdirs/proj");
  EXPECT_NE(t->runner.calls.back().argv.back().find("start --cwd gpubox/workdirs/proj --then none"),
            std::string::npos)
      << t->runner.calls.back().argv.back();
  EXPECT_NE(t->err.str().find("2 file(s) changed, 1234 bytes sent"), std::string::npos)
      << t->err.str();
}

TEST(CmdRun, ThenStopIsForAwsBoxesOnly) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(byo_box()));
  EXPECT_EQ(t->run({"run", "lab", "--then", "stop", "--", "true"}), 2);
  EXPECT_NE(t->err.str().find("--then stop shuts down AWS boxes"), std::string::npos)
      << t->err.str();
  EXPECT_TRUE(t->runner.calls.empty());
}

TEST(CmdRun, CombinationsThatCannotWorkAreRefusedBeforeAnythingRuns) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(byo_box()));
  EXPECT_EQ(t->run({"run", "lab", "--down", "--", "true"}), 2);
  EXPECT_NE(t->err.str().find("--down removes a box run launched"), std::string::npos);
  t->err.str("");
  EXPECT_EQ(t->run({"run", "lab", "--outputs", "out", "--", "true"}), 2);
  EXPECT_NE(t->err.str().find("--outputs pulls a directory"), std::string::npos) << t->err.str();
  t->err.str("");
  EXPECT_EQ(t->run({"run", "lab", "--type", "g4dn.xlarge", "--down", "--detach", "--", "true"}), 2);
  EXPECT_NE(t->err.str().find("cannot be --detach-ed"), std::string::npos) << t->err.str();
  t->err.str("");
  // An interruption stops the box, and stopped is when --then down and --down remove it.
  EXPECT_EQ(t->run({"run", "lab", "--retry-on-interruption", "--then", "down", "--", "true"}), 2);
  EXPECT_NE(t->err.str().find("--then down would remove it once it has stopped"), std::string::npos)
      << t->err.str();
  t->err.str("");
  EXPECT_EQ(t->run({"run", "lab", "--type", "g4dn.xlarge", "--down", "--retry-on-interruption",
                    "--", "true"}),
            2);
  EXPECT_NE(t->err.str().find("--down would remove it once it has stopped"), std::string::npos)
      << t->err.str();
  t->err.str("");
  // --type launches a new box: an existing name is a conflict, not a second launch.
  EXPECT_EQ(t->run({"run", "lab", "--type", "g4dn.xlarge", "--", "true"}), 1);
  EXPECT_NE(t->err.str().find("a box named lab exists"), std::string::npos) << t->err.str();
  EXPECT_TRUE(t->runner.calls.empty());
  EXPECT_TRUE(t->http.requests().empty());
}

// A byo cluster "duo" of `n` nodes at 10.0.0.10, 10.0.0.11, ...
void add_cluster(gpubox::cli::testing::TestEnv& t, int n) {
  for (int k = 0; k < n; ++k) {
    state::Box b = byo_box();
    b.name = "duo." + std::to_string(k);
    b.cluster = "duo";
    b.node_index = k;
    b.ssh_host = "10.0.0." + std::to_string(10 + k);
    b.private_ip = b.ssh_host;
    ASSERT_TRUE(t.store().insert_box(b));
  }
}

// The ssh calls of starting a job on `n` nodes: node 0's probe (answering `probe`), then each
// node's upload and start.
void expect_cluster_start(gpubox::cli::testing::TestEnv& t, int n, const std::string& probe) {
  t.runner.expect_if([](const auto& a) { return is_ssh_running(a, "socket.socket()"); },
                     "probe node 0", {0, probe, ""});
  t.runner.expect_if([](const auto& a) { return is_ssh_running(a, "tar "); }, "uploads",
                     {0, "", ""}, n);
  t.runner.expect_if([](const auto& a) { return is_ssh_running(a, "job.py start"); }, "starts",
                     {0, "{\"id\": \"20261208-010203-abcd\"}\n", ""}, n);
}

bool on_host(const std::vector<std::string>& a, const std::string& host) {
  return std::ranges::find(a, host) != a.end();
}

TEST(CmdRun, OnEveryNodeOneIdAndEachNodesRendezvousEnvironmentOnStdin) {
  auto t = make_test_env();
  add_cluster(*t, 2);
  expect_cluster_start(*t, 2, "port=29876 gpus=0\n");
  ASSERT_EQ(t->run({"run", "duo", "--nodes", "all", "--detach", "--env", "K=v", "--", "python",
                    "train.py"}),
            0)
      << t->err.str();
  std::vector<std::string> ids;
  for (const auto& call : t->runner.calls) {
    if (!is_ssh_running(call.argv, "job.py start")) {
      continue;
    }
    const std::string& cmd = call.argv.back();
    auto at = cmd.find("--id ");
    ASSERT_NE(at, std::string::npos) << cmd;
    ids.push_back(cmd.substr(at + 5, 20));
    const int rank = on_host(call.argv, "10.0.0.11") ? 1 : 0;
    ASSERT_TRUE(call.options.stdin_text.has_value());
    const std::string& env = *call.options.stdin_text;
    for (const std::string& line :
         {std::string("K=v\n"), std::string("MASTER_ADDR=10.0.0.10\n"),
          std::string("MASTER_PORT=29876\n"), "NODE_RANK=" + std::to_string(rank) + "\n",
          "RANK=" + std::to_string(rank) + "\n", std::string("WORLD_SIZE=2\n"),
          std::string("GPUBOX_NODE_IPS=10.0.0.10,10.0.0.11\n")}) {
      EXPECT_NE(env.find(line), std::string::npos) << line << " not in\n" << env;
    }
  }
  ASSERT_EQ(ids.size(), 2U);
  EXPECT_EQ(ids[0], ids[1]);  // one job id on every node
  EXPECT_EQ(t->out.str(), ids[0] + "\n");
}

TEST(CmdRun, TorchrunWrapsTheScriptForStaticRendezvous) {
  auto t = make_test_env();
  add_cluster(*t, 2);
  expect_cluster_start(*t, 2, "port=29500 gpus=4\n");
  ASSERT_EQ(t->run({"run", "duo", "--nodes", "all", "--torchrun", "--detach", "--", "python",
                    "train.py"}),
            0)
      << t->err.str();
  bool saw_rank1 = false;
  for (const auto& call : t->runner.calls) {
    if (is_ssh_running(call.argv, "job.py start") && on_host(call.argv, "10.0.0.11")) {
      saw_rank1 = true;
      EXPECT_NE(call.argv.back().find("-- torchrun --nnodes 2 --nproc_per_node 4 --node_rank 1 "
                                      "--master_addr 10.0.0.10 --master_port 29500 train.py"),
                std::string::npos)
          << call.argv.back();
      EXPECT_EQ(call.options.stdin_text->find("WORLD_SIZE="), std::string::npos);
    }
  }
  EXPECT_TRUE(saw_rank1);
}

TEST(CmdRun, NodesAllNeedsAClusterAndTorchrunNeedsNodesAll) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(byo_box()));
  EXPECT_EQ(t->run({"run", "lab", "--nodes", "all", "--", "true"}), 2);
  EXPECT_NE(t->err.str().find("lab is not a cluster"), std::string::npos) << t->err.str();
  EXPECT_EQ(t->run({"run", "lab", "--torchrun", "--", "train.py"}), 2);
  EXPECT_NE(t->err.str().find("--torchrun starts one job across"), std::string::npos);
  EXPECT_TRUE(t->runner.calls.empty());
}

TEST(CmdJobs, OnAClusterOneRowPerJobWithEachNodesState) {
  auto t = make_test_env();
  add_cluster(*t, 2);
  t->runner.expect_if(
      [](const auto& a) { return is_ssh_running(a, "job.py list") && on_host(a, "10.0.0.10"); },
      "node 0",
      {0, R"([{"id": "j1", "argv": ["sh"], "cwd": "", "state": "cancelled", "exit_code": 130,
              "started_at": "s", "finished_at": "f2", "duration_seconds": 4}])",
       ""});
  t->runner.expect_if(
      [](const auto& a) { return is_ssh_running(a, "job.py list") && on_host(a, "10.0.0.11"); },
      "node 1",
      {0, R"([{"id": "j1", "argv": ["sh"], "cwd": "", "state": "failed", "exit_code": 5,
              "started_at": "s", "finished_at": "f1", "duration_seconds": 3}])",
       ""});
  ASSERT_EQ(t->run({"jobs", "duo", "--json"}), 0) << t->err.str();
  auto doc = nlohmann::json::parse(t->out.str());
  ASSERT_EQ(doc.size(), 1U);
  EXPECT_EQ(doc[0]["state"], "failed");
  EXPECT_EQ(doc[0]["exit_code"], 5);
  EXPECT_EQ(doc[0]["nodes"][0]["state"], "cancelled");
  EXPECT_EQ(doc[0]["nodes"][1]["node"], 1);
}

TEST(CmdJobs, ListsTheJobsNewestFirstWithTheirStates) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(byo_box()));
  t->runner.expect_if(
      [](const auto& a) { return is_ssh_running(a, "job.py list --json"); }, "list",
      {0,
       R"([{"id":"j2","argv":["python","a b.py"],"cwd":"gpubox/workdirs/p","state":"running",)"
       R"("exit_code":null,"started_at":"2026-12-07T22:00:00Z","finished_at":null,)"
       R"("duration_seconds":75},)"
       R"({"id":"j1","argv":["false"],"cwd":"","state":"failed","exit_code":1,)"
       R"("started_at":"2026-12-07T21:00:00Z","finished_at":"2026-12-07T21:00:01Z",)"
       R"("duration_seconds":1}])",
       ""});
  ASSERT_EQ(t->run({"jobs", "lab"}), 0) << t->err.str();
  EXPECT_EQ(t->out.str(),
            "j2\trunning\t2026-12-07T22:00:00Z\t1m15s\tpython 'a b.py'\n"
            "j1\tfailed (1)\t2026-12-07T21:00:00Z\t0m01s\tfalse\n");
}

TEST(CmdJobs, JsonKeepsTheExitCodeNullWhileRunning) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(byo_box()));
  t->runner.expect_if([](const auto& a) { return is_ssh_running(a, "list --json"); }, "list",
                      {0, R"([{"id":"j","argv":["x"],"state":"running","exit_code":null}])", ""});
  ASSERT_EQ(t->run({"jobs", "lab", "--json"}), 0);
  auto doc = nlohmann::json::parse(t->out.str());
  ASSERT_EQ(doc.size(), 1u);
  EXPECT_TRUE(doc[0]["exit_code"].is_null());
  EXPECT_EQ(doc[0]["attempts"], 1);  // an older job.py says nothing of attempts: one
  EXPECT_EQ(doc[0]["max_attempts"], 1);
  EXPECT_EQ(doc[0]["state"], "running");
}

TEST(CmdJobs, ShowsTheAttemptAndAPendingReRun) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(byo_box()));
  t->runner.expect_if([](const auto& a) { return is_ssh_running(a, "job.py list --json"); }, "list",
                      {0,
                       R"([{"id":"j2","argv":["x"],"state":"running","exit_code":null,)"
                       R"("started_at":"2026-12-07T22:00:00Z","duration_seconds":5,)"
                       R"("attempt":2,"max_attempts":3,"rerun_pending":false},)"
                       R"({"id":"j1","argv":["y"],"state":"interrupted","exit_code":0,)"
                       R"("started_at":"2026-12-07T21:00:00Z","duration_seconds":60,)"
                       R"("attempt":1,"max_attempts":3,"rerun_pending":true}])",
                       ""},
                      2);
  ASSERT_EQ(t->run({"jobs", "lab"}), 0) << t->err.str();
  EXPECT_EQ(t->out.str(),
            "j2\trunning (attempt 2)\t2026-12-07T22:00:00Z\t0m05s\tx\n"
            "j1\tinterrupted (runs again at restart)\t2026-12-07T21:00:00Z\t1m00s\ty\n");
  t->out.str("");
  ASSERT_EQ(t->run({"jobs", "lab", "--json"}), 0) << t->err.str();
  auto doc = nlohmann::json::parse(t->out.str());
  EXPECT_EQ(doc[0]["attempts"], 2);
  EXPECT_EQ(doc[0]["max_attempts"], 3);
  EXPECT_EQ(doc[0]["rerun_pending"], false);
  EXPECT_EQ(doc[1]["attempts"], 1);
  EXPECT_EQ(doc[1]["rerun_pending"], true);
}

TEST(CmdLogs, AnUnknownJobIsNotFoundWithAHint) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(byo_box()));
  t->runner.expect_if([](const auto& a) { return is_ssh_running(a, "job.py logs nope"); }, "logs",
                      {1, "", "job.py: no job nope\n"});
  EXPECT_EQ(t->run({"logs", "lab", "nope"}), 1);
  EXPECT_NE(t->err.str().find("gpubox: error: no job nope on lab"), std::string::npos)
      << t->err.str();
  EXPECT_NE(t->err.str().find("hint: gpubox jobs lab lists the jobs"), std::string::npos);
}

TEST(CmdLogs, FollowingExitsWithTheJobsCodeEvenWhenItIsOne) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(byo_box()));
  t->runner.expect_if([](const auto& a) { return is_ssh_running(a, "logs j1 --follow"); }, "logs",
                      {1, "Traceback: boom\n", ""});
  EXPECT_EQ(t->run({"logs", "lab", "j1", "-f"}), 1);
  EXPECT_EQ(t->out.str(), "Traceback: boom\n");
}

TEST(CmdCancel, SaysTheStateTheJobEndedIn) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(byo_box()));
  t->runner.expect_if([](const auto& a) { return is_ssh_running(a, "job.py cancel j1"); }, "cancel",
                      {0, R"({"id": "j1", "state": "cancelled"})", ""});
  ASSERT_EQ(t->run({"cancel", "lab", "j1"}), 0) << t->err.str();
  EXPECT_EQ(t->out.str(), "job j1 on lab: cancelled\n");
}

TEST(CmdTransfer, PushAndPullRunRsyncOverTheManagedSshBothWays) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(byo_box()));
  t->runner.expect_if([](const auto& a) { return a.at(0) == "rsync"; }, "rsync", {0, "", ""}, 2);
  ASSERT_EQ(t->run({"push", "lab", "data/", "datasets"}), 0) << t->err.str();
  ASSERT_EQ(t->run({"pull", "lab", "results"}), 0) << t->err.str();
  const auto& push = t->runner.calls.at(0).argv;
  EXPECT_EQ(push.at(push.size() - 2), "data/");
  EXPECT_EQ(push.back(), "10.0.0.5:datasets");
  EXPECT_NE(std::find(push.begin(), push.end(), "--mkpath"), push.end());
  const auto e = std::find(push.begin(), push.end(), "-e");
  ASSERT_NE(e, push.end());
  EXPECT_NE((e + 1)->find("UserKnownHostsFile="), std::string::npos) << *(e + 1);
  EXPECT_NE((e + 1)->find("StrictHostKeyChecking=yes"), std::string::npos) << *(e + 1);
  EXPECT_EQ((e + 1)->find("10.0.0.5"), std::string::npos) << *(e + 1);  // the host comes last
  const auto& pull = t->runner.calls.at(1).argv;
  EXPECT_EQ(pull.at(pull.size() - 2), "10.0.0.5:results");
  EXPECT_EQ(pull.back(), ".");
  EXPECT_EQ(std::find(pull.begin(), pull.end(), "--mkpath"), pull.end());
}

TEST(CmdTransfer, AFailedRsyncNamesItsMessage) {
  auto t = make_test_env();
  ASSERT_TRUE(t->store().insert_box(byo_box()));
  t->runner.expect_if([](const auto& a) { return a.at(0) == "rsync"; }, "rsync",
                      {23, "", "rsync: link_stat \"/home/me/nope\" failed: No such file\n"});
  EXPECT_EQ(t->run({"pull", "lab", "nope"}), 1);
  EXPECT_NE(t->err.str().find("rsync to lab failed (exit 23): rsync: link_stat"), std::string::npos)
      << t->err.str();
}

}  // namespace
}  // namespace gpubox::cli
