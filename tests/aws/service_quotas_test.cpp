#include "aws/service_quotas.hpp"

#include <gtest/gtest.h>

#include "aws/aws_fixtures.hpp"
#include "aws/xml.hpp"
#include "core/iso8601.hpp"

namespace gpubox::aws {
namespace {

using testing::aws_json_fixture;

TEST(ServiceQuotas, BuildersMatchBotocoreBodies) {
  EXPECT_EQ(build_get_service_quota({"ec2", "L-DB2E81BA"}).dump(),
            R"({"QuotaCode":"L-DB2E81BA","ServiceCode":"ec2"})");
  const nlohmann::json increase =
      build_request_service_quota_increase({"ec2", "L-DB2E81BA", 32, {}});
  EXPECT_TRUE(increase["DesiredValue"].is_number_float());
  EXPECT_EQ(increase.dump(),
            R"({"DesiredValue":32.0,"QuotaCode":"L-DB2E81BA","ServiceCode":"ec2"})");
  EXPECT_EQ(build_list_service_quotas({"ec2", "", 100, "t"}),
            (nlohmann::json{{"ServiceCode", "ec2"}, {"MaxResults", 100}, {"NextToken", "t"}}));
  EXPECT_EQ(build_list_requested_service_quota_change_history({}), nlohmann::json::object());
}

TEST(ServiceQuotas, ParsesQuotas) {
  auto q = parse_get_service_quota(aws_json_fixture("service_quotas/get_service_quota.json"));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->quota_code, "L-DB2E81BA");
  EXPECT_EQ(q->quota_name, "Running On-Demand G and VT instances");
  EXPECT_DOUBLE_EQ(q->value, 8.0);
  EXPECT_TRUE(q->adjustable);
  auto list =
      parse_list_service_quotas(aws_json_fixture("service_quotas/list_service_quotas.json"));
  ASSERT_TRUE(list);
  ASSERT_EQ(list->quotas.size(), 3u);
  EXPECT_EQ(list->quotas[2].quota_code, "L-417A185B");
  EXPECT_DOUBLE_EQ(list->quotas[2].value, 0.0);
  EXPECT_FALSE(parse_get_service_quota(nlohmann::json{{"Quota", "nope"}}));
}

TEST(ServiceQuotas, ParsesIncreaseRequestsAndHistory) {
  auto r = parse_request_service_quota_increase(
      aws_json_fixture("service_quotas/request_service_quota_increase.json"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, "PENDING");
  EXPECT_DOUBLE_EQ(r->desired_value, 32.0);
  ASSERT_TRUE(r->created.has_value());
  EXPECT_EQ(format_iso8601(*r->created), "2025-07-01T00:00:00Z");
  auto history = parse_list_requested_service_quota_change_history(
      aws_json_fixture("service_quotas/list_requested_service_quota_change_history.json"));
  ASSERT_TRUE(history);
  ASSERT_EQ(history->requests.size(), 2u);
  EXPECT_EQ(history->requests[0].case_id, "170000000001");
  EXPECT_EQ(history->requests[1].status, "DENIED");
  EXPECT_FALSE(history->requests[1].last_updated.has_value());
  EXPECT_EQ(history->next_token, "page-2");
}

}  // namespace
}  // namespace gpubox::aws
