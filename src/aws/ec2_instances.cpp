#include "aws/ec2_instances.hpp"

#include "aws/paging.hpp"
#include "aws/service.hpp"
#include "aws/xml.hpp"
#include "core/crypto.hpp"
#include "core/iso8601.hpp"

namespace gpubox::aws {

namespace {

// instanceState/code is a 16-bit value whose high byte is internal; only the low byte matters.
int state_code_at(pugi::xml_node node, std::string_view path) {
  return static_cast<int>(int_at(node, path) & 0xff);
}

Instance parse_instance(pugi::xml_node item, const std::string& reservation_id) {
  Instance in;
  in.id = text_at(item, "instanceId");
  in.reservation_id = reservation_id;
  in.type = text_at(item, "instanceType");
  in.state = text_at(item, "instanceState/name");
  in.state_code = state_code_at(item, "instanceState/code");
  in.state_reason = text_at(item, "stateReason/code");
  in.public_ip = text_at(item, "ipAddress");
  in.public_dns = text_at(item, "dnsName");
  in.private_ip = text_at(item, "privateIpAddress");
  in.zone = text_at(item, "placement/availabilityZone");
  in.launch_time = parse_iso8601(text_at(item, "launchTime"));
  in.tags = parse_tags(item);
  in.image_id = text_at(item, "imageId");
  in.key_name = text_at(item, "keyName");
  in.subnet_id = text_at(item, "subnetId");
  in.vpc_id = text_at(item, "vpcId");
  in.client_token = text_at(item, "clientToken");
  for (const pugi::xml_node group : items(item, "groupSet")) {
    in.security_groups.push_back({text_at(group, "groupId"), text_at(group, "groupName")});
  }
  in.lifecycle = text_at(item, "instanceLifecycle");
  in.spot_request_id = text_at(item, "spotInstanceRequestId");
  in.http_tokens = text_at(item, "metadataOptions/httpTokens");
  for (const pugi::xml_node device : items(item, "blockDeviceMapping")) {
    in.block_devices.push_back({text_at(device, "deviceName"), text_at(device, "ebs/volumeId")});
  }
  return in;
}

void add_instances(std::vector<Instance>& out, pugi::xml_node reservation) {
  const std::string reservation_id = text_at(reservation, "reservationId");
  for (const pugi::xml_node item : items(reservation, "instancesSet")) {
    out.push_back(parse_instance(item, reservation_id));
  }
}

void add_block_device(QueryParams& p, size_t index, const BlockDeviceSpec& spec) {
  const std::string base = "BlockDeviceMapping." + std::to_string(index);
  p.emplace_back(base + ".DeviceName", spec.device_name);
  add_int(p, base + ".Ebs.VolumeSize", spec.volume_size_gib);
  add_text(p, base + ".Ebs.VolumeType", spec.volume_type);
  add_int(p, base + ".Ebs.Iops", spec.iops);
  add_int(p, base + ".Ebs.Throughput", spec.throughput);
  add_bool(p, base + ".Ebs.Encrypted", spec.encrypted);
  add_bool(p, base + ".Ebs.DeleteOnTermination", spec.delete_on_termination);
}

void add_launch_options(QueryParams& p, const RunInstancesInput& in) {
  add_text(p, "MetadataOptions.HttpTokens", in.http_tokens);
  add_text(p, "MetadataOptions.HttpEndpoint", in.http_endpoint);
  add_int(p, "MetadataOptions.HttpPutResponseHopLimit", in.http_hop_limit);
  if (in.spot) {
    p.emplace_back("InstanceMarketOptions.MarketType", "spot");
    add_text(p, "InstanceMarketOptions.SpotOptions.MaxPrice", in.spot_max_price);
    add_text(p, "InstanceMarketOptions.SpotOptions.SpotInstanceType", in.spot_instance_type);
    add_text(p, "InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior",
             in.spot_interruption_behavior);
  }
  if (!in.user_data.empty()) {
    // The model documents UserData as base64 text; botocore encodes it in a handler, so must we.
    p.emplace_back("UserData", base64_encode(in.user_data));
  }
}

Result<std::vector<StateChange>> parse_state_changes(std::string_view xml, std::string_view root) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(element, load_xml(doc, xml, root));
  std::vector<StateChange> out;
  for (const pugi::xml_node item : items(element, "instancesSet")) {
    out.push_back({text_at(item, "instanceId"), text_at(item, "currentState/name"),
                   state_code_at(item, "currentState/code"), text_at(item, "previousState/name"),
                   state_code_at(item, "previousState/code")});
  }
  return out;
}

std::string random_client_token() {
  const std::string hex = hex_encode(random_bytes(16));
  return "gpubox-" + hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace

QueryParams build_run_instances(const RunInstancesInput& in) {
  QueryParams p;
  p.emplace_back("ImageId", in.image_id);
  add_text(p, "InstanceType", in.instance_type);
  p.emplace_back("MinCount", std::to_string(in.min_count));
  p.emplace_back("MaxCount", std::to_string(in.max_count));
  add_text(p, "KeyName", in.key_name);
  if (in.associate_public_ip) {
    p.emplace_back("NetworkInterface.1.DeviceIndex", "0");
    add_text(p, "NetworkInterface.1.SubnetId", in.subnet_id);
    add_bool(p, "NetworkInterface.1.AssociatePublicIpAddress", in.associate_public_ip);
    add_bool(p, "NetworkInterface.1.DeleteOnTermination", true);
    add_list(p, "NetworkInterface.1.SecurityGroupId", in.security_group_ids);
  } else {
    add_list(p, "SecurityGroupId", in.security_group_ids);
    add_text(p, "SubnetId", in.subnet_id);
  }
  add_text(p, "ClientToken", in.client_token);
  add_bool(p, "DryRun", in.dry_run);
  add_text(p, "InstanceInitiatedShutdownBehavior", in.shutdown_behavior);
  add_text(p, "Placement.AvailabilityZone", in.availability_zone);
  for (size_t i = 0; i < in.block_devices.size(); ++i) {
    add_block_device(p, i + 1, in.block_devices[i]);
  }
  const std::pair<std::string_view, const Tags*> specs[] = {
      {"instance", &in.instance_tags},
      {"volume", &in.volume_tags},
      {"spot-instances-request", in.spot ? &in.spot_request_tags : nullptr}};
  int index = 0;
  for (const auto& [type, tags] : specs) {
    if (tags != nullptr && !tags->empty()) {
      add_tag_spec(p, ++index, type, *tags);
    }
  }
  add_launch_options(p, in);
  return p;
}

Result<RunInstancesOutput> parse_run_instances(std::string_view xml) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(root, load_xml(doc, xml, "RunInstancesResponse"));
  RunInstancesOutput out;
  out.reservation_id = text_at(root, "reservationId");
  out.owner_id = text_at(root, "ownerId");
  add_instances(out.instances, root);
  return out;
}

Result<RunInstancesOutput> run_instances(AwsClient& client, std::string_view region,
                                         RunInstancesInput in) {
  if (in.client_token.empty()) {
    in.client_token = random_client_token();
  }
  GPUBOX_TRY_ASSIGN(xml, client.query(k_ec2, region, "RunInstances", build_run_instances(in)));
  return parse_run_instances(xml);
}

Result<RunInstancesOutput> run_instances_wire(AwsClient& client, std::string_view region,
                                              const QueryParams& wire) {
  GPUBOX_TRY_ASSIGN(xml, client.query(k_ec2, region, "RunInstances", wire));
  return parse_run_instances(xml);
}

QueryParams build_describe_instances(const DescribeInstancesInput& in) {
  QueryParams p;
  add_list(p, "InstanceId", in.instance_ids);
  add_filters(p, in.filters);
  add_int(p, "MaxResults", in.max_results);
  add_text(p, "NextToken", in.next_token);
  return p;
}

Result<InstancesPage> parse_describe_instances(std::string_view xml) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(root, load_xml(doc, xml, "DescribeInstancesResponse"));
  InstancesPage page;
  for (const pugi::xml_node reservation : items(root, "reservationSet")) {
    add_instances(page.instances, reservation);
  }
  page.next_token = text_at(root, "nextToken");
  return page;
}

Result<InstancesPage> describe_instances(AwsClient& client, std::string_view region,
                                         const DescribeInstancesInput& in) {
  const PagedQuery<DescribeInstancesInput, InstancesPage, Instance> op{
      &k_ec2, "DescribeInstances", build_describe_instances, parse_describe_instances,
      &InstancesPage::instances};
  return query_all_pages(client, region, op, in);
}

QueryParams build_describe_instance_status(const DescribeInstanceStatusInput& in) {
  QueryParams p;
  add_list(p, "InstanceId", in.instance_ids);
  add_filters(p, in.filters);
  add_bool(p, "IncludeAllInstances", in.include_all_instances);
  add_int(p, "MaxResults", in.max_results);
  add_text(p, "NextToken", in.next_token);
  return p;
}

Result<InstanceStatusPage> parse_describe_instance_status(std::string_view xml) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(root, load_xml(doc, xml, "DescribeInstanceStatusResponse"));
  InstanceStatusPage page;
  for (const pugi::xml_node item : items(root, "instanceStatusSet")) {
    page.statuses.push_back(
        {text_at(item, "instanceId"), text_at(item, "availabilityZone"),
         text_at(item, "instanceState/name"), state_code_at(item, "instanceState/code"),
         text_at(item, "instanceStatus/status"), text_at(item, "systemStatus/status")});
  }
  page.next_token = text_at(root, "nextToken");
  return page;
}

Result<InstanceStatusPage> describe_instance_status(AwsClient& client, std::string_view region,
                                                    const DescribeInstanceStatusInput& in) {
  const PagedQuery<DescribeInstanceStatusInput, InstanceStatusPage, InstanceStatus> op{
      &k_ec2, "DescribeInstanceStatus", build_describe_instance_status,
      parse_describe_instance_status, &InstanceStatusPage::statuses};
  return query_all_pages(client, region, op, in);
}

QueryParams build_start_instances(const InstanceIdsInput& in) {
  QueryParams p;
  add_list(p, "InstanceId", in.instance_ids);
  return p;
}

Result<std::vector<StateChange>> parse_start_instances(std::string_view xml) {
  return parse_state_changes(xml, "StartInstancesResponse");
}

Result<std::vector<StateChange>> start_instances(AwsClient& client, std::string_view region,
                                                 const InstanceIdsInput& in) {
  GPUBOX_TRY_ASSIGN(xml, client.query(k_ec2, region, "StartInstances", build_start_instances(in)));
  return parse_start_instances(xml);
}

QueryParams build_stop_instances(const InstanceIdsInput& in) {
  QueryParams p;
  add_list(p, "InstanceId", in.instance_ids);
  add_bool(p, "Hibernate", in.hibernate);
  add_bool(p, "Force", in.force);
  return p;
}

Result<std::vector<StateChange>> parse_stop_instances(std::string_view xml) {
  return parse_state_changes(xml, "StopInstancesResponse");
}

Result<std::vector<StateChange>> stop_instances(AwsClient& client, std::string_view region,
                                                const InstanceIdsInput& in) {
  GPUBOX_TRY_ASSIGN(xml, client.query(k_ec2, region, "StopInstances", build_stop_instances(in)));
  return parse_stop_instances(xml);
}

QueryParams build_terminate_instances(const InstanceIdsInput& in) {
  QueryParams p;
  add_list(p, "InstanceId", in.instance_ids);
  return p;
}

Result<std::vector<StateChange>> parse_terminate_instances(std::string_view xml) {
  return parse_state_changes(xml, "TerminateInstancesResponse");
}

Result<std::vector<StateChange>> terminate_instances(AwsClient& client, std::string_view region,
                                                     const InstanceIdsInput& in) {
  GPUBOX_TRY_ASSIGN(
      xml, client.query(k_ec2, region, "TerminateInstances", build_terminate_instances(in)));
  return parse_terminate_instances(xml);
}

}  // namespace gpubox::aws
