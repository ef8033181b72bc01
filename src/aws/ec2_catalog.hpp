#pragma once
// EC2 read-only catalog calls: regions, availability zones, instance types and offerings, images
// and spot price history.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"
#include "aws/ec2.hpp"
#include "core/clock.hpp"

namespace gpubox::aws {

struct DescribeRegionsInput {
  std::vector<std::string> region_names;
  std::vector<Filter> filters;
  std::optional<bool> all_regions;
};

struct Region {
  std::string name;
  std::string endpoint;
  std::string opt_in_status;  // "opt-in-not-required", "opted-in", "not-opted-in"
};

struct DescribeAvailabilityZonesInput {
  std::vector<std::string> zone_names;
  std::vector<Filter> filters;
  std::optional<bool> all_availability_zones;
};

struct AvailabilityZone {
  std::string name;     // "us-east-1a"
  std::string zone_id;  // "use1-az6"
  std::string region;
  std::string state;
  std::string zone_type;
};

struct DescribeInstanceTypesInput {
  std::vector<std::string> instance_types;
  std::vector<Filter> filters;
  std::optional<long long> max_results;
  std::string next_token;
};

struct GpuDevice {
  std::string name;  // "A10G"
  std::string manufacturer;
  int count = 0;
  long long memory_mib = 0;  // per GPU
};

struct InstanceTypeInfo {
  std::string type;
  int vcpus = 0;
  long long memory_mib = 0;
  bool current_generation = false;
  std::vector<std::string> architectures;
  std::vector<std::string> usage_classes;  // "on-demand", "spot"
  std::vector<GpuDevice> gpus;
  long long total_gpu_memory_mib = 0;
};

struct InstanceTypesPage {
  std::vector<InstanceTypeInfo> types;
  std::string next_token;
};

struct DescribeInstanceTypeOfferingsInput {
  std::string location_type;  // "region" (default), "availability-zone", "availability-zone-id"
  std::vector<Filter> filters;
  std::optional<long long> max_results;
  std::string next_token;
};

struct InstanceTypeOffering {
  std::string type;
  std::string location_type;
  std::string location;
};

struct InstanceTypeOfferingsPage {
  std::vector<InstanceTypeOffering> offerings;
  std::string next_token;
};

struct DescribeImagesInput {
  std::vector<std::string> owners;
  std::vector<std::string> image_ids;
  std::vector<std::string> executable_users;
  std::vector<Filter> filters;
  std::optional<bool> include_deprecated;
  std::optional<long long> max_results;
  std::string next_token;
};

struct Image {
  std::string id;
  std::string name;
  std::string description;
  std::string state;
  std::string owner_id;
  std::string owner_alias;
  std::string architecture;
  std::string root_device_name;
  std::optional<int> root_volume_gib;  // the size of the root device's snapshot
  std::string platform_details;        // e.g. "Linux/UNIX"
  std::string imds_support;
  std::optional<TimePoint> creation_date;
  std::optional<TimePoint> deprecation_time;
};

struct ImagesPage {
  std::vector<Image> images;
  std::string next_token;
};

struct DescribeSpotPriceHistoryInput {
  std::vector<std::string> instance_types;
  std::vector<std::string> product_descriptions;  // "Linux/UNIX"
  std::vector<Filter> filters;
  std::string availability_zone;
  std::optional<TimePoint> start_time;
  std::optional<TimePoint> end_time;
  std::optional<long long> max_results;
  std::string next_token;
};

struct SpotPrice {
  std::string zone;
  std::string instance_type;
  std::string product_description;
  double price_per_hour_usd = 0;
  std::optional<TimePoint> timestamp;
};

struct SpotPricePage {
  std::vector<SpotPrice> prices;
  std::string next_token;
};

// Return the wire parameters of DescribeRegions for `in`.
QueryParams build_describe_regions(const DescribeRegionsInput& in);
// Parse a DescribeRegions reply.
Result<std::vector<Region>> parse_describe_regions(std::string_view xml);
// List the regions visible to the account.
Result<std::vector<Region>> describe_regions(AwsClient& client, std::string_view region,
                                             const DescribeRegionsInput& in);

// Return the names of the regions enabled for the account. AWS's DescribeRegions (without
// AllRegions) returns only those; stand-ins such as moto list every region with its opt-in
// status, so regions marked "not-opted-in" are dropped here too.
Result<std::vector<std::string>> enabled_region_names(AwsClient& client, std::string_view region);

// Return the wire parameters of DescribeAvailabilityZones for `in`.
QueryParams build_describe_availability_zones(const DescribeAvailabilityZonesInput& in);
// Parse a DescribeAvailabilityZones reply.
Result<std::vector<AvailabilityZone>> parse_describe_availability_zones(std::string_view xml);
// List the availability zones of `region`.
Result<std::vector<AvailabilityZone>> describe_availability_zones(
    AwsClient& client, std::string_view region, const DescribeAvailabilityZonesInput& in);

// Return the wire parameters of DescribeInstanceTypes for `in`.
QueryParams build_describe_instance_types(const DescribeInstanceTypesInput& in);
// Parse one DescribeInstanceTypes page.
Result<InstanceTypesPage> parse_describe_instance_types(std::string_view xml);
// Describe instance types, following every page.
Result<InstanceTypesPage> describe_instance_types(AwsClient& client, std::string_view region,
                                                  const DescribeInstanceTypesInput& in);

// Return the wire parameters of DescribeInstanceTypeOfferings for `in`.
QueryParams build_describe_instance_type_offerings(const DescribeInstanceTypeOfferingsInput& in);
// Parse one DescribeInstanceTypeOfferings page.
Result<InstanceTypeOfferingsPage> parse_describe_instance_type_offerings(std::string_view xml);
// List where instance types are offered, following every page.
Result<InstanceTypeOfferingsPage> describe_instance_type_offerings(
    AwsClient& client, std::string_view region, const DescribeInstanceTypeOfferingsInput& in);

// Return the wire parameters of DescribeImages for `in`.
QueryParams build_describe_images(const DescribeImagesInput& in);
// Parse one DescribeImages page.
Result<ImagesPage> parse_describe_images(std::string_view xml);
// Describe images, following every page.
Result<ImagesPage> describe_images(AwsClient& client, std::string_view region,
                                   const DescribeImagesInput& in);

// Return the wire parameters of DescribeSpotPriceHistory for `in`.
QueryParams build_describe_spot_price_history(const DescribeSpotPriceHistoryInput& in);
// Parse one DescribeSpotPriceHistory page.
Result<SpotPricePage> parse_describe_spot_price_history(std::string_view xml);
// Read spot price history, following every page.
Result<SpotPricePage> describe_spot_price_history(AwsClient& client, std::string_view region,
                                                  const DescribeSpotPriceHistoryInput& in);

}  // namespace gpubox::aws
