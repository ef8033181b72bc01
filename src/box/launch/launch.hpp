#pragma once
// The launch transaction of `gpubox up`: key pair, security group and RunInstances, with zone
// failover and cleanup. Key pairs and groups get unguessable names ("gpubox-NAME-1a2b3c4d") and
// are found again by their tags (box and owner), never by name: a group or key someone else
// made under a predictable name is never used. A tagged group from an interrupted run is
// reduced to exactly tcp/22 from the allowed CIDR, and a tagged key pair is used only when its
// public key is the user's. Every RunInstances call carries a ClientToken from a launch record that
// is written to local state first, so a retried call, a crash or a second `gpubox up NAME`
// never starts a second instance: an open record is resumed by looking the instance up by its
// token (the DescribeInstances `client-token` filter) or by re-sending the same token.

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"
#include "aws/ec2.hpp"
#include "aws/ec2_instances.hpp"
#include "aws/ec2_network.hpp"
#include "aws/ec2_vpc.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/filesystem.hpp"
#include "core/progress.hpp"
#include "state/box_store.hpp"

namespace gpubox::box {

// Everything one launch in one region needs.
struct LaunchSpec {
  std::string name;
  std::string region;
  std::vector<std::string> zones;              // tried in this order
  std::string vpc_id;                          // the security group's VPC; empty: the default VPC
  std::map<std::string, aws::Subnet> subnets;  // zone -> subnet (--subnet); none: default subnets
  std::string instance_type;
  std::string image_id;
  std::string root_device_name = "/dev/sda1";  // the image's root device
  int disk_gb = 0;
  bool spot = false;
  std::string allow_from;            // CIDR admitted to tcp/22
  bool allow_from_is_caller = true;  // detected (the caller's /32), not given with --allow-from
  std::string public_key_line;       // imported as the key pair; empty: create one
  std::filesystem::path key_dir;     // where a created private key is saved (0600)
  std::string user_data;             // plain text
  aws::Tags tags;                    // put on the instance, volumes, SG and key pair
};

// What a launch created (or found, when it resumed an earlier one).
struct LaunchResult {
  aws::Instance instance;
  std::string zone;
  std::string key_name;
  std::filesystem::path created_key_path;  // the saved private key; empty for an imported key
  std::string security_group_id;
  std::string client_token;
  bool resumed = false;                   // the instance came from an earlier, interrupted run
  std::vector<std::string> failed_zones;  // zones without capacity (or not supported)
};

struct LaunchDeps {
  aws::AwsClient& client;
  state::BoxStore& store;
  Clock& clock;
  ProgressSink& progress = null_progress();
  FileSystem& files = disk_file_system();  // where a created private key is saved
};

// Return the file a created private key of box `name` is saved to under `key_dir`.
std::filesystem::path created_key_path(const std::filesystem::path& key_dir, std::string_view name);

// Return whether `error` means "try the next zone": no capacity there, or the type or an
// option is not supported there.
bool is_zone_failure(const Error& error);

// Return the RunInstances input for `spec` in `zone` with `token` (IMDSv2 required, encrypted
// gp3 root volume deleted on termination, stop on shutdown, tags on instance and volumes).
aws::RunInstancesInput run_input(const LaunchSpec& spec, std::string_view zone,
                                 std::string_view token, std::string_view key_name,
                                 std::string_view security_group_id);

// Launch box `spec.name` in `spec.region`, trying `spec.zones` in order; resume an open launch
// record of that name. On failure, remove the key pair, security group and private key it
// made, unless RunInstances may have succeeded (no answer), which a re-run resumes.
Result<LaunchResult> launch_instance(LaunchDeps& deps, const LaunchSpec& spec);

// Remove the security group and key pair a failed launch made, and its saved private key.
void cleanup_launch(LaunchDeps& deps, const LaunchSpec& spec, std::string_view security_group_id,
                    std::string_view key_name);

// The description of the tcp/22 rule: it tells the detected caller address (which `ssh` and
// `start` may move to the caller's new address) from a CIDR given with --allow-from (never moved).
inline constexpr std::string_view k_rule_caller = "gpubox ssh: your address";
inline constexpr std::string_view k_rule_given = "gpubox ssh: --allow-from";
// Return the rule description for a detected (`from_caller`) or a given CIDR.
std::string_view ssh_rule_description(bool from_caller);

// Return the ingress of `ingress` beyond "tcp/22 from `allow_from`", as permissions to revoke:
// other ports and CIDRs, IPv6 ranges, source groups and prefix lists.
std::vector<aws::IpPermission> extra_ingress(const std::vector<aws::IpPermission>& ingress,
                                             std::string_view allow_from);

// Return "TYPE BASE64" of the public key inside an unencrypted OpenSSH private key file, or an
// empty string when `pem` is not one.
std::string public_key_of_private(std::string_view pem);

// Return whether two OpenSSH public key lines hold the same key (type and blob; comments aside).
bool same_public_key(std::string_view a, std::string_view b);

}  // namespace gpubox::box
