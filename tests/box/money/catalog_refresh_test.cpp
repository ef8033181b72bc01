#include "box/money/catalog_refresh.hpp"

#include <gtest/gtest.h>

#include "aws/aws_fixtures.hpp"
#include "box/up_fixtures.hpp"

namespace gpubox::box {
namespace {

using testing::aws_fixture;
using testing::aws_json_fixture;
using testing::HttpMatch;

aws::HttpResponse json_reply(const nlohmann::json& body) {
  aws::HttpResponse r;
  r.status = 200;
  r.body = body.dump();
  r.headers = {{"Content-Type", "application/x-amz-json-1.1"}};
  return r;
}

// The first Price List page is AWS's own published GetProducts reply (a storage record and AWS's
// NextToken; tests/fixtures/aws/README.md); the refresh must skip the storage price, send the
// token back as it came, and take the instance price from the next page.
TEST(CatalogRefresh, ARealPriceListPageIsReadAndItsNextTokenFollowed) {
  up_testing::AwsHarness h;
  const nlohmann::json real = aws_json_fixture("pricing/get_products_aws_cli_example.json");
  const std::string token = real["NextToken"];
  nlohmann::json second = aws_json_fixture("pricing/get_products.json");
  second.erase("NextToken");
  h.http.respond("DescribeInstanceTypes", 200, aws_fixture("ec2/describe_instance_types.xml"));
  h.http.respond("DescribeAvailabilityZones", 200,
                 aws_fixture("ec2/describe_availability_zones.xml"));
  h.http.respond("DescribeInstanceTypeOfferings", 200,
                 aws_fixture("ec2/describe_instance_type_offerings.xml"));
  h.http.respond("DescribeSpotPriceHistory", 200,
                 aws_fixture("ec2/describe_spot_price_history.xml"));
  // Loose mode takes the first stub that matches: the page that needs the token is listed first.
  h.http.add(HttpMatch{"", "", "GetProducts", {{"NextToken", token}}}, json_reply(second));
  h.http.add(HttpMatch{"", "", "GetProducts", {}}, json_reply(real));
  auto got = fetch_catalog(*h.client, {"us-east-1"}, TimePoint{});
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(h.http.verify());
  EXPECT_TRUE(got->failures.empty());
  ASSERT_EQ(got->data.on_demand_usd.size(), 2u);
  EXPECT_DOUBLE_EQ(got->data.on_demand_usd.at({"g5.xlarge", "us-east-1"}), 1.006);
  for (const auto& [key, usd] : got->data.on_demand_usd) {
    EXPECT_NE(usd, 0.138) << key.first << " got the EBS storage price";
  }
}

}  // namespace
}  // namespace gpubox::box
