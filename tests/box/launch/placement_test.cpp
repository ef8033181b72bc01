#include "box/launch/placement.hpp"

#include <gtest/gtest.h>

#include "box/up_fixtures.hpp"

namespace gpubox::box {
namespace {

using up_testing::AwsHarness;
using up_testing::offerings_xml;

catalog::Catalog fixture() {
  auto c =
      catalog::load_file(std::string(GPUBOX_SOURCE_DIR) + "/tests/fixtures/catalog/instances.csv");
  EXPECT_TRUE(c.has_value());
  return c ? *c : catalog::Catalog{};
}

PlacementRequest gpu_request(const char* gpu) {
  PlacementRequest r;
  r.gpu = catalog::parse_gpu_spec(gpu).value();
  r.regions = {"us-east-1"};
  return r;
}

TEST(Placement, CheapestOfferedTypeWithTheGpuIsChosen) {
  AwsHarness h;
  // g4dn.xlarge is cheapest in the catalog but not offered here: the 2xlarge is next.
  h.http.respond(
      "DescribeInstanceTypeOfferings", 200,
      offerings_xml({{"g4dn.2xlarge", "us-east-1"}, {"g4dn.metal", "us-east-1"}}, "region"));
  h.http.respond("DescribeInstanceTypeOfferings", 200,
                 offerings_xml({{"g4dn.2xlarge", "us-east-1c"}, {"g4dn.2xlarge", "us-east-1a"}},
                               "availability-zone"));
  auto c = candidate_in(fixture(), *h.client, "us-east-1", gpu_request("T4"));
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_TRUE(*c);
  EXPECT_EQ((*c)->type.instance_type, "g4dn.2xlarge");
  EXPECT_EQ((*c)->type.vcpus, 8);
  EXPECT_EQ((*c)->type.on_demand_usd, 0.752);
  EXPECT_EQ((*c)->zones, (std::vector<std::string>{"us-east-1a", "us-east-1c"}));
  auto bodies = h.bodies("DescribeInstanceTypeOfferings");
  EXPECT_NE(bodies.at(0).find("LocationType=region"), std::string::npos);
  EXPECT_NE(bodies.at(1).find("LocationType=availability-zone"), std::string::npos);
}

TEST(Placement, EqualPricesGoToFewerVcpus) {
  // In eu-west-1 g4dn.xlarge (4 vCPUs) and g4dn.2xlarge (8 vCPUs) both cost 0.587.
  AwsHarness h;
  h.http.respond(
      "DescribeInstanceTypeOfferings", 200,
      offerings_xml({{"g4dn.2xlarge", "eu-west-1"}, {"g4dn.xlarge", "eu-west-1"}}, "region"));
  h.http.respond("DescribeInstanceTypeOfferings", 200,
                 offerings_xml({{"g4dn.xlarge", "eu-west-1b"}}, "availability-zone"));
  auto req = gpu_request("T4");
  req.regions = {"eu-west-1"};
  auto c = candidate_in(fixture(), *h.client, "eu-west-1", req);
  ASSERT_TRUE(c && *c);
  EXPECT_EQ((*c)->type.instance_type, "g4dn.xlarge");
}

TEST(Placement, RefusedFamiliesNameAReplacement) {
  auto r = check_supported_type("p3.2xlarge");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::invalid_input);
  EXPECT_FALSE(r.error().hint.empty());
  EXPECT_TRUE(check_supported_type("g5.xlarge"));
  AwsHarness h;
  auto t = describe_type(fixture(), *h.client, "us-east-1", "p2.xlarge");
  EXPECT_FALSE(t);
  EXPECT_TRUE(h.http.requests().empty());
}

TEST(Placement, AZoneThatDoesNotOfferTheTypeIsAClearError) {
  AwsHarness h;
  h.http.respond("DescribeInstanceTypeOfferings", 200,
                 offerings_xml({{"g5.xlarge", "us-east-1a"}}, "availability-zone"));
  PlacementRequest req;
  req.instance_type = "g5.xlarge";
  req.zone = "us-east-1f";
  auto c = candidate_in(fixture(), *h.client, "us-east-1", req);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("us-east-1f"), std::string::npos);
  EXPECT_NE(c.error().hint.find("us-east-1a"), std::string::npos);
}

TEST(Placement, SearchRegionsAreOrderedByPrice) {
  auto regions =
      search_regions(fixture(), catalog::parse_gpu_spec("T4").value(), std::nullopt, false, 5);
  EXPECT_EQ(regions, (std::vector<std::string>{"us-east-1", "eu-west-1"}));
  auto a10g =
      search_regions(fixture(), catalog::parse_gpu_spec("A10G").value(), std::nullopt, true, 5);
  EXPECT_EQ(a10g, (std::vector<std::string>{"us-west-2", "us-east-1"}));
}

TEST(Placement, PreferredZoneGoesFirst) {
  EXPECT_EQ(order_zones({"us-east-1c", "us-east-1a", "us-east-1b"}, "us-east-1b"),
            (std::vector<std::string>{"us-east-1b", "us-east-1a", "us-east-1c"}));
  TypeInfo t;
  t.gpu = "T4";
  t.gpu_count = 1;
  t.gpu_memory_gib = 16;
  EXPECT_EQ(gpu_summary(t), "1x T4 16 GiB");
}

}  // namespace
}  // namespace gpubox::box
