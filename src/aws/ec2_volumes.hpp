#pragma once
// EC2 volumes gpubox creates and attaches itself (`up --volume`): CreateVolume and AttachVolume.
// Describing and deleting volumes is in ec2_instances.hpp, beside the instances they come from.

#include <optional>
#include <string>
#include <string_view>

#include "aws/client.hpp"
#include "aws/ec2.hpp"
#include "aws/ec2_instances.hpp"

namespace gpubox::aws {

struct CreateVolumeInput {
  std::string zone;                      // AvailabilityZone
  long long size_gib = 0;                // Size
  std::string volume_type = "gp3";       // VolumeType
  std::optional<bool> encrypted = true;  // Encrypted (with the account's default EBS key)
  std::string client_token;              // ClientToken: a retried call creates one volume
  Tags tags;                             // TagSpecification ResourceType=volume
};

struct AttachVolumeInput {
  std::string volume_id;
  std::string instance_id;
  std::string device;  // "/dev/sdf"
};

// Return the wire parameters of CreateVolume for `in`.
QueryParams build_create_volume(const CreateVolumeInput& in);
// Parse a CreateVolume reply: the new volume (state "creating" at first).
Result<Volume> parse_create_volume(std::string_view xml);
// Create an EBS volume.
Result<Volume> create_volume(AwsClient& client, std::string_view region,
                             const CreateVolumeInput& in);

// Return the wire parameters of AttachVolume for `in`.
QueryParams build_attach_volume(const AttachVolumeInput& in);
// Parse an AttachVolume reply: the attachment (state "attaching" at first).
Result<VolumeAttachment> parse_attach_volume(std::string_view xml);
// Attach a volume to an instance in its zone.
Result<VolumeAttachment> attach_volume(AwsClient& client, std::string_view region,
                                       const AttachVolumeInput& in);

}  // namespace gpubox::aws
