#include "aws/pricing.hpp"

#include <gtest/gtest.h>

#include "aws/aws_fixtures.hpp"

namespace gpubox::aws {
namespace {

using testing::aws_json_fixture;

TEST(Pricing, GetProductsBodyMatchesBotocore) {
  GetProductsInput in;
  in.filters = {{"TERM_MATCH", "instanceType", "g5.xlarge"},
                {"TERM_MATCH", "regionCode", "us-east-1"}};
  in.max_results = 10;
  EXPECT_EQ(build_get_products(in),
            nlohmann::json::parse(
                R"({"ServiceCode": "AmazonEC2", "Filters": [{"Type": "TERM_MATCH", "Field":
                "instanceType", "Value": "g5.xlarge"}, {"Type": "TERM_MATCH", "Field":
                "regionCode", "Value": "us-east-1"}], "MaxResults": 10})"));
}

TEST(Pricing, PriceListStringsAreParsedAgain) {
  auto page = parse_get_products(aws_json_fixture("pricing/get_products.json"));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->products.size(), 2u);
  EXPECT_EQ(page->format_version, "aws_v1");
  EXPECT_FALSE(page->next_token.empty());
  const nlohmann::json& p = page->products[0];
  EXPECT_EQ(p["product"]["attributes"]["instanceType"], "g5.xlarge");
  const auto& on_demand = p["terms"]["OnDemand"];
  ASSERT_EQ(on_demand.size(), 1u);
  const auto& dims = on_demand.begin().value()["priceDimensions"];
  EXPECT_EQ(dims.begin().value()["pricePerUnit"]["USD"], "1.0060000000");
}

TEST(Pricing, APriceListEntryThatIsNotJsonIsAnError) {
  auto page = parse_get_products(nlohmann::json{{"PriceList", {"{not json"}}});
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().kind, ErrorKind::remote);
}

}  // namespace
}  // namespace gpubox::aws
