#include "aws/pricing.hpp"

#include <gtest/gtest.h>

#include "aws/aws_fixtures.hpp"
#include "catalog/refresh.hpp"

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

// AWS's own published GetProducts reply (tests/fixtures/aws/README.md has its provenance).
TEST(Pricing, ARealPriceListReplyFromAwsParses) {
  auto page = parse_get_products(aws_json_fixture("pricing/get_products_aws_cli_example.json"));
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->format_version, "aws_v1");
  EXPECT_TRUE(page->next_token.starts_with("WGDY7ko8fQXdlaUZVdasFQ==:")) << page->next_token;
  ASSERT_EQ(page->products.size(), 1u);
  const nlohmann::json& p = page->products[0];
  EXPECT_EQ(p["product"]["sku"], "3MKHN58N7RDDVGKJ");
  EXPECT_EQ(p["product"]["productFamily"], "Storage");
  const auto& dims = p["terms"]["OnDemand"]["3MKHN58N7RDDVGKJ.JRTCKXETXF"]["priceDimensions"];
  EXPECT_EQ(dims["3MKHN58N7RDDVGKJ.JRTCKXETXF.6YS6EN2CT7"]["pricePerUnit"]["USD"], "0.1380000000");
  // A storage price is no instance price: the refresh must not take it for one.
  EXPECT_FALSE(catalog::on_demand_price(p).has_value());
}

TEST(Pricing, APriceListEntryThatIsNotJsonIsAnError) {
  auto page = parse_get_products(nlohmann::json{{"PriceList", {"{not json"}}});
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().kind, ErrorKind::remote);
}

}  // namespace
}  // namespace gpubox::aws
