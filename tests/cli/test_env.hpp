#pragma once
// A test Env for the commands (gh's iostreams.Test + cmdutil.Factory): stdout and stderr are
// string streams, the TTY switch sets how they render, and every edge is a fake: HTTP
// (FakeHttpClient: canned AWS replies), processes, the clock, the prompter. HOME and GPUBOX_HOME
// point into a fresh temporary directory, AWS keys and region come from variables, and the AWS
// endpoint is a loopback address, so nothing real is read or reached.
//
//   auto t = make_test_env();
//   t->http.respond("GetCallerIdentity", 200, aws_fixture("sts/get_caller_identity.xml"));
//   EXPECT_EQ(t->run({"whoami", "--json"}), 0);
//   EXPECT_EQ(t->out.str(), "...");

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "aws/aws_fixtures.hpp"
#include "cli/app.hpp"
#include "cli/env.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_http_client.hpp"
#include "fakes/fake_process_runner.hpp"
#include "fakes/fake_prompter.hpp"
#include "fakes/temp_dir.hpp"
#include "state/box_store.hpp"

namespace gpubox::cli::testing {

struct TestEnvOptions {
  bool tty = false;  // stdout and stderr are terminals (aligned tables, updating progress)
  std::string region = "us-east-1";
};

struct TestEnv {
  explicit TestEnv(const TestEnvOptions& options)
      : vars{{"HOME", (tmp.path() / "home").string()},
             {"GPUBOX_HOME", (tmp.path() / "gpubox").string()},
             {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
             {"AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
             {"AWS_ENDPOINT_URL", "http://127.0.0.1:9"},
             {"AWS_MAX_ATTEMPTS", "1"}},
        env(Streams{out, err, options.tty, options.tty}, lookup(), clock, http, runner, prompter) {
    if (!options.region.empty()) {
      vars["AWS_REGION"] = options.region;
    }
    runner.verify_on_destroy = true;
  }

  // Parse `args` (as typed after `gpubox`) and run the command; return the exit code.
  int run(std::vector<std::string> args) {
    env.exit_code = 0;
    return cli::run(env, std::move(args));
  }

  // Return the local state database of this env.
  state::BoxStore& store() { return **env.store(); }

  // Return the data directory ($GPUBOX_HOME).
  std::filesystem::path data_dir() const { return tmp.path() / "gpubox"; }

  // Answer the next GetCallerIdentity (who the caller is: the owner stop, start, down, gc and ls
  // act for) with AWS's documented reply.
  void answer_caller() {
    http.respond("GetCallerIdentity", 200,
                 gpubox::testing::aws_fixture("sts/get_caller_identity.xml"));
  }

  // Answer a search for a box the store does not know: who the caller is, one enabled region
  // (us-east-1), and no gpubox instance in it.
  void answer_no_box_anywhere() {
    answer_caller();
    http.respond("DescribeRegions", 200,
                 "<DescribeRegionsResponse><regionInfo><item><optInStatus>opt-in-not-required"
                 "</optInStatus><regionName>us-east-1</regionName><regionEndpoint>"
                 "ec2.us-east-1.amazonaws.com</regionEndpoint></item></regionInfo>"
                 "</DescribeRegionsResponse>");
    http.respond("DescribeInstances", 200,
                 "<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse>");
  }

  // Make tests/fixtures/catalog/instances.csv the price catalog (as if `catalog refresh` wrote
  // it later than the embedded snapshot), so prices in expected output stay put.
  void use_test_catalog() {
    std::ifstream in(std::string(GPUBOX_SOURCE_DIR) + "/tests/fixtures/catalog/instances.csv");
    std::stringstream text;
    text << in.rdbuf();
    std::string csv = text.str();
    const std::string old_date = "2025-10-01T00:00:00Z";
    csv.replace(csv.find(old_date), old_date.size(), "2099-01-01T00:00:00Z");
    tmp.write("gpubox/catalog.csv", csv);
  }

  gpubox::testing::ScopedTempDir tmp;
  std::ostringstream out;
  std::ostringstream err;
  std::map<std::string, std::string> vars;  // the environment; change it before the first use
  gpubox::testing::FakeClock clock;
  gpubox::testing::FakeHttpClient http;
  gpubox::testing::FakeProcessRunner runner;
  gpubox::testing::FakePrompter prompter;
  Env env;

private:
  EnvLookup lookup() {
    return [this](std::string_view name) -> std::optional<std::string> {
      auto it = vars.find(std::string(name));
      return it == vars.end() ? std::nullopt : std::optional(it->second);
    };
  }
};

// Return a test Env; `options.tty` makes stdout and stderr terminals.
// Return a bring-your-own box "lab" at me@10.0.0.5:22 with a pinned host key (nothing to store
// about AWS): what the commands that work over ssh are tested against.
inline state::Box byo_box() {
  state::Box b;
  b.name = "lab";
  b.kind = state::BoxKind::byo;
  b.ssh_host = "10.0.0.5";
  b.ssh_user = "me";
  b.ssh_port = 22;
  b.host_key_pinned = true;
  return b;
}

inline std::unique_ptr<TestEnv> make_test_env(TestEnvOptions options = {}) {
  return std::make_unique<TestEnv>(options);
}

}  // namespace gpubox::cli::testing
