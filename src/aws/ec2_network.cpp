#include "aws/ec2_network.hpp"

#include "aws/paging.hpp"
#include "aws/service.hpp"
#include "aws/xml.hpp"
#include "core/crypto.hpp"

namespace gpubox::aws {

namespace {

KeyPair parse_key_pair(pugi::xml_node node) {
  KeyPair key;
  key.name = text_at(node, "keyName");
  key.id = text_at(node, "keyPairId");
  key.fingerprint = text_at(node, "keyFingerprint");
  key.type = text_at(node, "keyType");
  key.public_key = text_at(node, "publicKey");
  key.private_key = text_at(node, "keyMaterial");
  key.tags = parse_tags(node);
  return key;
}

Result<KeyPair> parse_key_pair_reply(std::string_view xml, std::string_view root) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(element, load_xml(doc, xml, root));
  return parse_key_pair(element);
}

std::optional<int> port_at(pugi::xml_node node, std::string_view path) {
  const std::optional<std::int64_t> port = parse_int(text_at(node, path));
  return port ? std::optional<int>(static_cast<int>(*port)) : std::nullopt;
}

IpPermission parse_permission(pugi::xml_node item) {
  IpPermission perm;
  perm.protocol = text_at(item, "ipProtocol");
  perm.from_port = port_at(item, "fromPort");
  perm.to_port = port_at(item, "toPort");
  for (const pugi::xml_node range : items(item, "ipRanges")) {
    perm.ip_ranges.push_back({text_at(range, "cidrIp"), text_at(range, "description")});
  }
  for (const pugi::xml_node group : items(item, "groups")) {
    perm.source_group_ids.push_back(text_at(group, "groupId"));
  }
  for (const pugi::xml_node range : items(item, "ipv6Ranges")) {
    perm.ipv6_ranges.push_back(text_at(range, "cidrIpv6"));
  }
  for (const pugi::xml_node list : items(item, "prefixListIds")) {
    perm.prefix_list_ids.push_back(text_at(list, "prefixListId"));
  }
  return perm;
}

SecurityGroup parse_security_group(pugi::xml_node item) {
  SecurityGroup group;
  group.id = text_at(item, "groupId");
  group.name = text_at(item, "groupName");
  group.description = text_at(item, "groupDescription");
  group.vpc_id = text_at(item, "vpcId");
  for (const pugi::xml_node perm : items(item, "ipPermissions")) {
    group.ingress.push_back(parse_permission(perm));
  }
  for (const pugi::xml_node perm : items(item, "ipPermissionsEgress")) {
    group.egress.push_back(parse_permission(perm));
  }
  group.tags = parse_tags(item);
  return group;
}

QueryParams build_ingress(const IngressInput& in) {
  QueryParams p;
  p.emplace_back("GroupId", in.group_id);
  for (size_t i = 0; i < in.permissions.size(); ++i) {
    const IpPermission& perm = in.permissions[i];
    const std::string base = "IpPermissions." + std::to_string(i + 1);
    p.emplace_back(base + ".IpProtocol", perm.protocol);
    add_int(p, base + ".FromPort", perm.from_port);
    add_int(p, base + ".ToPort", perm.to_port);
    for (size_t r = 0; r < perm.ip_ranges.size(); ++r) {
      const std::string range = base + ".IpRanges." + std::to_string(r + 1);
      p.emplace_back(range + ".CidrIp", perm.ip_ranges[r].cidr);
      add_text(p, range + ".Description", perm.ip_ranges[r].description);
    }
    // UserIdGroupPairs has locationName "groups", so its wire name is "Groups".
    for (size_t g = 0; g < perm.source_group_ids.size(); ++g) {
      p.emplace_back(base + ".Groups." + std::to_string(g + 1) + ".GroupId",
                     perm.source_group_ids[g]);
    }
    for (size_t r = 0; r < perm.ipv6_ranges.size(); ++r) {
      p.emplace_back(base + ".Ipv6Ranges." + std::to_string(r + 1) + ".CidrIpv6",
                     perm.ipv6_ranges[r]);
    }
    for (size_t l = 0; l < perm.prefix_list_ids.size(); ++l) {
      p.emplace_back(base + ".PrefixListIds." + std::to_string(l + 1) + ".PrefixListId",
                     perm.prefix_list_ids[l]);
    }
  }
  return p;
}

}  // namespace

QueryParams build_create_key_pair(const CreateKeyPairInput& in) {
  QueryParams p;
  p.emplace_back("KeyName", in.key_name);
  add_text(p, "KeyType", in.key_type);
  add_text(p, "KeyFormat", in.key_format);
  add_tag_spec(p, 1, "key-pair", in.tags);
  return p;
}

Result<KeyPair> parse_create_key_pair(std::string_view xml) {
  return parse_key_pair_reply(xml, "CreateKeyPairResponse");
}

Result<KeyPair> create_key_pair(AwsClient& client, std::string_view region,
                                const CreateKeyPairInput& in) {
  GPUBOX_TRY_ASSIGN(xml, client.query(k_ec2, region, "CreateKeyPair", build_create_key_pair(in)));
  return parse_create_key_pair(xml);
}

QueryParams build_import_key_pair(const ImportKeyPairInput& in) {
  QueryParams p;
  p.emplace_back("KeyName", in.key_name);
  // PublicKeyMaterial is a blob: the query protocol sends blobs base64-encoded, and AWS (and
  // moto) reject the raw OpenSSH line with InvalidKeyPair.Format.
  p.emplace_back("PublicKeyMaterial", base64_encode(in.public_key_line));
  add_tag_spec(p, 1, "key-pair", in.tags);
  return p;
}

Result<KeyPair> parse_import_key_pair(std::string_view xml) {
  return parse_key_pair_reply(xml, "ImportKeyPairResponse");
}

Result<KeyPair> import_key_pair(AwsClient& client, std::string_view region,
                                const ImportKeyPairInput& in) {
  GPUBOX_TRY_ASSIGN(xml, client.query(k_ec2, region, "ImportKeyPair", build_import_key_pair(in)));
  return parse_import_key_pair(xml);
}

QueryParams build_delete_key_pair(const DeleteKeyPairInput& in) {
  QueryParams p;
  add_text(p, "KeyName", in.key_name);
  add_text(p, "KeyPairId", in.key_pair_id);
  return p;
}

Result<bool> parse_delete_key_pair(std::string_view xml) {
  return parse_return_flag(xml, "DeleteKeyPairResponse");
}

Result<bool> delete_key_pair(AwsClient& client, std::string_view region,
                             const DeleteKeyPairInput& in) {
  GPUBOX_TRY_ASSIGN(xml, client.query(k_ec2, region, "DeleteKeyPair", build_delete_key_pair(in)));
  return parse_delete_key_pair(xml);
}

QueryParams build_describe_key_pairs(const DescribeKeyPairsInput& in) {
  QueryParams p;
  add_list(p, "KeyName", in.key_names);
  add_list(p, "KeyPairId", in.key_pair_ids);
  add_filters(p, in.filters);
  add_bool(p, "IncludePublicKey", in.include_public_key);
  return p;
}

Result<std::vector<KeyPair>> parse_describe_key_pairs(std::string_view xml) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(root, load_xml(doc, xml, "DescribeKeyPairsResponse"));
  std::vector<KeyPair> out;
  for (const pugi::xml_node item : items(root, "keySet")) {
    out.push_back(parse_key_pair(item));
  }
  return out;
}

Result<std::vector<KeyPair>> describe_key_pairs(AwsClient& client, std::string_view region,
                                                const DescribeKeyPairsInput& in) {
  GPUBOX_TRY_ASSIGN(xml,
                    client.query(k_ec2, region, "DescribeKeyPairs", build_describe_key_pairs(in)));
  return parse_describe_key_pairs(xml);
}

QueryParams build_create_security_group(const CreateSecurityGroupInput& in) {
  QueryParams p;
  p.emplace_back("GroupName", in.group_name);
  // The member is "Description" but its locationName is "GroupDescription".
  p.emplace_back("GroupDescription", in.description);
  add_text(p, "VpcId", in.vpc_id);
  add_tag_spec(p, 1, "security-group", in.tags);
  return p;
}

Result<CreatedSecurityGroup> parse_create_security_group(std::string_view xml) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(root, load_xml(doc, xml, "CreateSecurityGroupResponse"));
  return CreatedSecurityGroup{text_at(root, "groupId"), text_at(root, "securityGroupArn")};
}

Result<CreatedSecurityGroup> create_security_group(AwsClient& client, std::string_view region,
                                                   const CreateSecurityGroupInput& in) {
  GPUBOX_TRY_ASSIGN(
      xml, client.query(k_ec2, region, "CreateSecurityGroup", build_create_security_group(in)));
  return parse_create_security_group(xml);
}

QueryParams build_delete_security_group(const DeleteSecurityGroupInput& in) {
  QueryParams p;
  add_text(p, "GroupId", in.group_id);
  add_text(p, "GroupName", in.group_name);
  return p;
}

Result<bool> parse_delete_security_group(std::string_view xml) {
  return parse_return_flag(xml, "DeleteSecurityGroupResponse");
}

Result<bool> delete_security_group(AwsClient& client, std::string_view region,
                                   const DeleteSecurityGroupInput& in) {
  GPUBOX_TRY_ASSIGN(
      xml, client.query(k_ec2, region, "DeleteSecurityGroup", build_delete_security_group(in)));
  return parse_delete_security_group(xml);
}

QueryParams build_describe_security_groups(const DescribeSecurityGroupsInput& in) {
  QueryParams p;
  add_list(p, "GroupId", in.group_ids);
  add_list(p, "GroupName", in.group_names);
  add_filters(p, in.filters);
  add_int(p, "MaxResults", in.max_results);
  add_text(p, "NextToken", in.next_token);
  return p;
}

Result<SecurityGroupsPage> parse_describe_security_groups(std::string_view xml) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(root, load_xml(doc, xml, "DescribeSecurityGroupsResponse"));
  SecurityGroupsPage page;
  for (const pugi::xml_node item : items(root, "securityGroupInfo")) {
    page.groups.push_back(parse_security_group(item));
  }
  page.next_token = text_at(root, "nextToken");
  return page;
}

Result<SecurityGroupsPage> describe_security_groups(AwsClient& client, std::string_view region,
                                                    const DescribeSecurityGroupsInput& in) {
  const PagedQuery<DescribeSecurityGroupsInput, SecurityGroupsPage, SecurityGroup> op{
      &k_ec2, "DescribeSecurityGroups", build_describe_security_groups,
      parse_describe_security_groups, &SecurityGroupsPage::groups};
  return query_all_pages(client, region, op, in);
}

QueryParams build_authorize_security_group_ingress(const IngressInput& in) {
  return build_ingress(in);
}

Result<bool> parse_authorize_security_group_ingress(std::string_view xml) {
  return parse_return_flag(xml, "AuthorizeSecurityGroupIngressResponse");
}

Result<bool> authorize_security_group_ingress(AwsClient& client, std::string_view region,
                                              const IngressInput& in) {
  GPUBOX_TRY_ASSIGN(xml, client.query(k_ec2, region, "AuthorizeSecurityGroupIngress",
                                      build_authorize_security_group_ingress(in)));
  return parse_authorize_security_group_ingress(xml);
}

QueryParams build_revoke_security_group_ingress(const IngressInput& in) {
  return build_ingress(in);
}

Result<bool> parse_revoke_security_group_ingress(std::string_view xml) {
  return parse_return_flag(xml, "RevokeSecurityGroupIngressResponse");
}

Result<bool> revoke_security_group_ingress(AwsClient& client, std::string_view region,
                                           const IngressInput& in) {
  GPUBOX_TRY_ASSIGN(xml, client.query(k_ec2, region, "RevokeSecurityGroupIngress",
                                      build_revoke_security_group_ingress(in)));
  return parse_revoke_security_group_ingress(xml);
}

}  // namespace gpubox::aws
