#include "aws/ec2_network.hpp"

#include <gtest/gtest.h>

#include "aws/aws_fixtures.hpp"
#include "core/crypto.hpp"

namespace gpubox::aws {
namespace {

using testing::aws_fixture;

TEST(Ec2Network, KeyPairBuilders) {
  EXPECT_EQ(build_create_key_pair({"k", "ed25519", "pem", {{"gpubox", "managed"}}}),
            (QueryParams{{"KeyName", "k"},
                         {"KeyType", "ed25519"},
                         {"KeyFormat", "pem"},
                         {"TagSpecification.1.ResourceType", "key-pair"},
                         {"TagSpecification.1.Tag.1.Key", "gpubox"},
                         {"TagSpecification.1.Tag.1.Value", "managed"}}));
  const std::string line = "ssh-ed25519 AAAAC3Nza gpubox";
  const QueryParams imported = build_import_key_pair({"k", line, {}});
  ASSERT_EQ(imported.size(), 2u);
  EXPECT_EQ(imported[1].first, "PublicKeyMaterial");
  EXPECT_EQ(base64_decode(imported[1].second), line);
  EXPECT_EQ(build_delete_key_pair({"k", ""}), (QueryParams{{"KeyName", "k"}}));
  EXPECT_EQ(build_describe_key_pairs({{"k"}, {}, {}, true}),
            (QueryParams{{"KeyName.1", "k"}, {"IncludePublicKey", "true"}}));
}

TEST(Ec2Network, ParsesKeyPairReplies) {
  auto created = parse_create_key_pair(aws_fixture("ec2/create_key_pair.xml"));
  ASSERT_TRUE(created);
  EXPECT_EQ(created->name, "gpubox-rsa");
  EXPECT_TRUE(created->private_key.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
  auto imported = parse_import_key_pair(aws_fixture("ec2/import_key_pair.xml"));
  ASSERT_TRUE(imported);
  EXPECT_EQ(imported->name, "gpubox-ed");
  EXPECT_TRUE(imported->id.starts_with("key-"));
  EXPECT_TRUE(imported->private_key.empty());
  auto listed = parse_describe_key_pairs(aws_fixture("ec2/describe_key_pairs.xml"));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].type, "");  // moto omits keyType for RSA keys created without one
  EXPECT_EQ((*listed)[1].type, "ed25519");
  EXPECT_TRUE((*listed)[1].public_key.starts_with("ssh-ed25519 "));
  EXPECT_EQ(parse_delete_key_pair(aws_fixture("ec2/delete_key_pair.xml")), true);
}

TEST(Ec2Network, SecurityGroupBuildersUseModelWireNames) {
  EXPECT_EQ(
      build_create_security_group({"gpubox-ssh", "gpubox ssh", "vpc-1", {}}),
      (QueryParams{
          {"GroupName", "gpubox-ssh"}, {"GroupDescription", "gpubox ssh"}, {"VpcId", "vpc-1"}}));
  IngressInput in{"sg-1", {{"tcp", 22, 22, {{"203.0.113.7/32", "gpubox ssh"}}, {"sg-2"}, {}, {}}}};
  EXPECT_EQ(build_authorize_security_group_ingress(in),
            (QueryParams{{"GroupId", "sg-1"},
                         {"IpPermissions.1.IpProtocol", "tcp"},
                         {"IpPermissions.1.FromPort", "22"},
                         {"IpPermissions.1.ToPort", "22"},
                         {"IpPermissions.1.IpRanges.1.CidrIp", "203.0.113.7/32"},
                         {"IpPermissions.1.IpRanges.1.Description", "gpubox ssh"},
                         {"IpPermissions.1.Groups.1.GroupId", "sg-2"}}));
  EXPECT_EQ(build_revoke_security_group_ingress(in), build_authorize_security_group_ingress(in));
  EXPECT_EQ(build_delete_security_group({"sg-1", ""}), (QueryParams{{"GroupId", "sg-1"}}));
}

TEST(Ec2Network, ParsesSecurityGroupReplies) {
  auto created = parse_create_security_group(aws_fixture("ec2/create_security_group.xml"));
  ASSERT_TRUE(created);
  EXPECT_TRUE(created->id.starts_with("sg-"));
  EXPECT_TRUE(created->arn.ends_with(created->id));
  auto page = parse_describe_security_groups(aws_fixture("ec2/describe_security_groups.xml"));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->groups.size(), 1u);
  const SecurityGroup& g = page->groups[0];
  EXPECT_EQ(g.name, "gpubox-ssh");
  EXPECT_EQ(g.description, "gpubox ssh");
  ASSERT_EQ(g.ingress.size(), 1u);
  EXPECT_EQ(g.ingress[0].from_port, 22);
  EXPECT_EQ(g.ingress[0].ip_ranges.at(0).cidr, "203.0.113.7/32");
  EXPECT_EQ(g.ingress[0].ip_ranges.at(0).description, "gpubox ssh");
  ASSERT_EQ(g.egress.size(), 1u);
  EXPECT_EQ(g.egress[0].protocol, "-1");
  EXPECT_FALSE(g.egress[0].from_port.has_value());
  EXPECT_EQ(parse_authorize_security_group_ingress(
                aws_fixture("ec2/authorize_security_group_ingress.xml")),
            true);
  EXPECT_EQ(
      parse_revoke_security_group_ingress(aws_fixture("ec2/revoke_security_group_ingress.xml")),
      true);
  EXPECT_EQ(parse_delete_security_group(aws_fixture("ec2/delete_security_group.xml")), true);
}

TEST(Ec2Network, ExplicitFalseReturnIsReported) {
  EXPECT_EQ(
      parse_delete_security_group(
          "<DeleteSecurityGroupResponse><return>false</return></DeleteSecurityGroupResponse>"),
      false);
}

}  // namespace
}  // namespace gpubox::aws
