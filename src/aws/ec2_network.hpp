#pragma once
// EC2 key pairs and security groups.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"
#include "aws/ec2.hpp"

namespace gpubox::aws {

struct CreateKeyPairInput {
  std::string key_name;
  std::string key_type;    // "rsa" | "ed25519"; empty for the service default (rsa)
  std::string key_format;  // "pem" | "ppk"; empty for pem
  Tags tags;
};

struct ImportKeyPairInput {
  std::string key_name;
  std::string public_key_line;  // "ssh-ed25519 AAAA... comment"; sent base64-encoded
  Tags tags;
};

struct DeleteKeyPairInput {
  std::string key_name;
  std::string key_pair_id;
};

struct DescribeKeyPairsInput {
  std::vector<std::string> key_names;
  std::vector<std::string> key_pair_ids;
  std::vector<Filter> filters;
  std::optional<bool> include_public_key;
};

struct KeyPair {
  std::string name;
  std::string id;
  std::string fingerprint;
  std::string type;         // empty when the service leaves it out
  std::string public_key;   // only with include_public_key
  std::string private_key;  // only from CreateKeyPair; never log
  Tags tags;
};

struct CreateSecurityGroupInput {
  std::string group_name;
  std::string description;
  std::string vpc_id;
  Tags tags;
};

struct DeleteSecurityGroupInput {
  std::string group_id;
  std::string group_name;
};

struct CreatedSecurityGroup {
  std::string id;
  std::string arn;
};

struct IpRange {
  std::string cidr;  // "203.0.113.7/32"
  std::string description;
};

struct IpPermission {
  std::string protocol;  // "tcp", "udp", "icmp", "-1"
  std::optional<int> from_port;
  std::optional<int> to_port;
  std::vector<IpRange> ip_ranges;
  std::vector<std::string> source_group_ids;
  std::vector<std::string> ipv6_ranges;      // "::/0"
  std::vector<std::string> prefix_list_ids;  // "pl-..."
};

struct DescribeSecurityGroupsInput {
  std::vector<std::string> group_ids;
  std::vector<std::string> group_names;
  std::vector<Filter> filters;
  std::optional<long long> max_results;
  std::string next_token;
};

struct SecurityGroup {
  std::string id;
  std::string name;
  std::string description;
  std::string vpc_id;
  std::vector<IpPermission> ingress;
  std::vector<IpPermission> egress;
  Tags tags;
};

struct SecurityGroupsPage {
  std::vector<SecurityGroup> groups;
  std::string next_token;
};

struct IngressInput {
  std::string group_id;
  std::vector<IpPermission> permissions;
};

// Return the wire parameters of CreateKeyPair for `in`.
QueryParams build_create_key_pair(const CreateKeyPairInput& in);
// Parse a CreateKeyPair reply (the private key is in `private_key`).
Result<KeyPair> parse_create_key_pair(std::string_view xml);
// Create a key pair and return it with its private key.
Result<KeyPair> create_key_pair(AwsClient& client, std::string_view region,
                                const CreateKeyPairInput& in);

// Return the wire parameters of ImportKeyPair for `in` (the key line base64-encoded).
QueryParams build_import_key_pair(const ImportKeyPairInput& in);
// Parse an ImportKeyPair reply.
Result<KeyPair> parse_import_key_pair(std::string_view xml);
// Import an OpenSSH public key as a key pair.
Result<KeyPair> import_key_pair(AwsClient& client, std::string_view region,
                                const ImportKeyPairInput& in);

// Return the wire parameters of DeleteKeyPair for `in`.
QueryParams build_delete_key_pair(const DeleteKeyPairInput& in);
// Parse a DeleteKeyPair reply; return its `return` flag.
Result<bool> parse_delete_key_pair(std::string_view xml);
// Delete a key pair (deleting an unknown name succeeds, as on AWS).
Result<bool> delete_key_pair(AwsClient& client, std::string_view region,
                             const DeleteKeyPairInput& in);

// Return the wire parameters of DescribeKeyPairs for `in`.
QueryParams build_describe_key_pairs(const DescribeKeyPairsInput& in);
// Parse a DescribeKeyPairs reply.
Result<std::vector<KeyPair>> parse_describe_key_pairs(std::string_view xml);
// Describe key pairs.
Result<std::vector<KeyPair>> describe_key_pairs(AwsClient& client, std::string_view region,
                                                const DescribeKeyPairsInput& in);

// Return the wire parameters of CreateSecurityGroup for `in`.
QueryParams build_create_security_group(const CreateSecurityGroupInput& in);
// Parse a CreateSecurityGroup reply.
Result<CreatedSecurityGroup> parse_create_security_group(std::string_view xml);
// Create a security group (in the default VPC unless `in.vpc_id` is set).
Result<CreatedSecurityGroup> create_security_group(AwsClient& client, std::string_view region,
                                                   const CreateSecurityGroupInput& in);

// Return the wire parameters of DeleteSecurityGroup for `in`.
QueryParams build_delete_security_group(const DeleteSecurityGroupInput& in);
// Parse a DeleteSecurityGroup reply; return its `return` flag.
Result<bool> parse_delete_security_group(std::string_view xml);
// Delete a security group.
Result<bool> delete_security_group(AwsClient& client, std::string_view region,
                                   const DeleteSecurityGroupInput& in);

// Return the wire parameters of DescribeSecurityGroups for `in`.
QueryParams build_describe_security_groups(const DescribeSecurityGroupsInput& in);
// Parse one DescribeSecurityGroups page.
Result<SecurityGroupsPage> parse_describe_security_groups(std::string_view xml);
// Describe security groups, following every page.
Result<SecurityGroupsPage> describe_security_groups(AwsClient& client, std::string_view region,
                                                    const DescribeSecurityGroupsInput& in);

// Return the wire parameters of AuthorizeSecurityGroupIngress for `in`.
QueryParams build_authorize_security_group_ingress(const IngressInput& in);
// Parse an AuthorizeSecurityGroupIngress reply; return its `return` flag.
Result<bool> parse_authorize_security_group_ingress(std::string_view xml);
// Add ingress rules to a security group.
Result<bool> authorize_security_group_ingress(AwsClient& client, std::string_view region,
                                              const IngressInput& in);

// Return the wire parameters of RevokeSecurityGroupIngress for `in`.
QueryParams build_revoke_security_group_ingress(const IngressInput& in);
// Parse a RevokeSecurityGroupIngress reply; return its `return` flag.
Result<bool> parse_revoke_security_group_ingress(std::string_view xml);
// Remove ingress rules from a security group.
Result<bool> revoke_security_group_ingress(AwsClient& client, std::string_view region,
                                           const IngressInput& in);

}  // namespace gpubox::aws
