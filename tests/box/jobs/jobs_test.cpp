// box/jobs: the pure parts of jobs and sync (parsing job.py's and rsync's answers, the commands
// sent to the box); tests/cli/cmd_jobs_test.cpp runs them against a fake ssh.

#include "box/jobs/jobs.hpp"

#include <gtest/gtest.h>

#include "box/jobs/sync.hpp"

namespace gpubox::box {
namespace {

TEST(JobEnv, NamesAreShellVariableNames) {
  EXPECT_TRUE(is_env_name("WANDB_MODE"));
  EXPECT_TRUE(is_env_name("_x1"));
  EXPECT_FALSE(is_env_name(""));
  EXPECT_FALSE(is_env_name("1X"));
  EXPECT_FALSE(is_env_name("A-B"));
  EXPECT_FALSE(is_env_name("A B"));
}

TEST(JobEnv, PairsSplitAtTheFirstEqualsAndRefuseNewlines) {
  auto p = parse_env_pair("URL=http://x/?a=b");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->first, "URL");
  EXPECT_EQ(p->second, "http://x/?a=b");
  auto empty = parse_env_pair("EMPTY=");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->second, "");
  EXPECT_FALSE(parse_env_pair("NOVALUE"));
  EXPECT_FALSE(parse_env_pair("=x"));
  auto nl = parse_env_pair("A=line1\nline2");
  ASSERT_FALSE(nl);
  EXPECT_EQ(nl.error().kind, ErrorKind::invalid_input);
}

TEST(JobPyCommand, ReadsExportsFromStdinOnlyWhenAsked) {
  std::string plain = job_py_command({"list", "--json"});
  EXPECT_EQ(plain.find("read -r"), std::string::npos);
  EXPECT_NE(plain.find("/opt/pytorch/bin:$PATH"), std::string::npos);
  EXPECT_TRUE(plain.ends_with("exec \"$PY\" ~/.gpubox/onbox/job.py list --json")) << plain;
  std::string with = job_py_command({"start", "--", "echo", "a b"}, true);
  EXPECT_NE(with.find("while IFS= read -r kv; do export \"$kv\"; done;"), std::string::npos);
  EXPECT_TRUE(with.ends_with("job.py start -- echo 'a b'")) << with;
}

TEST(JobList, ParsesJobPyAnswerAndSkipsWhatItCannotRead) {
  auto jobs = parse_job_list(
      R"([{"id":"a","argv":["python","t.py"],"cwd":"w","state":"failed","exit_code":2,)"
      R"("started_at":"s","finished_at":"f","duration_seconds":9},"junk",)"
      R"({"id":"b","argv":["x"],"state":"running","exit_code":null}])");
  ASSERT_TRUE(jobs) << jobs.error().message;
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].id, "a");
  EXPECT_EQ((*jobs)[0].argv, (std::vector<std::string>{"python", "t.py"}));
  EXPECT_EQ((*jobs)[0].exit_code, 2);
  EXPECT_EQ((*jobs)[0].duration_seconds, 9);
  EXPECT_EQ((*jobs)[1].state, "running");
  EXPECT_FALSE((*jobs)[1].exit_code.has_value());
  EXPECT_FALSE(parse_job_list("{\"not\": \"a list\"}"));
  EXPECT_FALSE(parse_job_list("Traceback (most recent call last):"));
}

TEST(RsyncStats, ReadsTheFiguresWithThousandsSeparators) {
  SyncStats s = parse_rsync_stats(
      "Number of files: 4,012 (reg: 4,000, dir: 12)\n"
      "Number of regular files transferred: 1,234\n"
      "Total bytes sent: 5,678,901\n"
      "Total bytes received: 42\n");
  EXPECT_EQ(s.files_transferred, 1234);
  EXPECT_EQ(s.bytes_sent, 5678901);
  EXPECT_EQ(s.bytes_received, 42);
  EXPECT_EQ(parse_rsync_stats("").files_transferred, 0);
}

TEST(RemoteWorkdir, IsNamedAfterTheLocalDirectory) {
  EXPECT_EQ(remote_workdir_for("/home/me/proj"), "gpubox/workdirs/proj");
  EXPECT_EQ(remote_workdir_for("/home/me/proj/"), "gpubox/workdirs/proj");
}

TEST(RsyncArgv, BracketsAnIpv6HostAndPullsWithoutMkpath) {
  remote::SshTarget t;
  t.name = "lab";
  t.user = "me";
  t.host = "::1";
  t.port = 2222;
  t.known_hosts = "/kh";
  SyncSpec pull;
  pull.to_box = false;
  pull.remote = "out";
  pull.local = "here";
  auto argv = rsync_argv(t, pull);
  EXPECT_EQ(argv.at(argv.size() - 2), "[::1]:out");
  EXPECT_EQ(argv.back(), "here");
  EXPECT_EQ(std::find(argv.begin(), argv.end(), "--mkpath"), argv.end());
  const auto e = std::find(argv.begin(), argv.end(), "-e");
  ASSERT_NE(e, argv.end());
  EXPECT_NE((e + 1)->find("-p 2222 -l me"), std::string::npos) << *(e + 1);
  EXPECT_NE((e + 1)->find("BatchMode=yes"), std::string::npos) << *(e + 1);
}

}  // namespace
}  // namespace gpubox::box
