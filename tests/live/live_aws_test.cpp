// Live checks of the JSON 1.1 services (SSM, Service Quotas, Pricing) through a real AwsClient
// and CurlHttpClient against the loopback moto wrapper. run_live.py starts the wrapper, passes
// its URL in GPUBOX_TEST_ENDPOINT and what boto3 read from it in GPUBOX_TEST_EXPECT (JSON), then
// re-verifies every recorded signature with botocore.

#include <algorithm>
#include <cstdlib>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aws/client.hpp"
#include "aws/credentials.hpp"
#include "aws/http_curl.hpp"
#include "aws/pricing.hpp"
#include "aws/service_quotas.hpp"
#include "aws/settings.hpp"
#include "aws/ssm.hpp"
#include "core/clock.hpp"

namespace gpubox::aws {
namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// One real client against GPUBOX_TEST_ENDPOINT, with the harness's static test credentials.
class LiveAws : public ::testing::Test {
protected:
  void SetUp() override {
    m_settings.global_endpoint = env_or_empty("GPUBOX_TEST_ENDPOINT");
    if (m_settings.global_endpoint.empty()) {
      GTEST_SKIP() << "GPUBOX_TEST_ENDPOINT is not set (run through tests/live/run_live.py)";
    }
    m_expect = nlohmann::json::parse(env_or_empty("GPUBOX_TEST_EXPECT"));
    m_settings.region = "us-east-1";
    m_client = std::make_unique<AwsClient>(ClientDeps{m_http, m_clock, m_creds, m_settings});
  }

  Settings m_settings;
  nlohmann::json m_expect;
  CurlHttpClient m_http;
  SystemClock m_clock;
  StaticCredentialProvider m_creds{Credentials{"testing", "testing", "", {}, "test"}};
  std::unique_ptr<AwsClient> m_client;
};

TEST_F(LiveAws, SsmGetParametersByPathReturnsEveryParameterBoto3Sees) {
  GetParametersByPathInput in;
  in.path = m_expect.at("ssm_path").get<std::string>();
  in.recursive = true;
  in.max_results = 3;  // force several pages
  auto page = get_parameters_by_path(*m_client, "us-east-1", in);
  ASSERT_TRUE(page) << page.error().message;
  std::set<std::string> names;
  for (const auto& p : page->parameters) {
    names.insert(p.name);
    EXPECT_TRUE(p.value.starts_with("ami-")) << p.name << " = " << p.value;
  }
  EXPECT_EQ(names, m_expect.at("ssm_names").get<std::set<std::string>>());
  EXPECT_TRUE(page->next_token.empty());
}

TEST_F(LiveAws, SsmGetParameterReadsOneValue) {
  const auto& first = m_expect.at("ssm_first");
  auto p = get_parameter(*m_client, "us-east-1", {first.at("name").get<std::string>(), {}});
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->value, first.at("value").get<std::string>());
}

TEST_F(LiveAws, ServiceQuotasListIncludesTheGpuQuotaWithBoto3sValue) {
  ListServiceQuotasInput in;
  in.service_code = "ec2";
  auto page = list_service_quotas(*m_client, "us-east-1", in);
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->quotas.size(), m_expect.at("quota_count").get<size_t>());
  auto it = std::find_if(page->quotas.begin(), page->quotas.end(),
                         [](const ServiceQuota& q) { return q.quota_code == "L-DB2E81BA"; });
  ASSERT_NE(it, page->quotas.end());
  EXPECT_DOUBLE_EQ(it->value, m_expect.at("gpu_quota").get<double>());
  auto one = get_service_quota(*m_client, "us-west-2", {"ec2", "L-DB2E81BA"});
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_DOUBLE_EQ(one->value, m_expect.at("gpu_quota_west").get<double>());
}

TEST_F(LiveAws, PricingGetProductsMatchesTheFilters) {
  GetProductsInput in;
  in.filters = {{"TERM_MATCH", "instanceType", "g5.xlarge"},
                {"TERM_MATCH", "regionCode", "us-east-1"},
                {"TERM_MATCH", "operatingSystem", "Linux"}};
  in.max_results = 1;  // force several pages
  auto page = get_products(*m_client, "us-east-1", in);
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->products.size(), m_expect.at("pricing_count").get<size_t>());
  ASSERT_FALSE(page->products.empty());
  for (const auto& p : page->products) {
    EXPECT_EQ(p.at("product").at("attributes").at("instanceType"), "g5.xlarge");
  }
}

}  // namespace
}  // namespace gpubox::aws
