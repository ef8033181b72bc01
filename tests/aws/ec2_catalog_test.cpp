#include "aws/ec2_catalog.hpp"

#include <gtest/gtest.h>

#include "aws/aws_fixtures.hpp"
#include "aws/xml.hpp"
#include "core/iso8601.hpp"

namespace gpubox::aws {
namespace {

using testing::aws_fixture;

TEST(Ec2Catalog, RegionAndZoneBuildersUseSingularListNames) {
  EXPECT_EQ(
      build_describe_regions({{"us-east-1", "eu-west-1"}, {}, true}),
      (QueryParams{
          {"RegionName.1", "us-east-1"}, {"RegionName.2", "eu-west-1"}, {"AllRegions", "true"}}));
  EXPECT_EQ(build_describe_availability_zones({{}, {{"zone-name", {"us-east-1a"}}}, std::nullopt}),
            (QueryParams{{"Filter.1.Name", "zone-name"}, {"Filter.1.Value.1", "us-east-1a"}}));
}

TEST(Ec2Catalog, ParsesRegionsAndZones) {
  auto regions = parse_describe_regions(aws_fixture("ec2/describe_regions.xml"));
  ASSERT_TRUE(regions);
  ASSERT_EQ(regions->size(), 2u);
  EXPECT_EQ((*regions)[1].name, "eu-west-1");
  EXPECT_EQ((*regions)[1].opt_in_status, "opt-in-not-required");
  auto zones =
      parse_describe_availability_zones(aws_fixture("ec2/describe_availability_zones.xml"));
  ASSERT_TRUE(zones);
  ASSERT_EQ(zones->size(), 6u);
  EXPECT_EQ((*zones)[0].name, "us-east-1a");
  EXPECT_EQ((*zones)[0].zone_id, "use1-az6");
  EXPECT_EQ((*zones)[0].state, "available");
}

TEST(Ec2Catalog, InstanceTypesCarryGpuInfo) {
  auto page = parse_describe_instance_types(aws_fixture("ec2/describe_instance_types.xml"));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->types.size(), 3u);
  const InstanceTypeInfo* g5 = nullptr;
  const InstanceTypeInfo* t3 = nullptr;
  for (const auto& t : page->types) {
    g5 = t.type == "g5.xlarge" ? &t : g5;
    t3 = t.type == "t3.micro" ? &t : t3;
  }
  ASSERT_TRUE(g5 && t3);
  EXPECT_EQ(g5->vcpus, 4);
  EXPECT_EQ(g5->memory_mib, 16384);
  ASSERT_EQ(g5->gpus.size(), 1u);
  EXPECT_EQ(g5->gpus[0].name, "A10G");
  EXPECT_EQ(g5->gpus[0].manufacturer, "NVIDIA");
  EXPECT_EQ(g5->gpus[0].count, 1);
  EXPECT_GT(g5->gpus[0].memory_mib, 20000);
  EXPECT_EQ(g5->architectures, std::vector<std::string>{"x86_64"});
  EXPECT_EQ(g5->usage_classes, (std::vector<std::string>{"on-demand", "spot"}));
  EXPECT_TRUE(t3->gpus.empty());
  EXPECT_EQ(t3->total_gpu_memory_mib, 0);
}

TEST(Ec2Catalog, OfferingsBuilderAndParser) {
  DescribeInstanceTypeOfferingsInput in;
  in.location_type = "availability-zone";
  in.filters = {{"instance-type", {"p5.48xlarge"}}};
  EXPECT_EQ(build_describe_instance_type_offerings(in),
            (QueryParams{{"LocationType", "availability-zone"},
                         {"Filter.1.Name", "instance-type"},
                         {"Filter.1.Value.1", "p5.48xlarge"}}));
  auto page = parse_describe_instance_type_offerings(
      aws_fixture("ec2/describe_instance_type_offerings.xml"));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->offerings.size(), 6u);
  EXPECT_EQ(page->offerings[5].location, "us-east-1f");
  EXPECT_EQ(page->offerings[5].location_type, "availability-zone");
  auto empty = parse_describe_instance_type_offerings(
      aws_fixture("ec2/describe_instance_type_offerings_empty.xml"));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->offerings.empty());
}

TEST(Ec2Catalog, ImagesBuilderAndParser) {
  DescribeImagesInput in;
  in.owners = {"amazon"};
  in.filters = {{"name", {"Deep Learning*"}}, {"state", {"available"}}};
  in.include_deprecated = false;
  EXPECT_EQ(build_describe_images(in), (QueryParams{{"Owner.1", "amazon"},
                                                    {"Filter.1.Name", "name"},
                                                    {"Filter.1.Value.1", "Deep Learning*"},
                                                    {"Filter.2.Name", "state"},
                                                    {"Filter.2.Value.1", "available"},
                                                    {"IncludeDeprecated", "false"}}));
  auto page = parse_describe_images(aws_fixture("ec2/describe_images.xml"));
  ASSERT_TRUE(page);
  ASSERT_FALSE(page->images.empty());
  for (const Image& image : page->images) {
    EXPECT_TRUE(image.id.starts_with("ami-"));
    EXPECT_TRUE(image.name.starts_with("Deep Learning")) << image.name;
    EXPECT_EQ(image.state, "available");
    EXPECT_TRUE(image.creation_date.has_value());
    EXPECT_EQ(image.root_volume_gib, 15) << image.name;  // the root device's snapshot
  }
  EXPECT_EQ(page->images.front().root_device_name, "/dev/xvda");  // Amazon Linux
}

TEST(Ec2Catalog, SpotPriceBuilderFormatsTimesAndParserReadsPrices) {
  DescribeSpotPriceHistoryInput in;
  in.instance_types = {"g5.xlarge", "g6.xlarge"};
  in.product_descriptions = {"Linux/UNIX"};
  in.start_time = parse_iso8601("2015-08-30T12:00:00Z");
  in.max_results = 100;
  EXPECT_EQ(build_describe_spot_price_history(in),
            (QueryParams{{"InstanceType.1", "g5.xlarge"},
                         {"InstanceType.2", "g6.xlarge"},
                         {"ProductDescription.1", "Linux/UNIX"},
                         {"StartTime", "2015-08-30T12:00:00Z"},
                         {"MaxResults", "100"}}));
  auto page = parse_describe_spot_price_history(aws_fixture("ec2/describe_spot_price_history.xml"));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->prices.size(), 5u);
  EXPECT_EQ(page->prices[1].zone, "us-east-1b");
  EXPECT_DOUBLE_EQ(page->prices[1].price_per_hour_usd, 0.00001);
  EXPECT_EQ(format_iso8601(*page->prices[1].timestamp), "2006-01-02T15:04:05Z");
}

TEST(Ec2Catalog, MalformedSpotPriceIsAnError) {
  auto page = parse_describe_spot_price_history(
      "<DescribeSpotPriceHistoryResponse><spotPriceHistorySet><item><spotPrice>n/a</spotPrice>"
      "</item></spotPriceHistorySet></DescribeSpotPriceHistoryResponse>");
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().kind, ErrorKind::remote);
}

}  // namespace
}  // namespace gpubox::aws
