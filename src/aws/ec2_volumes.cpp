// Tags, volumes and console output (declared in ec2_instances.hpp and ec2_volumes.hpp).
#include "aws/ec2_volumes.hpp"

#include "aws/ec2_instances.hpp"
#include "aws/paging.hpp"
#include "aws/service.hpp"
#include "aws/xml.hpp"
#include "core/crypto.hpp"
#include "core/iso8601.hpp"

namespace gpubox::aws {

namespace {

Volume parse_volume(pugi::xml_node item) {
  Volume v;
  v.id = text_at(item, "volumeId");
  v.size_gib = int_at(item, "size");
  v.type = text_at(item, "volumeType");
  v.state = text_at(item, "status");
  v.zone = text_at(item, "availabilityZone");
  v.encrypted = bool_at(item, "encrypted");
  v.iops = parse_int(text_at(item, "iops"));
  v.tags = parse_tags(item);
  for (const pugi::xml_node a : items(item, "attachmentSet")) {
    v.attachments.push_back({text_at(a, "instanceId"), text_at(a, "device"), text_at(a, "status")});
  }
  return v;
}

}  // namespace

QueryParams build_create_tags(const CreateTagsInput& in) {
  QueryParams p;
  add_list(p, "ResourceId", in.resource_ids);
  add_tags(p, "Tag", in.tags);
  return p;
}

Result<bool> parse_create_tags(std::string_view xml) {
  return parse_return_flag(xml, "CreateTagsResponse");
}

Result<bool> create_tags(AwsClient& client, std::string_view region, const CreateTagsInput& in) {
  GPUBOX_TRY_ASSIGN(xml, client.query(k_ec2, region, "CreateTags", build_create_tags(in)));
  return parse_create_tags(xml);
}

QueryParams build_describe_volumes(const DescribeVolumesInput& in) {
  QueryParams p;
  add_list(p, "VolumeId", in.volume_ids);
  add_filters(p, in.filters);
  add_int(p, "MaxResults", in.max_results);
  add_text(p, "NextToken", in.next_token);
  return p;
}

Result<VolumesPage> parse_describe_volumes(std::string_view xml) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(root, load_xml(doc, xml, "DescribeVolumesResponse"));
  VolumesPage page;
  for (const pugi::xml_node item : items(root, "volumeSet")) {
    page.volumes.push_back(parse_volume(item));
  }
  page.next_token = text_at(root, "nextToken");
  return page;
}

Result<VolumesPage> describe_volumes(AwsClient& client, std::string_view region,
                                     const DescribeVolumesInput& in) {
  const PagedQuery<DescribeVolumesInput, VolumesPage, Volume> op{
      &k_ec2, "DescribeVolumes", build_describe_volumes, parse_describe_volumes,
      &VolumesPage::volumes};
  return query_all_pages(client, region, op, in);
}

QueryParams build_delete_volume(const std::string& volume_id) {
  return QueryParams{{"VolumeId", volume_id}};
}

Result<bool> parse_delete_volume(std::string_view xml) {
  return parse_return_flag(xml, "DeleteVolumeResponse");
}

Result<bool> delete_volume(AwsClient& client, std::string_view region,
                           const std::string& volume_id) {
  GPUBOX_TRY_ASSIGN(xml,
                    client.query(k_ec2, region, "DeleteVolume", build_delete_volume(volume_id)));
  return parse_delete_volume(xml);
}

QueryParams build_create_volume(const CreateVolumeInput& in) {
  QueryParams p;
  add_text(p, "AvailabilityZone", in.zone);
  add_int(p, "Size", in.size_gib);
  add_text(p, "VolumeType", in.volume_type);
  add_bool(p, "Encrypted", in.encrypted);
  add_text(p, "ClientToken", in.client_token);
  add_tag_spec(p, 1, "volume", in.tags);
  return p;
}

Result<Volume> parse_create_volume(std::string_view xml) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(root, load_xml(doc, xml, "CreateVolumeResponse"));
  Volume v = parse_volume(root);
  if (v.id.empty()) {
    return fail(ErrorKind::remote, "CreateVolume answered without a volume id");
  }
  return v;
}

Result<Volume> create_volume(AwsClient& client, std::string_view region,
                             const CreateVolumeInput& in) {
  GPUBOX_TRY_ASSIGN(xml, client.query(k_ec2, region, "CreateVolume", build_create_volume(in)));
  return parse_create_volume(xml);
}

QueryParams build_attach_volume(const AttachVolumeInput& in) {
  return QueryParams{
      {"Device", in.device}, {"InstanceId", in.instance_id}, {"VolumeId", in.volume_id}};
}

Result<VolumeAttachment> parse_attach_volume(std::string_view xml) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(root, load_xml(doc, xml, "AttachVolumeResponse"));
  return VolumeAttachment{text_at(root, "instanceId"), text_at(root, "device"),
                          text_at(root, "status")};
}

Result<VolumeAttachment> attach_volume(AwsClient& client, std::string_view region,
                                       const AttachVolumeInput& in) {
  GPUBOX_TRY_ASSIGN(xml, client.query(k_ec2, region, "AttachVolume", build_attach_volume(in)));
  return parse_attach_volume(xml);
}

QueryParams build_get_console_output(const ConsoleOutputInput& in) {
  QueryParams p;
  p.emplace_back("InstanceId", in.instance_id);
  add_bool(p, "Latest", in.latest);
  return p;
}

Result<ConsoleOutput> parse_get_console_output(std::string_view xml) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(root, load_xml(doc, xml, "GetConsoleOutputResponse"));
  ConsoleOutput out;
  out.instance_id = text_at(root, "instanceId");
  out.timestamp = parse_iso8601(text_at(root, "timestamp"));
  const std::string encoded = text_at(root, "output");
  out.text = base64_decode(encoded);
  if (!encoded.empty() && out.text.empty()) {
    return fail(ErrorKind::remote, "console output of " + out.instance_id + " is not valid base64");
  }
  return out;
}

Result<ConsoleOutput> get_console_output(AwsClient& client, std::string_view region,
                                         const ConsoleOutputInput& in) {
  GPUBOX_TRY_ASSIGN(xml,
                    client.query(k_ec2, region, "GetConsoleOutput", build_get_console_output(in)));
  return parse_get_console_output(xml);
}

}  // namespace gpubox::aws
