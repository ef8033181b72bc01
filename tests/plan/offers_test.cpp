#include "plan/offers.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace gpubox::plan {
namespace {

const std::string k_fixture =
    std::string(GPUBOX_SOURCE_DIR) + "/tests/fixtures/catalog/instances.csv";

catalog::Catalog fixture() {
  auto c = catalog::load_file(k_fixture);
  EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().message);
  return c ? *c : catalog::Catalog{};
}

// "type/region" for each offer, in order.
std::vector<std::string> keys(const std::vector<Offer>& offers) {
  std::vector<std::string> out;
  for (const Offer& o : offers) {
    out.push_back(o.instance_type + "/" + o.region);
  }
  return out;
}

OfferQuery gpu_query(const char* spec) {
  OfferQuery q;
  q.gpu = catalog::parse_gpu_spec(spec).value();
  return q;
}

TEST(FindOffers, OnDemandCheapestFirstTiesGoToFewerVcpus) {
  auto offers = find_offers(fixture(), gpu_query("t4"));
  EXPECT_EQ(keys(offers),
            (std::vector<std::string>{"g4dn.xlarge/us-east-1", "g4dn.xlarge/eu-west-1",
                                      "g4dn.2xlarge/eu-west-1", "g4dn.2xlarge/us-east-1",
                                      "g4dn.metal/us-east-1"}));
  ASSERT_FALSE(offers.empty());
  EXPECT_EQ(offers[0].gpu, "T4");
  EXPECT_EQ(offers[0].vcpus, 4);
  EXPECT_EQ(offers[0].on_demand_usd, 0.526);
  EXPECT_EQ(offers[0].spot_zone_id, "use1-az2");
}

TEST(FindOffers, SpotRanksBySpotPriceAndDropsRegionsWithoutSpot) {
  OfferQuery q = gpu_query("T4");
  q.spot = true;
  auto offers = find_offers(fixture(), q);
  EXPECT_EQ(keys(offers),
            (std::vector<std::string>{"g4dn.2xlarge/us-east-1", "g4dn.xlarge/us-east-1",
                                      "g4dn.xlarge/eu-west-1", "g4dn.metal/us-east-1"}));
  ASSERT_EQ(offers.size(), 4u);
  EXPECT_EQ(offers[0].spot_usd, 0.19);
}

TEST(FindOffers, WithoutGpuListsEveryGpuTypeAndUnpricedLast) {
  auto offers = find_offers(fixture(), OfferQuery{});
  EXPECT_EQ(keys(offers),
            (std::vector<std::string>{
                "g5g.xlarge/us-east-1", "g6f.2xlarge/us-east-1", "g4dn.xlarge/us-east-1",
                "g4dn.xlarge/eu-west-1", "g4dn.2xlarge/eu-west-1", "g4dn.2xlarge/us-east-1",
                "g5.xlarge/us-east-1", "g5.xlarge/us-west-2", "g5.2xlarge/us-east-1",
                "p3.2xlarge/us-east-1", "g4dn.metal/us-east-1", "p5e.48xlarge/us-east-1"}));
  ASSERT_EQ(offers.size(), 12u);
  EXPECT_FALSE(offers[9].launchable);  // p3 is listed but `up` refuses it
  EXPECT_TRUE(offers[0].launchable);
}

TEST(FindOffers, MaxPriceAndLimitCutTheList) {
  OfferQuery q;
  q.max_price_usd = 0.6;
  EXPECT_EQ(keys(find_offers(fixture(), q)),
            (std::vector<std::string>{"g5g.xlarge/us-east-1", "g6f.2xlarge/us-east-1",
                                      "g4dn.xlarge/us-east-1", "g4dn.xlarge/eu-west-1",
                                      "g4dn.2xlarge/eu-west-1"}));
  q.limit = 2;
  EXPECT_EQ(keys(find_offers(fixture(), q)),
            (std::vector<std::string>{"g5g.xlarge/us-east-1", "g6f.2xlarge/us-east-1"}));
  OfferQuery spot;
  spot.spot = true;
  spot.max_price_usd = 0.2;
  EXPECT_EQ(keys(find_offers(fixture(), spot)),
            (std::vector<std::string>{"g5g.xlarge/us-east-1", "g4dn.2xlarge/us-east-1",
                                      "g4dn.xlarge/us-east-1",
                                      "g6f.2xlarge/us-east-1"}));  // 0.20 each: 4 vCPUs before 8
}

TEST(FindOffers, FiltersByCountMemoryCpuAndRegion) {
  EXPECT_EQ(keys(find_offers(fixture(), gpu_query("T4:8"))),
            (std::vector<std::string>{"g4dn.metal/us-east-1"}));
  EXPECT_TRUE(find_offers(fixture(), gpu_query("L4")).empty());  // g6f has a quarter of an L4
  EXPECT_EQ(keys(find_offers(fixture(), gpu_query("L4:0.25"))),
            (std::vector<std::string>{"g6f.2xlarge/us-east-1"}));
  OfferQuery mem;
  mem.min_gpu_memory_gib = 20;
  EXPECT_EQ(keys(find_offers(fixture(), mem)),
            (std::vector<std::string>{"g5.xlarge/us-east-1", "g5.xlarge/us-west-2",
                                      "g5.2xlarge/us-east-1", "p5e.48xlarge/us-east-1"}));
  OfferQuery big;
  big.min_vcpus = 96;
  big.min_memory_gib = 384;
  EXPECT_EQ(keys(find_offers(fixture(), big)),
            (std::vector<std::string>{"g4dn.metal/us-east-1", "p5e.48xlarge/us-east-1"}));
  OfferQuery eu = gpu_query("T4");
  eu.regions = {"eu-west-1"};
  EXPECT_EQ(keys(find_offers(fixture(), eu)),
            (std::vector<std::string>{"g4dn.xlarge/eu-west-1", "g4dn.2xlarge/eu-west-1"}));
}

TEST(FindOffers, NeuronDevicesOnlyWhenAskedFor) {
  OfferQuery all;
  all.include_neuron = true;
  auto with = keys(find_offers(fixture(), all));
  EXPECT_NE(std::find(with.begin(), with.end(), "inf2.xlarge/us-east-1"), with.end());
  EXPECT_EQ(keys(find_offers(fixture(), gpu_query("inf2"))),
            (std::vector<std::string>{"inf2.xlarge/us-east-1"}));
}

TEST(ResolveGpu, UnknownNameGetsASuggestion) {
  auto r = resolve_gpu(fixture(), "T5");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(r.error().hint, "did you mean T4?");
}

TEST(ResolveGpu, KnownGpuMissingFromTheCatalogExplainsWhy) {
  auto k80 = resolve_gpu(fixture(), "k80");
  ASSERT_FALSE(k80.has_value());
  EXPECT_EQ(k80.error().kind, ErrorKind::not_found);
  EXPECT_EQ(k80.error().hint, "try g4dn.xlarge (T4)");
  auto b200 = resolve_gpu(fixture(), "b200");
  ASSERT_FALSE(b200.has_value());
  EXPECT_NE(b200.error().message.find("B200"), std::string::npos);
  auto ok = resolve_gpu(fixture(), "a10g:1");
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->name, "A10G");
}

TEST(CheapestTypeFor, PicksCheapestOfferedTypeInTheRegion) {
  std::vector<std::string> all = {"g4dn.metal", "g4dn.2xlarge", "g4dn.xlarge", "g5.xlarge"};
  auto t4 = cheapest_type_for(fixture(), "t4", 1, "us-east-1", all);
  ASSERT_TRUE(t4.has_value());
  EXPECT_EQ(t4->instance_type, "g4dn.xlarge");
  EXPECT_EQ(t4->on_demand_usd, 0.526);
  std::vector<std::string> no_xlarge = {"g4dn.metal", "g4dn.2xlarge"};
  EXPECT_EQ(cheapest_type_for(fixture(), "T4", 1, "us-east-1", no_xlarge)->instance_type,
            "g4dn.2xlarge");
  EXPECT_EQ(cheapest_type_for(fixture(), "T4", 2, "us-east-1", all)->instance_type, "g4dn.metal");
  EXPECT_FALSE(
      cheapest_type_for(fixture(), "T4", 1, "us-east-1", std::vector<std::string>{}).has_value());
}

TEST(CheapestTypeFor, EqualPricesGoToFewerVcpus) {
  std::vector<std::string> offered = {"g4dn.2xlarge", "g4dn.xlarge"};  // both 0.587 in eu-west-1
  EXPECT_EQ(cheapest_type_for(fixture(), "T4", 1, "eu-west-1", offered)->instance_type,
            "g4dn.xlarge");
}

TEST(CheapestTypeFor, RegionMissingFromCatalogRanksByPricesElsewhere) {
  std::vector<std::string> offered = {"g4dn.metal", "g4dn.2xlarge"};
  auto pick = cheapest_type_for(fixture(), "T4", 1, "sa-east-1", offered);
  ASSERT_TRUE(pick.has_value());
  EXPECT_EQ(pick->instance_type, "g4dn.2xlarge");
  EXPECT_EQ(pick->region, "sa-east-1");
  EXPECT_FALSE(pick->on_demand_usd.has_value());
}

TEST(CheapestTypeFor, NeverPicksRefusedFamilies) {
  std::vector<std::string> offered = {"p3.2xlarge"};
  EXPECT_FALSE(cheapest_type_for(fixture(), "V100", 1, "us-east-1", offered).has_value());
}

}  // namespace
}  // namespace gpubox::plan
