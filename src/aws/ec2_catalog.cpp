#include "aws/ec2_catalog.hpp"

#include "aws/paging.hpp"
#include "aws/service.hpp"
#include "aws/xml.hpp"
#include "core/iso8601.hpp"

namespace gpubox::aws {

namespace {

GpuDevice parse_gpu(pugi::xml_node item) {
  GpuDevice gpu;
  gpu.name = text_at(item, "name");
  gpu.manufacturer = text_at(item, "manufacturer");
  gpu.count = static_cast<int>(int_at(item, "count"));
  gpu.memory_mib = int_at(item, "memoryInfo/sizeInMiB");
  return gpu;
}

InstanceTypeInfo parse_instance_type(pugi::xml_node item) {
  InstanceTypeInfo info;
  info.type = text_at(item, "instanceType");
  info.vcpus = static_cast<int>(int_at(item, "vCpuInfo/defaultVCpus"));
  info.memory_mib = int_at(item, "memoryInfo/sizeInMiB");
  info.current_generation = bool_at(item, "currentGeneration");
  info.architectures = item_texts(item, "processorInfo/supportedArchitectures");
  info.usage_classes = item_texts(item, "supportedUsageClasses");
  for (const pugi::xml_node gpu : items(item, "gpuInfo/gpus")) {
    info.gpus.push_back(parse_gpu(gpu));
  }
  info.total_gpu_memory_mib = int_at(item, "gpuInfo/totalGpuMemoryInMiB");
  return info;
}

Image parse_image(pugi::xml_node item) {
  Image image;
  image.id = text_at(item, "imageId");
  image.name = text_at(item, "name");
  image.description = text_at(item, "description");
  image.state = text_at(item, "imageState");
  image.owner_id = text_at(item, "imageOwnerId");
  image.owner_alias = text_at(item, "imageOwnerAlias");
  image.architecture = text_at(item, "architecture");
  image.root_device_name = text_at(item, "rootDeviceName");
  for (const pugi::xml_node mapping : items(item, "blockDeviceMapping")) {
    if (text_at(mapping, "deviceName") == image.root_device_name) {
      const auto size = static_cast<int>(int_at(mapping, "ebs/volumeSize"));
      if (size > 0) {
        image.root_volume_gib = size;
      }
    }
  }
  image.platform_details = text_at(item, "platformDetails");
  image.imds_support = text_at(item, "imdsSupport");
  image.creation_date = parse_iso8601(text_at(item, "creationDate"));
  image.deprecation_time = parse_iso8601(text_at(item, "deprecationTime"));
  return image;
}

Result<SpotPrice> parse_spot_price(pugi::xml_node item) {
  SpotPrice price;
  price.zone = text_at(item, "availabilityZone");
  price.instance_type = text_at(item, "instanceType");
  price.product_description = text_at(item, "productDescription");
  const std::string text = text_at(item, "spotPrice");
  const std::optional<double> value = parse_double(text);
  if (!value) {
    return fail(ErrorKind::remote, "malformed spotPrice '" + text + "' for " + price.instance_type);
  }
  price.price_per_hour_usd = *value;
  price.timestamp = parse_iso8601(text_at(item, "timestamp"));
  return price;
}

}  // namespace

QueryParams build_describe_regions(const DescribeRegionsInput& in) {
  QueryParams p;
  add_list(p, "RegionName", in.region_names);
  add_filters(p, in.filters);
  add_bool(p, "AllRegions", in.all_regions);
  return p;
}

Result<std::vector<Region>> parse_describe_regions(std::string_view xml) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(root, load_xml(doc, xml, "DescribeRegionsResponse"));
  std::vector<Region> out;
  for (const pugi::xml_node item : items(root, "regionInfo")) {
    out.push_back({text_at(item, "regionName"), text_at(item, "regionEndpoint"),
                   text_at(item, "optInStatus")});
  }
  return out;
}

Result<std::vector<Region>> describe_regions(AwsClient& client, std::string_view region,
                                             const DescribeRegionsInput& in) {
  GPUBOX_TRY_ASSIGN(xml,
                    client.query(k_ec2, region, "DescribeRegions", build_describe_regions(in)));
  return parse_describe_regions(xml);
}

Result<std::vector<std::string>> enabled_region_names(AwsClient& client, std::string_view region) {
  GPUBOX_TRY_ASSIGN(all, describe_regions(client, region, {}));
  std::vector<std::string> out;
  for (const Region& r : all) {
    if (r.opt_in_status != "not-opted-in") {
      out.push_back(r.name);
    }
  }
  return out;
}

QueryParams build_describe_availability_zones(const DescribeAvailabilityZonesInput& in) {
  QueryParams p;
  add_list(p, "ZoneName", in.zone_names);
  add_filters(p, in.filters);
  add_bool(p, "AllAvailabilityZones", in.all_availability_zones);
  return p;
}

Result<std::vector<AvailabilityZone>> parse_describe_availability_zones(std::string_view xml) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(root, load_xml(doc, xml, "DescribeAvailabilityZonesResponse"));
  std::vector<AvailabilityZone> out;
  for (const pugi::xml_node item : items(root, "availabilityZoneInfo")) {
    out.push_back({text_at(item, "zoneName"), text_at(item, "zoneId"), text_at(item, "regionName"),
                   text_at(item, "zoneState"), text_at(item, "zoneType")});
  }
  return out;
}

Result<std::vector<AvailabilityZone>> describe_availability_zones(
    AwsClient& client, std::string_view region, const DescribeAvailabilityZonesInput& in) {
  GPUBOX_TRY_ASSIGN(xml, client.query(k_ec2, region, "DescribeAvailabilityZones",
                                      build_describe_availability_zones(in)));
  return parse_describe_availability_zones(xml);
}

QueryParams build_describe_instance_types(const DescribeInstanceTypesInput& in) {
  QueryParams p;
  add_list(p, "InstanceType", in.instance_types);
  add_filters(p, in.filters);
  add_int(p, "MaxResults", in.max_results);
  add_text(p, "NextToken", in.next_token);
  return p;
}

Result<InstanceTypesPage> parse_describe_instance_types(std::string_view xml) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(root, load_xml(doc, xml, "DescribeInstanceTypesResponse"));
  InstanceTypesPage page;
  for (const pugi::xml_node item : items(root, "instanceTypeSet")) {
    page.types.push_back(parse_instance_type(item));
  }
  page.next_token = text_at(root, "nextToken");
  return page;
}

Result<InstanceTypesPage> describe_instance_types(AwsClient& client, std::string_view region,
                                                  const DescribeInstanceTypesInput& in) {
  const PagedQuery<DescribeInstanceTypesInput, InstanceTypesPage, InstanceTypeInfo> op{
      &k_ec2, "DescribeInstanceTypes", build_describe_instance_types, parse_describe_instance_types,
      &InstanceTypesPage::types};
  return query_all_pages(client, region, op, in);
}

QueryParams build_describe_instance_type_offerings(const DescribeInstanceTypeOfferingsInput& in) {
  QueryParams p;
  add_text(p, "LocationType", in.location_type);
  add_filters(p, in.filters);
  add_int(p, "MaxResults", in.max_results);
  add_text(p, "NextToken", in.next_token);
  return p;
}

Result<InstanceTypeOfferingsPage> parse_describe_instance_type_offerings(std::string_view xml) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(root, load_xml(doc, xml, "DescribeInstanceTypeOfferingsResponse"));
  InstanceTypeOfferingsPage page;
  for (const pugi::xml_node item : items(root, "instanceTypeOfferingSet")) {
    page.offerings.push_back(
        {text_at(item, "instanceType"), text_at(item, "locationType"), text_at(item, "location")});
  }
  page.next_token = text_at(root, "nextToken");
  return page;
}

Result<InstanceTypeOfferingsPage> describe_instance_type_offerings(
    AwsClient& client, std::string_view region, const DescribeInstanceTypeOfferingsInput& in) {
  const PagedQuery<DescribeInstanceTypeOfferingsInput, InstanceTypeOfferingsPage,
                   InstanceTypeOffering>
      op{&k_ec2, "DescribeInstanceTypeOfferings", build_describe_instance_type_offerings,
         parse_describe_instance_type_offerings, &InstanceTypeOfferingsPage::offerings};
  return query_all_pages(client, region, op, in);
}

QueryParams build_describe_images(const DescribeImagesInput& in) {
  QueryParams p;
  add_list(p, "Owner", in.owners);
  add_list(p, "ImageId", in.image_ids);
  add_list(p, "ExecutableBy", in.executable_users);
  add_filters(p, in.filters);
  add_bool(p, "IncludeDeprecated", in.include_deprecated);
  add_int(p, "MaxResults", in.max_results);
  add_text(p, "NextToken", in.next_token);
  return p;
}

Result<ImagesPage> parse_describe_images(std::string_view xml) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(root, load_xml(doc, xml, "DescribeImagesResponse"));
  ImagesPage page;
  for (const pugi::xml_node item : items(root, "imagesSet")) {
    page.images.push_back(parse_image(item));
  }
  page.next_token = text_at(root, "nextToken");
  return page;
}

Result<ImagesPage> describe_images(AwsClient& client, std::string_view region,
                                   const DescribeImagesInput& in) {
  const PagedQuery<DescribeImagesInput, ImagesPage, Image> op{
      &k_ec2, "DescribeImages", build_describe_images, parse_describe_images, &ImagesPage::images};
  return query_all_pages(client, region, op, in);
}

QueryParams build_describe_spot_price_history(const DescribeSpotPriceHistoryInput& in) {
  QueryParams p;
  add_list(p, "InstanceType", in.instance_types);
  add_list(p, "ProductDescription", in.product_descriptions);
  add_filters(p, in.filters);
  add_text(p, "AvailabilityZone", in.availability_zone);
  if (in.start_time) {
    p.emplace_back("StartTime", format_iso8601(*in.start_time));
  }
  if (in.end_time) {
    p.emplace_back("EndTime", format_iso8601(*in.end_time));
  }
  add_int(p, "MaxResults", in.max_results);
  add_text(p, "NextToken", in.next_token);
  return p;
}

Result<SpotPricePage> parse_describe_spot_price_history(std::string_view xml) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(root, load_xml(doc, xml, "DescribeSpotPriceHistoryResponse"));
  SpotPricePage page;
  for (const pugi::xml_node item : items(root, "spotPriceHistorySet")) {
    GPUBOX_TRY_ASSIGN(price, parse_spot_price(item));
    page.prices.push_back(std::move(price));
  }
  page.next_token = text_at(root, "nextToken");
  return page;
}

Result<SpotPricePage> describe_spot_price_history(AwsClient& client, std::string_view region,
                                                  const DescribeSpotPriceHistoryInput& in) {
  const PagedQuery<DescribeSpotPriceHistoryInput, SpotPricePage, SpotPrice> op{
      &k_ec2, "DescribeSpotPriceHistory", build_describe_spot_price_history,
      parse_describe_spot_price_history, &SpotPricePage::prices};
  return query_all_pages(client, region, op, in);
}

}  // namespace gpubox::aws
