#pragma once
// EC2 instances: launch, describe, start/stop/terminate, tags, volumes and console output.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"
#include "aws/ec2.hpp"
#include "core/clock.hpp"

namespace gpubox::aws {

struct BlockDeviceSpec {
  std::string device_name;  // "/dev/sda1"
  std::optional<long long> volume_size_gib;
  std::string volume_type;  // "gp3"
  std::optional<long long> iops;
  std::optional<long long> throughput;
  std::optional<bool> encrypted;
  std::optional<bool> delete_on_termination;
};

struct RunInstancesInput {
  std::string image_id;
  std::string instance_type;
  long long min_count = 1;
  long long max_count = 1;
  std::string key_name;
  std::vector<std::string> security_group_ids;
  std::string subnet_id;
  // Set: launch through one network interface (NetworkInterface.1: the subnet, the groups and
  // AssociatePublicIpAddress), for a subnet that does not map public addresses by itself.
  std::optional<bool> associate_public_ip;
  std::string client_token;  // idempotency; the call fills in a random one when empty
  std::optional<bool> dry_run;
  std::string shutdown_behavior;  // InstanceInitiatedShutdownBehavior: "stop" | "terminate"
  std::string availability_zone;  // Placement.AvailabilityZone
  std::vector<BlockDeviceSpec> block_devices;
  Tags instance_tags;
  Tags volume_tags;
  std::string http_tokens;    // MetadataOptions.HttpTokens: "required" | "optional"
  std::string http_endpoint;  // MetadataOptions.HttpEndpoint: "enabled" | "disabled"
  std::optional<long long> http_hop_limit;
  bool spot = false;                       // InstanceMarketOptions.MarketType=spot
  std::string spot_max_price;              // AWS advises leaving this empty
  std::string spot_instance_type;          // "one-time" | "persistent"
  std::string spot_interruption_behavior;  // "terminate" | "stop" | "hibernate"
  Tags spot_request_tags;                  // TagSpecification spot-instances-request (spot only)
  std::string user_data;                   // plain text; sent base64-encoded
};

struct GroupRef {
  std::string id;
  std::string name;
};

struct BlockDevice {
  std::string device;
  std::string volume_id;
};

struct Instance {
  std::string id;
  std::string reservation_id;
  std::string type;
  std::string state;   // "pending", "running", "stopping", "stopped", "shutting-down", "terminated"
  int state_code = 0;  // low byte of instanceState/code
  std::string state_reason;  // stateReason/code, e.g. "Client.UserInitiatedShutdown"
  std::string public_ip;     // empty when stopped or when none was assigned
  std::string public_dns;
  std::string private_ip;
  std::string zone;
  std::optional<TimePoint> launch_time;
  Tags tags;
  std::string image_id;
  std::string key_name;
  std::string subnet_id;
  std::string vpc_id;
  std::string client_token;
  std::vector<GroupRef> security_groups;
  std::string lifecycle;  // "spot", or empty for on-demand
  std::string spot_request_id;
  std::string http_tokens;  // metadataOptions/httpTokens
  std::vector<BlockDevice> block_devices;
};

struct RunInstancesOutput {
  std::string reservation_id;
  std::string owner_id;
  std::vector<Instance> instances;
};

struct DescribeInstancesInput {
  std::vector<std::string> instance_ids;
  std::vector<Filter> filters;
  std::optional<long long> max_results;  // AWS rejects it together with instance_ids
  std::string next_token;
};

struct InstancesPage {
  std::vector<Instance> instances;
  std::string next_token;
};

struct DescribeInstanceStatusInput {
  std::vector<std::string> instance_ids;
  std::vector<Filter> filters;
  std::optional<bool> include_all_instances;
  std::optional<long long> max_results;
  std::string next_token;
};

struct InstanceStatus {
  std::string id;
  std::string zone;
  std::string state;
  int state_code = 0;
  std::string instance_status;  // "ok", "initializing", "impaired", "not-applicable"
  std::string system_status;
};

struct InstanceStatusPage {
  std::vector<InstanceStatus> statuses;
  std::string next_token;
};

struct InstanceIdsInput {
  std::vector<std::string> instance_ids;
  std::optional<bool> force;      // StopInstances only
  std::optional<bool> hibernate;  // StopInstances only
};

struct StateChange {
  std::string id;
  std::string current_state;
  int current_code = 0;
  std::string previous_state;
  int previous_code = 0;
};

struct CreateTagsInput {
  std::vector<std::string> resource_ids;
  Tags tags;
};

struct DescribeVolumesInput {
  std::vector<std::string> volume_ids;
  std::vector<Filter> filters;
  std::optional<long long> max_results;
  std::string next_token;
};

struct VolumeAttachment {
  std::string instance_id;
  std::string device;
  std::string state;
};

struct Volume {
  std::string id;
  long long size_gib = 0;
  std::string type;
  std::string state;  // "creating", "available", "in-use", "deleting", ...
  std::string zone;
  bool encrypted = false;
  std::optional<long long> iops;
  Tags tags;
  std::vector<VolumeAttachment> attachments;
};

struct VolumesPage {
  std::vector<Volume> volumes;
  std::string next_token;
};

struct ConsoleOutputInput {
  std::string instance_id;
  std::optional<bool> latest;
};

struct ConsoleOutput {
  std::string instance_id;
  std::optional<TimePoint> timestamp;
  std::string text;  // decoded from base64
};

// Return the wire parameters of RunInstances for `in` (UserData base64-encoded).
QueryParams build_run_instances(const RunInstancesInput& in);
// Parse a RunInstances reply.
Result<RunInstancesOutput> parse_run_instances(std::string_view xml);
// Launch instances; an empty `in.client_token` is replaced by a random one so retries are safe.
Result<RunInstancesOutput> run_instances(AwsClient& client, std::string_view region,
                                         RunInstancesInput in);

// Launch with exactly `wire` (an earlier build_run_instances result, ClientToken included), so
// a retried or resumed launch sends the very parameters of its first call.
Result<RunInstancesOutput> run_instances_wire(AwsClient& client, std::string_view region,
                                              const QueryParams& wire);

// Return the wire parameters of DescribeInstances for `in`.
QueryParams build_describe_instances(const DescribeInstancesInput& in);
// Parse one DescribeInstances page (reservations flattened).
Result<InstancesPage> parse_describe_instances(std::string_view xml);
// Describe instances, following every page.
Result<InstancesPage> describe_instances(AwsClient& client, std::string_view region,
                                         const DescribeInstancesInput& in);

// Return the wire parameters of DescribeInstanceStatus for `in`.
QueryParams build_describe_instance_status(const DescribeInstanceStatusInput& in);
// Parse one DescribeInstanceStatus page.
Result<InstanceStatusPage> parse_describe_instance_status(std::string_view xml);
// Describe instance status checks, following every page.
Result<InstanceStatusPage> describe_instance_status(AwsClient& client, std::string_view region,
                                                    const DescribeInstanceStatusInput& in);

// Return the wire parameters of StartInstances for `in`.
QueryParams build_start_instances(const InstanceIdsInput& in);
// Parse a StartInstances reply.
Result<std::vector<StateChange>> parse_start_instances(std::string_view xml);
// Start stopped instances.
Result<std::vector<StateChange>> start_instances(AwsClient& client, std::string_view region,
                                                 const InstanceIdsInput& in);

// Return the wire parameters of StopInstances for `in`.
QueryParams build_stop_instances(const InstanceIdsInput& in);
// Parse a StopInstances reply.
Result<std::vector<StateChange>> parse_stop_instances(std::string_view xml);
// Stop running instances.
Result<std::vector<StateChange>> stop_instances(AwsClient& client, std::string_view region,
                                                const InstanceIdsInput& in);

// Return the wire parameters of TerminateInstances for `in`.
QueryParams build_terminate_instances(const InstanceIdsInput& in);
// Parse a TerminateInstances reply.
Result<std::vector<StateChange>> parse_terminate_instances(std::string_view xml);
// Terminate instances.
Result<std::vector<StateChange>> terminate_instances(AwsClient& client, std::string_view region,
                                                     const InstanceIdsInput& in);

// Return the wire parameters of CreateTags for `in`.
QueryParams build_create_tags(const CreateTagsInput& in);
// Parse a CreateTags reply; return its `return` flag.
Result<bool> parse_create_tags(std::string_view xml);
// Add or overwrite tags on resources.
Result<bool> create_tags(AwsClient& client, std::string_view region, const CreateTagsInput& in);

// Return the wire parameters of DescribeVolumes for `in`.
QueryParams build_describe_volumes(const DescribeVolumesInput& in);
// Parse one DescribeVolumes page.
Result<VolumesPage> parse_describe_volumes(std::string_view xml);
// Describe volumes, following every page.
Result<VolumesPage> describe_volumes(AwsClient& client, std::string_view region,
                                     const DescribeVolumesInput& in);

// Return the wire parameters of DeleteVolume for `volume_id`.
QueryParams build_delete_volume(const std::string& volume_id);
// Parse a DeleteVolume reply; return its `return` flag.
Result<bool> parse_delete_volume(std::string_view xml);
// Delete an unattached volume.
Result<bool> delete_volume(AwsClient& client, std::string_view region,
                           const std::string& volume_id);

// Return the wire parameters of GetConsoleOutput for `in`.
QueryParams build_get_console_output(const ConsoleOutputInput& in);
// Parse a GetConsoleOutput reply, decoding the base64 output.
Result<ConsoleOutput> parse_get_console_output(std::string_view xml);
// Read an instance's console output.
Result<ConsoleOutput> get_console_output(AwsClient& client, std::string_view region,
                                         const ConsoleOutputInput& in);

}  // namespace gpubox::aws
