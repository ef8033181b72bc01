#include "box/money/cost_report.hpp"

#include <gtest/gtest.h>

#include "box/ec2_replies.hpp"
#include "box/up_fixtures.hpp"

namespace gpubox::box {
namespace {

using std::chrono::hours;
using up_testing::AwsHarness;

struct CostHarness : AwsHarness {
  CostHarness() { clock.set(k_t0 + hours(10)); }
  CostDeps deps(bool online) {
    return CostDeps{online ? client.get() : nullptr, store, nullptr, clock};
  }
  void ledger(const std::string& name, const char* state, TimePoint at, double price) {
    ASSERT_TRUE(store.record_state_change({name, "i-" + name, state, at, price}));
  }
  static constexpr TimePoint k_t0{std::chrono::seconds{1767225600}};  // 2026-01-01T00:00:00Z
  state::BoxStore store = state::BoxStore::open_memory().value();
};

TEST(CostReport, OfflineCostsTheLedgerOnlyAndAddsTheTotal) {
  CostHarness h;
  h.ledger("a", "running", CostHarness::k_t0, 1.0);
  h.ledger("b", "running", CostHarness::k_t0 + hours(8), 0.5);
  auto r = cost_report(h.deps(false), CostQuery{});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->rows.size(), 2u);
  EXPECT_EQ(r->rows[0].name, "a");
  EXPECT_DOUBLE_EQ(r->rows[0].cost.compute_usd, 10.0);
  EXPECT_DOUBLE_EQ(r->rows[1].cost.compute_usd, 1.0);
  EXPECT_DOUBLE_EQ(r->total_usd, 11.06);  // 12 running hours of public IPv4 at $0.005
  EXPECT_FALSE(r->lookup_error);
  EXPECT_TRUE(h.http.requests().empty());
}

TEST(CostReport, OnlineAddsTaggedInstancesTheLedgerDoesNotKnowAsEstimates) {
  CostHarness h;
  h.ledger("a", "running", CostHarness::k_t0, 1.0);
  gpubox::testing::FakeInstance known{"i-a", "running"};
  known.tags = {{"gpubox:box", "a"}};
  gpubox::testing::FakeInstance stray{"i-x", "running"};
  stray.tags = {{"gpubox:box", "stray"}};
  stray.launch_time = "2026-01-01T06:00:00.000Z";
  h.http.respond("DescribeInstances", 200, gpubox::testing::describe_instances_xml({known, stray}));
  auto r = cost_report(h.deps(true), CostQuery{"", std::nullopt, "us-east-1"});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->rows.size(), 2u);
  EXPECT_EQ(r->rows[1].name, "stray");
  EXPECT_EQ(r->rows[1].region, "us-east-1");
  EXPECT_TRUE(r->rows[1].cost.estimated);
  EXPECT_DOUBLE_EQ(r->rows[1].cost.running_hours, 4.0);
  auto body = h.bodies("DescribeInstances").at(0);
  EXPECT_NE(body.find("Filter.1.Name=tag-key&Filter.1.Value.1=gpubox%3Abox"), std::string::npos)
      << body;
}

TEST(CostReport, AFailedLookupKeepsTheLedgerRowsAndSaysWhy) {
  CostHarness h;
  h.ledger("a", "running", CostHarness::k_t0, 1.0);
  h.http.respond("DescribeInstances", 403, up_testing::ec2_error("UnauthorizedOperation"));
  auto r = cost_report(h.deps(true), CostQuery{"", std::nullopt, "us-east-1"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->rows.size(), 1u);
  ASSERT_TRUE(r->lookup_error);
  EXPECT_EQ(r->lookup_error->aws_code, "UnauthorizedOperation");
}

TEST(CostReport, AskingForABoxWithoutARecordIsNotFound) {
  CostHarness h;
  auto r = cost_report(h.deps(false), CostQuery{"ghost"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::not_found);
  EXPECT_EQ(r.error().message, "no cost record for box ghost");
}

}  // namespace
}  // namespace gpubox::box
