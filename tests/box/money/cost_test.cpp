#include "box/money/cost.hpp"

#include <gtest/gtest.h>

namespace gpubox::box {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

const TimePoint k_t0{std::chrono::seconds{1767225600}};  // 2026-01-01T00:00:00Z

state::LedgerEntry entry(const char* state, TimePoint at, double price) {
  return state::LedgerEntry{"box", "i-1", state, at, price};
}

TEST(BoxCost, RunningStoppedAndRunningAgainBillsOnlyRunningHours) {
  // running 2 h, stopped 3 h, running 1.5 h until now, at g5.xlarge's $1.006/h.
  const std::vector<state::LedgerEntry> ledger = {
      entry("pending", k_t0, 1.006), entry("running", k_t0 + minutes(5), 1.006),
      entry("stopped", k_t0 + hours(2), 1.006), entry("running", k_t0 + hours(5), 1.006)};
  const BoxCost c = cost_from_ledger(ledger, k_t0 + hours(6) + minutes(30), std::nullopt, 100);
  EXPECT_DOUBLE_EQ(c.running_hours, 3.5);
  EXPECT_DOUBLE_EQ(c.stopped_hours, 3.0);
  EXPECT_NEAR(c.compute_usd, 3.521, 1e-9);
  // 100 GiB x $0.08 per GiB-month x 6.5 h / 730 h.
  EXPECT_NEAR(c.storage_usd, 0.0712328767, 1e-9);
  // The public IPv4 address bills $0.005/h while running: 3.5 h.
  EXPECT_NEAR(c.ipv4_usd, 0.0175, 1e-12);
  EXPECT_NEAR(c.total_usd, 3.5922328767 + 0.0175, 1e-9);
  EXPECT_FALSE(c.estimated);
}

TEST(BoxCost, EachIntervalUsesThePriceRecordedWithIt) {
  const std::vector<state::LedgerEntry> ledger = {entry("running", k_t0, 1.0),
                                                  entry("stopped", k_t0 + hours(1), 1.0),
                                                  entry("running", k_t0 + hours(2), 0.5)};
  const BoxCost c = cost_from_ledger(ledger, k_t0 + hours(4), std::nullopt, 0);
  EXPECT_DOUBLE_EQ(c.running_hours, 3.0);
  EXPECT_DOUBLE_EQ(c.compute_usd, 2.0);
  EXPECT_DOUBLE_EQ(c.storage_usd, 0.0);
}

TEST(BoxCost, SinceCutsOffEarlierTimeAndTerminationEndsStorage) {
  const std::vector<state::LedgerEntry> ledger = {entry("running", k_t0, 2.0),
                                                  entry("terminated", k_t0 + hours(10), 2.0)};
  const BoxCost c = cost_from_ledger(ledger, k_t0 + hours(20), k_t0 + hours(6), 73, "us-east-1");
  EXPECT_DOUBLE_EQ(c.running_hours, 4.0);
  EXPECT_DOUBLE_EQ(c.compute_usd, 8.0);
  EXPECT_DOUBLE_EQ(c.stopped_hours, 0.0);
  EXPECT_NEAR(c.storage_usd, 73 * 0.08 * 4 / 730.0, 1e-12);
}

TEST(BoxCost, HourlyPriceIncludesThePublicIpv4Address) {
  EXPECT_DOUBLE_EQ(k_public_ipv4_usd_per_hour, 0.005);
  EXPECT_NEAR(hourly_usd(0.526), 0.531, 1e-12);
  EXPECT_DOUBLE_EQ(hourly_usd(0), 0.0);  // unknown stays unknown
}

TEST(BoxCost, RegionChangesTheStoragePrice) {
  EXPECT_DOUBLE_EQ(ebs_gp3_usd_per_gib_month("us-east-1"), 0.08);
  EXPECT_GT(ebs_gp3_usd_per_gib_month("eu-central-1"), ebs_gp3_usd_per_gib_month("us-east-1"));
  const std::vector<state::LedgerEntry> ledger = {entry("stopped", k_t0, 1.0)};
  const BoxCost frankfurt =
      cost_from_ledger(ledger, k_t0 + hours(730), std::nullopt, 10, "eu-central-1");
  EXPECT_NEAR(frankfurt.storage_usd, 0.952, 1e-9);
  EXPECT_DOUBLE_EQ(frankfurt.compute_usd, 0.0);
}

TEST(BoxCost, EstimateFromLaunchIsMarkedAndBillsRunningBoxes) {
  const BoxCost running = estimate_from_launch(k_t0, "running", 0.526, k_t0 + hours(10), 0);
  EXPECT_TRUE(running.estimated);
  EXPECT_DOUBLE_EQ(running.running_hours, 10.0);
  EXPECT_NEAR(running.compute_usd, 5.26, 1e-9);
  EXPECT_NEAR(running.ipv4_usd, 0.05, 1e-12);
  EXPECT_NEAR(running.total_usd, 5.31, 1e-9);
  const BoxCost stopped = estimate_from_launch(k_t0, "stopped", 0.526, k_t0 + hours(10), 73);
  EXPECT_DOUBLE_EQ(stopped.compute_usd, 0.0);
  EXPECT_DOUBLE_EQ(stopped.ipv4_usd, 0.0);       // EC2 released the address when it stopped
  EXPECT_NEAR(stopped.storage_usd, 0.08, 1e-9);  // 73 GiB x 0.08 x 10/730
  EXPECT_DOUBLE_EQ(estimate_from_launch(k_t0, "terminated", 1, k_t0 + hours(1), 100).total_usd,
                   0.0);
}

}  // namespace
}  // namespace gpubox::box
