#include "catalog/refresh.hpp"

#include <gtest/gtest.h>

#include "aws/aws_fixtures.hpp"
#include "catalog/catalog.hpp"

namespace gpubox::catalog {
namespace {

nlohmann::json product(const std::string& type, const std::string& region, const std::string& usd,
                       const std::string& unit = "Hrs") {
  return {{"product", {{"attributes", {{"instanceType", type}, {"regionCode", region}}}}},
          {"terms",
           {{"OnDemand",
             {{"SKU.TERM",
               {{"priceDimensions",
                 {{"SKU.TERM.RATE", {{"unit", unit}, {"pricePerUnit", {{"USD", usd}}}}}}}}}}}}}};
}

TEST(CatalogRefresh, ReadsTheHourlyOnDemandPriceOfAPriceListItem) {
  auto p = on_demand_price(product("g5.xlarge", "us-east-1", "1.0060000000"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->instance_type, "g5.xlarge");
  EXPECT_EQ(p->region, "us-east-1");
  EXPECT_DOUBLE_EQ(p->usd_per_hour, 1.006);
  EXPECT_FALSE(on_demand_price(product("g5.xlarge", "us-east-1", "0.0000000000")));
  EXPECT_FALSE(on_demand_price(product("g5.xlarge", "us-east-1", "1.0", "Quantity")));
  EXPECT_FALSE(on_demand_price(nlohmann::json{{"product", 1}}));
}

TEST(CatalogRefresh, ReadsTheRecordedGetProductsFixture) {
  const nlohmann::json reply = testing::aws_json_fixture("pricing/get_products.json");
  int priced = 0;
  for (const auto& entry : reply["PriceList"]) {
    auto item = nlohmann::json::parse(entry.get<std::string>());
    if (auto p = on_demand_price(item)) {
      EXPECT_GT(p->usd_per_hour, 0);
      EXPECT_FALSE(p->instance_type.empty());
      ++priced;
    }
  }
  EXPECT_GT(priced, 0);
}

TEST(CatalogRefresh, MemoryVariantsGetTheirCatalogNames) {
  EXPECT_EQ(canonical_gpu_name("A100", 80), "A100-80GB");
  EXPECT_EQ(canonical_gpu_name("A100", 40), "A100");
  EXPECT_EQ(canonical_gpu_name("t4", 16), "T4");
  EXPECT_EQ(canonical_gpu_name("Radeon Pro V520", 8), "Radeon Pro V520");
}

TEST(CatalogRefresh, RenderedCsvParsesBackWithPricesAndDate) {
  RefreshData d;
  d.types.push_back({"g5.xlarge", "A10G", 1, 24, 4, 16, "x86_64"});
  d.types.push_back({"g5g.xlarge", "T4g", 1, 16, 4, 8, "arm64"});
  d.on_demand_usd[{"g5.xlarge", "us-east-1"}] = 1.006;
  d.zones.push_back({"g5.xlarge", "us-east-1", "use1-az2", 0.45});
  d.zones.push_back({"g5.xlarge", "us-east-1", "use1-az1", 0.41});
  d.zones.push_back({"g5.xlarge", "us-east-1", "use1-az1", 0.41});  // duplicates collapse
  d.zones.push_back({"g5g.xlarge", "us-west-2", "usw2-az1", std::nullopt});
  d.zones.push_back({"p9.xlarge", "us-west-2", "usw2-az1", 1.0});  // no spec: left out
  const std::string csv = render_catalog_csv(d, "2026-01-02T03:04:05Z", "test source");
  auto cat = parse_catalog(csv, "", "refreshed.csv");
  ASSERT_TRUE(cat) << cat.error().message << "\n" << csv;
  EXPECT_EQ(cat->snapshot.generated_at, "2026-01-02T03:04:05Z");
  EXPECT_EQ(cat->snapshot.source, "test source");
  ASSERT_EQ(cat->types.size(), 2u);
  const RegionPrice* p = cat->find_price("g5.xlarge", "us-east-1");
  ASSERT_NE(p, nullptr);
  EXPECT_DOUBLE_EQ(p->on_demand_usd.value(), 1.006);
  EXPECT_DOUBLE_EQ(p->spot_usd.value(), 0.41);
  EXPECT_EQ(p->spot_zone_id, "use1-az1");
  EXPECT_EQ(p->zone_ids.size(), 2u);
  const RegionPrice* g = cat->find_price("g5g.xlarge", "us-west-2");
  ASSERT_NE(g, nullptr);
  EXPECT_FALSE(g->on_demand_usd);
  EXPECT_EQ(cat->find_type("g5g.xlarge")->arch, "arm64");
  EXPECT_EQ(cat->find_type("p9.xlarge"), nullptr);
}

TEST(CatalogRefresh, RefreshingSomeRegionsKeepsTheOthers) {
  const std::string header = "instance_type,accelerator,region,zone\n";
  const std::string before = "# generated_at: 2026-01-01T00:00:00Z\n" + header +
                             "g4dn.xlarge,T4,eu-west-1,euw1-az1\n"
                             "g4dn.xlarge,T4,us-east-1,use1-az1\n"
                             "g5.xlarge,A10G,us-east-1,use1-az2\n";
  const std::string fresh =
      "# generated_at: 2026-12-01T00:00:00Z\n" + header + "g4dn.xlarge,T4,us-east-1,use1-az4\n";
  auto merged = merge_catalog_csv(fresh, before, {"us-east-1"});
  ASSERT_TRUE(merged);
  EXPECT_EQ(*merged, "# generated_at: 2026-12-01T00:00:00Z\n" + header +
                         "g4dn.xlarge,T4,eu-west-1,euw1-az1\n"
                         "g4dn.xlarge,T4,us-east-1,use1-az4\n");
  EXPECT_FALSE(merge_catalog_csv(fresh, "a,b\nx,y\n", {"us-east-1"}));
}

}  // namespace
}  // namespace gpubox::catalog
