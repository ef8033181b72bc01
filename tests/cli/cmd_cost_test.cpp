#include "cli/cmd_cost.hpp"

#include <gtest/gtest.h>

#include "box/ec2_replies.hpp"
#include "cli/test_env.hpp"

namespace gpubox::cli {
namespace {

using std::chrono::hours;
using testing::make_test_env;

const TimePoint k_t0{std::chrono::seconds{1767225600}};  // 2026-01-01T00:00:00Z

void ledger(testing::TestEnv& t) {
  ASSERT_TRUE(t.store().record_state_change({"lab", "i-1", "running", k_t0, 1.0}));
  ASSERT_TRUE(t.store().record_state_change({"lab", "i-1", "stopped", k_t0 + hours(3), 1.0}));
  t.clock.set(k_t0 + hours(5));
}

TEST(CmdCost, OfflineIsTheLedgerAsATableWithATotal) {
  auto t = make_test_env({.tty = true});
  ledger(*t);
  ASSERT_EQ(t->run({"cost", "--offline"}), 0) << t->err.str();
  EXPECT_EQ(
      t->out.str(),
      // 3 running hours also bill the public IPv4 address: 3 x $0.005
      "BOX    TYPE  REGION  RUNNING H  STOPPED H  COMPUTE $  IPV4 $  STORAGE $  TOTAL $  NOTE\n"
      "lab                  3.00       2.00       3.00       0.01    0.00       3.02     \n"
      "total                                                                    3.02     \n");
  EXPECT_TRUE(t->http.requests().empty());
}

TEST(CmdCost, JsonHasTheRowsTheTotalAndNow) {
  auto t = make_test_env();
  ledger(*t);
  t->http.respond("DescribeInstances", 200, gpubox::testing::describe_instances_xml({}));
  CostOptions opts;
  opts.json = true;
  ASSERT_TRUE(run_cost(opts, t->env));
  auto doc = nlohmann::json::parse(t->out.str());
  EXPECT_DOUBLE_EQ(doc["total_usd"].get<double>(), 3.015);
  EXPECT_EQ(doc["now"], "2026-01-01T05:00:00Z");
  EXPECT_EQ(doc["since"], nullptr);
  ASSERT_EQ(doc["boxes"].size(), 1u);
  EXPECT_EQ(doc["boxes"][0]["name"], "lab");
  EXPECT_EQ(doc["boxes"][0]["running_hours"], 3.0);
  EXPECT_EQ(doc["boxes"][0]["estimated"], false);
  EXPECT_TRUE(t->http.unused().empty());  // untracked instances were looked up
}

TEST(CmdCost, AFailedLookupWarnsAndStillShowsTheLedger) {
  auto t = make_test_env();
  ledger(*t);
  t->http.respond("DescribeInstances", 403,
                  gpubox::testing::ec2_error_xml("UnauthorizedOperation"));
  ASSERT_EQ(t->run({"cost"}), 0);
  EXPECT_EQ(t->out.str(),
            "lab\t\t\t3.00\t2.00\t3.00\t0.01\t0.00\t3.02\t\ntotal\t\t\t\t\t\t\t\t3.02\t\n");
  EXPECT_NE(t->err.str().find("gpubox: warning: boxes not in the ledger were not looked up: "),
            std::string::npos)
      << t->err.str();
}

TEST(CmdCost, ABadSinceIsAUsageError) {
  auto t = make_test_env();
  EXPECT_EQ(t->run({"cost", "--since", "yesterday"}), 2);
  EXPECT_EQ(t->err.str(),
            "gpubox: error: --since must be a date (2026-01-31) or an RFC 3339 time, not "
            "\"yesterday\"\n");
}

TEST(CmdCost, ABoxWithoutRecordsIsNotFound) {
  auto t = make_test_env();
  EXPECT_EQ(t->run({"cost", "ghost", "--offline"}), 1);
  EXPECT_EQ(t->err.str(), "gpubox: error: no cost record for box ghost\n");
}

}  // namespace
}  // namespace gpubox::cli
