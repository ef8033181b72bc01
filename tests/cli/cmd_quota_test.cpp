#include "cli/cmd_quota.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cli/test_env.hpp"

namespace gpubox::cli {
namespace {

using testing::make_test_env;

std::string quota(const std::string& code, const std::string& name, double value) {
  return fmt::format(R"({{"QuotaCode":"{}","QuotaName":"{}","Value":{},"ServiceCode":"ec2"}})",
                     code, name, value);
}

// G quotas of 16 on-demand and 8 spot vCPUs, and one running on-demand g4dn.xlarge (4 vCPUs).
void g_quotas(testing::TestEnv& t) {
  t.http.respond("ListServiceQuotas", 200,
                 R"({"Quotas":[)" +
                     quota("L-DB2E81BA", "Running On-Demand G and VT instances", 16) + "," +
                     quota("L-3819A6DF", "All G and VT Spot Instance Requests", 8) + "]}");
  t.http.respond("DescribeInstances", 200,
                 "<DescribeInstancesResponse><reservationSet><item><reservationId>r-1"
                 "</reservationId><instancesSet><item><instanceId>i-1</instanceId><instanceType>"
                 "g4dn.xlarge</instanceType><instanceState><code>16</code><name>running</name>"
                 "</instanceState></item></instancesSet></item></reservationSet>"
                 "</DescribeInstancesResponse>");
}

TEST(CmdQuota, ShowsUsedQuotaAndFitPerMarket) {
  auto t = make_test_env({.tty = true});
  t->use_test_catalog();
  g_quotas(*t);
  ASSERT_EQ(t->run({"quota", "--type", "g4dn.xlarge", "--regions", "us-east-1"}), 0)
      << t->err.str();
  EXPECT_EQ(t->out.str(),
            "REGION     ON-DEMAND VCPUS USED/LIMIT FITS  SPOT VCPUS USED/LIMIT FITS  ERROR\n"
            "us-east-1  4/16 yes                         0/8 yes                     \n");
  EXPECT_EQ(t->err.str(), "checking EC2 vCPU quotas for g4dn.xlarge (4 vCPUs) in 1 regions\n");
}

TEST(CmdQuota, JsonNamesTheTypeAndEachQuota) {
  auto t = make_test_env();
  t->use_test_catalog();
  g_quotas(*t);
  QuotaOptions opts;
  opts.gpu = "T4";
  opts.regions = "us-east-1";
  opts.json = true;
  ASSERT_TRUE(run_quota(opts, t->env));
  auto doc = nlohmann::json::parse(t->out.str());
  EXPECT_EQ(doc["instance_type"], "g4dn.xlarge");
  EXPECT_EQ(doc["vcpus"], 4);
  ASSERT_EQ(doc["regions"].size(), 1u);
  EXPECT_EQ(doc["regions"][0]["on_demand"]["quota_code"], "L-DB2E81BA");
  EXPECT_EQ(doc["regions"][0]["on_demand"]["used_vcpus"], 4);
  EXPECT_EQ(doc["regions"][0]["spot"]["fits"], true);
  EXPECT_EQ(doc["regions"][0]["error"], nullptr);
}

TEST(CmdQuota, WithoutGpuOrTypeItSaysWhatToGive) {
  auto t = make_test_env();
  EXPECT_EQ(t->run({"quota"}), 2);
  EXPECT_EQ(t->err.str(), "gpubox: error: give --gpu (e.g. T4) or --type (e.g. g4dn.xlarge)\n");
  EXPECT_TRUE(t->http.requests().empty());
}

TEST(CmdQuotaRequest, ACountBelowOneIsRefusedBeforeAnyCall) {
  auto t = make_test_env();
  EXPECT_EQ(t->run({"quota", "request", "--type", "g4dn.xlarge", "--count", "0"}), 2);
  EXPECT_EQ(t->err.str(), "gpubox: error: --count must be at least 1\n");
  EXPECT_TRUE(t->http.requests().empty());
}

}  // namespace
}  // namespace gpubox::cli
