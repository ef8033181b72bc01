#include "box/launch/launch.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aws/aws_fixtures.hpp"
#include "box/ec2_replies.hpp"
#include "box/up_fixtures.hpp"
#include "core/paths.hpp"
#include "fakes/fake_file_system.hpp"
#include "fakes/recording_progress.hpp"
#include "fakes/temp_dir.hpp"

namespace gpubox::box {
namespace {

using testing::aws_fixture;
using up_testing::AwsHarness;
using up_testing::ec2_error;
using up_testing::empty_instances_xml;
using up_testing::instance_xml;

struct LaunchHarness : AwsHarness {
  LaunchHarness() : store(std::move(*state::BoxStore::open_memory())) {}
  LaunchDeps deps() { return LaunchDeps{*client, store, clock, progress, files}; }
  LaunchSpec spec(bool import_key) {
    LaunchSpec s;
    s.name = "lab";
    s.region = "us-east-1";
    s.zones = {"us-east-1a", "us-east-1b"};
    s.instance_type = "g4dn.xlarge";
    s.image_id = "ami-0123456789abcdef0";
    s.disk_gb = 120;
    s.allow_from = "203.0.113.7/32";
    if (import_key) {
      s.public_key_line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE test@host";
    }
    s.key_dir = "/data/gpubox/keys";
    s.user_data = "#!/bin/bash\n";
    s.tags = {{"gpubox:box", "lab"}, {"Name", "gpubox-lab"}};
    return s;
  }
  void expect_resources(bool import_key) {
    // Nothing tagged for this box and owner yet: fresh, unguessably named resources.
    http.respond("DescribeKeyPairs", 200, testing::describe_keys_xml({}, {}));
    http.respond("DescribeSecurityGroups", 200, testing::describe_groups_xml({}));
    if (import_key) {
      http.respond("ImportKeyPair", 200, aws_fixture("ec2/import_key_pair.xml"));
    } else {
      http.respond("CreateKeyPair", 200, aws_fixture("ec2/create_key_pair.xml"));
    }
    http.respond("CreateSecurityGroup", 200, aws_fixture("ec2/create_security_group.xml"));
    http.respond("AuthorizeSecurityGroupIngress", 200,
                 aws_fixture("ec2/authorize_security_group_ingress.xml"));
  }
  size_t count(const std::string& call) const {
    auto c = calls();
    return static_cast<size_t>(std::count(c.begin(), c.end(), call));
  }
  testing::FakeFileSystem files;
  state::BoxStore store;
  testing::RecordingProgress progress;
};

TEST(Launch, RunInstancesCarriesTheRecordedTokenAndSafeDefaults) {
  LaunchHarness h;
  h.expect_resources(true);
  h.http.respond("RunInstances", 200,
                 instance_xml("RunInstancesResponse", "i-1", "pending", "us-east-1a"));
  auto deps = h.deps();
  auto r = launch_instance(deps, h.spec(true));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->instance.id, "i-1");
  auto records = *h.store.launches("lab");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].status, state::LaunchStatus::launched);
  EXPECT_EQ(records[0].instance_id, "i-1");
  const std::string body = h.bodies("RunInstances").at(0);
  for (const char* want :
       {"MetadataOptions.HttpTokens=required", "Ebs.Encrypted=true", "Ebs.VolumeType=gp3",
        "Ebs.VolumeSize=120", "Ebs.DeleteOnTermination=true",
        "InstanceInitiatedShutdownBehavior=stop", "Placement.AvailabilityZone=us-east-1a",
        "TagSpecification.2.ResourceType=volume", "KeyName=gpubox-lab-"}) {
    EXPECT_NE(body.find(want), std::string::npos) << want << " in " << body;
  }
  EXPECT_NE(body.find("ClientToken=" + records[0].client_token), std::string::npos);
  const std::string ingress = h.bodies("AuthorizeSecurityGroupIngress").at(0);
  EXPECT_NE(ingress.find("CidrIp=203.0.113.7%2F32"), std::string::npos) << ingress;
  EXPECT_NE(ingress.find("FromPort=22"), std::string::npos);
}

TEST(Launch, NoCapacityInTheFirstZoneMovesOnWithAFreshToken) {
  LaunchHarness h;
  h.expect_resources(true);
  h.http.respond("RunInstances", 500, ec2_error("InsufficientInstanceCapacity"));
  h.http.respond("RunInstances", 200,
                 instance_xml("RunInstancesResponse", "i-2", "pending", "us-east-1b"));
  auto deps = h.deps();
  auto r = launch_instance(deps, h.spec(true));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->zone, "us-east-1b");
  EXPECT_EQ(r->failed_zones, std::vector<std::string>{"us-east-1a"});
  auto records = *h.store.launches("lab");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].status, state::LaunchStatus::failed);
  EXPECT_EQ(records[1].status, state::LaunchStatus::launched);
  EXPECT_NE(records[0].client_token, records[1].client_token);
  auto bodies = h.bodies("RunInstances");
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_NE(bodies[1].find("Placement.AvailabilityZone=us-east-1b"), std::string::npos);
  EXPECT_EQ(h.count("CreateSecurityGroup"), 1u);
}

TEST(Launch, VcpuLimitStopsAndRemovesWhatItCreated) {
  LaunchHarness h;
  h.expect_resources(false);
  h.http.respond("RunInstances", 400,
                 ec2_error("VcpuLimitExceeded", "You have requested more vCPU"));
  h.http.respond("DeleteSecurityGroup", 200, aws_fixture("ec2/delete_security_group.xml"));
  h.http.respond("DeleteKeyPair", 200, aws_fixture("ec2/delete_key_pair.xml"));
  auto deps = h.deps();
  auto spec = h.spec(false);
  auto r = launch_instance(deps, spec);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::quota);
  EXPECT_EQ(r.error().aws_code, "VcpuLimitExceeded");
  EXPECT_EQ(h.count("RunInstances"), 1u);  // never tried in the next zone
  EXPECT_EQ(h.count("DeleteSecurityGroup"), 1u);
  EXPECT_EQ(h.count("DeleteKeyPair"), 1u);
  EXPECT_FALSE(h.files.exists(created_key_path(spec.key_dir, "lab")));
  EXPECT_EQ(h.files.removed,
            (std::vector<std::string>{created_key_path(spec.key_dir, "lab").string()}));
  EXPECT_FALSE(*h.store.open_launch("lab"));
}

TEST(Launch, CreatedPrivateKeyIsSavedOwnerOnly) {
  LaunchHarness h;
  h.expect_resources(false);
  h.http.respond("RunInstances", 200,
                 instance_xml("RunInstancesResponse", "i-3", "pending", "us-east-1a"));
  auto deps = h.deps();
  auto spec = h.spec(false);
  auto r = launch_instance(deps, spec);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->created_key_path, created_key_path(spec.key_dir, "lab"));
  ASSERT_TRUE(h.files.content(r->created_key_path));
  EXPECT_TRUE(h.files.content(r->created_key_path)->starts_with("-----BEGIN RSA PRIVATE KEY-----"));
  EXPECT_EQ(h.files.mode(r->created_key_path), 0600u);
  EXPECT_EQ(h.files.mode(spec.key_dir), 0700u);
  for (const auto& line : h.progress.lines()) {
    EXPECT_EQ(line.find("PRIVATE KEY"), std::string::npos) << line;
  }
}

TEST(Launch, AnInterruptedLaunchIsFoundByItsClientToken) {
  LaunchHarness h;
  auto first =
      h.store.begin_launch({"lab", "us-east-1", "us-east-1a", "g4dn.xlarge", h.clock.now()});
  ASSERT_TRUE(first);
  h.http.respond("DescribeInstances", 200,
                 instance_xml("DescribeInstancesResponse", "i-9", "pending", "us-east-1a"));
  auto deps = h.deps();
  auto r = launch_instance(deps, h.spec(true));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->resumed);
  EXPECT_EQ(r->instance.id, "i-9");
  EXPECT_EQ(h.count("RunInstances"), 0u);
  EXPECT_EQ(h.count("CreateSecurityGroup"), 0u);
  const std::string body = h.bodies("DescribeInstances").at(0);
  EXPECT_NE(body.find("Filter.1.Name=client-token"), std::string::npos);
  EXPECT_NE(body.find(first->client_token), std::string::npos);
  EXPECT_EQ((*h.store.launches("lab")).at(0).status, state::LaunchStatus::launched);
}

TEST(Launch, AnInterruptedLaunchWithoutInstanceResendsTheSameToken) {
  LaunchHarness h;
  auto first =
      h.store.begin_launch({"lab", "us-east-1", "us-east-1b", "g4dn.xlarge", h.clock.now()});
  ASSERT_TRUE(first);
  h.http.respond("DescribeInstances", 200, empty_instances_xml());
  // The interrupted run's key pair and group, found by their tags: the key is the user's and the
  // group holds exactly the intended rule, so both are reused as they are.
  h.http.respond("DescribeKeyPairs", 200,
                 "<DescribeKeyPairsResponse><keySet><item><keyName>gpubox-lab-0a0b0c0d</keyName>"
                 "<keyPairId>key-1</keyPairId><publicKey>ssh-ed25519 "
                 "AAAAC3NzaC1lZDI1NTE5AAAAIE other-comment</publicKey></item></keySet>"
                 "</DescribeKeyPairsResponse>");
  h.http.respond(
      "DescribeSecurityGroups", 200,
      testing::describe_groups_xml({{"sg-1", "gpubox-lab-0a0b0c0d", {}, {"203.0.113.7/32"}}}));
  h.http.respond("AuthorizeSecurityGroupIngress", 400, ec2_error("InvalidPermission.Duplicate"));
  h.http.respond("RunInstances", 200,
                 instance_xml("RunInstancesResponse", "i-4", "pending", "us-east-1b"));
  auto deps = h.deps();
  auto r = launch_instance(deps, h.spec(true));
  ASSERT_TRUE(r) << r.error().message;
  const std::string body = h.bodies("RunInstances").at(0);
  EXPECT_NE(body.find("ClientToken=" + first->client_token), std::string::npos);
  EXPECT_NE(body.find("Placement.AvailabilityZone=us-east-1b"), std::string::npos) << body;
  EXPECT_EQ((*h.store.launches("lab")).size(), 1u);
  EXPECT_NE(body.find("KeyName=gpubox-lab-0a0b0c0d"), std::string::npos) << body;
  EXPECT_EQ(h.count("ImportKeyPair"), 0u);
  EXPECT_EQ(h.count("CreateSecurityGroup"), 0u);
  EXPECT_EQ(h.count("RevokeSecurityGroupIngress"), 0u);
  // Found by tags (box and owner), never by name.
  const std::string keys = h.bodies("DescribeKeyPairs").at(0);
  EXPECT_NE(keys.find("Filter.1.Name=tag%3Agpubox%3Abox"), std::string::npos) << keys;
  EXPECT_NE(keys.find("Filter.2.Name=tag%3Agpubox%3Aowner"), std::string::npos) << keys;
  EXPECT_EQ(keys.find("KeyName.1"), std::string::npos) << keys;
}

TEST(Launch, ATaggedKeyPairWithAnotherPublicKeyIsRefused) {
  LaunchHarness h;
  h.http.respond("DescribeKeyPairs", 200,
                 "<DescribeKeyPairsResponse><keySet><item><keyName>gpubox-lab</keyName>"
                 "<publicKey>ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMallory x</publicKey></item>"
                 "</keySet></DescribeKeyPairsResponse>");
  auto deps = h.deps();
  auto r = launch_instance(deps, h.spec(true));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::conflict);
  EXPECT_NE(r.error().message.find("another public key than yours"), std::string::npos);
  EXPECT_EQ(h.count("RunInstances"), 0u);
  EXPECT_EQ(h.count("ImportKeyPair"), 0u);
}

TEST(ExtraIngress, EverythingButTcp22FromTheAllowedCidrIsRevoked) {
  aws::IpPermission ssh{"tcp", 22,       22, {{"203.0.113.7/32", ""}, {"0.0.0.0/0", ""}},
                        {},    {"::/0"}, {}};
  aws::IpPermission all{"-1",     std::nullopt, std::nullopt, {{"203.0.113.7/32", ""}},
                        {"sg-9"}, {},           {"pl-1"}};
  auto extra = extra_ingress({ssh, all}, "203.0.113.7/32");
  ASSERT_EQ(extra.size(), 2u);
  ASSERT_EQ(extra[0].ip_ranges.size(), 1u);
  EXPECT_EQ(extra[0].ip_ranges[0].cidr, "0.0.0.0/0");
  EXPECT_EQ(extra[0].ipv6_ranges, std::vector<std::string>{"::/0"});
  EXPECT_EQ(extra[1].protocol, "-1");
  EXPECT_EQ(extra[1].ip_ranges.size(), 1u);  // the right CIDR on every port is still too much
  EXPECT_EQ(extra[1].source_group_ids, std::vector<std::string>{"sg-9"});
  EXPECT_EQ(extra[1].prefix_list_ids, std::vector<std::string>{"pl-1"});
  aws::IpPermission exact{"tcp", 22, 22, {{"203.0.113.7/32", ""}}, {}, {}, {}};
  EXPECT_TRUE(extra_ingress({exact}, "203.0.113.7/32").empty());
}

TEST(PublicKeyOfPrivate, ReadsThePublicHalfOfAnOpenSshKey) {
  testing::ScopedTempDir tmp;
  const auto key = tmp.path() / "k";
  ASSERT_EQ(std::system(("ssh-keygen -q -t ed25519 -N '' -f " + key.string()).c_str()), 0);
  const std::string pub = read_file(key.string() + ".pub").value_or("");
  const std::string derived = public_key_of_private(read_file(key).value_or(""));
  EXPECT_TRUE(derived.starts_with("ssh-ed25519 AAAA")) << derived;
  EXPECT_TRUE(same_public_key(derived, pub)) << derived << " vs " << pub;
  EXPECT_EQ(public_key_of_private("-----BEGIN RSA PRIVATE KEY-----\nxx\n"), "");
  EXPECT_FALSE(same_public_key("ssh-ed25519 AAAA1 a", "ssh-ed25519 AAAA2 a"));
  EXPECT_FALSE(same_public_key("", ""));
}

TEST(Launch, NoCapacityAnywhereCleansUpAndSaysCapacity) {
  LaunchHarness h;
  h.expect_resources(true);
  h.http.respond("RunInstances", 500, ec2_error("InsufficientInstanceCapacity"));
  h.http.respond("RunInstances", 400, ec2_error("Unsupported"));
  h.http.respond("DeleteSecurityGroup", 200, aws_fixture("ec2/delete_security_group.xml"));
  h.http.respond("DeleteKeyPair", 200, aws_fixture("ec2/delete_key_pair.xml"));
  auto deps = h.deps();
  auto r = launch_instance(deps, h.spec(true));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::capacity);
  EXPECT_EQ(h.count("RunInstances"), 2u);
  EXPECT_EQ(h.count("DeleteSecurityGroup"), 1u);
  EXPECT_TRUE(h.http.unused().empty());
}

TEST(Launch, NoAnswerKeepsTheRecordPendingAndTheResources) {
  LaunchHarness h;
  h.expect_resources(true);
  h.http.fail_network("RunInstances");
  auto deps = h.deps();
  auto r = launch_instance(deps, h.spec(true));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().hint.find("gpubox up lab"), std::string::npos);
  auto open = *h.store.open_launch("lab");
  ASSERT_TRUE(open);
  EXPECT_EQ(open->status, state::LaunchStatus::pending);
  EXPECT_EQ(h.count("DeleteSecurityGroup"), 0u);
}

TEST(Launch, NotFoundRightAfterCreatingIsRetriedNotCleanedUp) {
  LaunchHarness h;
  h.http.respond("DescribeKeyPairs", 200, testing::describe_keys_xml({}, {}));
  h.http.respond("DescribeSecurityGroups", 200, testing::describe_groups_xml({}));
  h.http.respond("ImportKeyPair", 200, aws_fixture("ec2/import_key_pair.xml"));
  h.http.respond("CreateSecurityGroup", 200, aws_fixture("ec2/create_security_group.xml"));
  h.http.respond("AuthorizeSecurityGroupIngress", 400, ec2_error("InvalidGroup.NotFound"));
  h.http.respond("AuthorizeSecurityGroupIngress", 200,
                 aws_fixture("ec2/authorize_security_group_ingress.xml"));
  h.http.respond("RunInstances", 400, ec2_error("InvalidKeyPair.NotFound"));
  h.http.respond("RunInstances", 400, ec2_error("InvalidGroup.NotFound"));
  h.http.respond("RunInstances", 200,
                 instance_xml("RunInstancesResponse", "i-5", "pending", "us-east-1a"));
  auto deps = h.deps();
  auto r = launch_instance(deps, h.spec(true));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->instance.id, "i-5");
  EXPECT_EQ(h.count("DeleteSecurityGroup"), 0u);
  EXPECT_EQ(h.count("DeleteKeyPair"), 0u);
  auto bodies = h.bodies("RunInstances");
  ASSERT_EQ(bodies.size(), 3u);
  EXPECT_EQ(bodies[0], bodies[2]);  // the same parameters, the same ClientToken
  EXPECT_EQ(h.clock.sleeps.size(), 3u);
  EXPECT_EQ(h.clock.sleeps.at(0), std::chrono::milliseconds(250));
}

TEST(Launch, NotFoundGivesUpAfterAboutAMinute) {
  LaunchHarness h;
  h.expect_resources(true);
  for (int i = 0; i < 30; ++i) {
    h.http.respond("RunInstances", 400, ec2_error("InvalidGroup.NotFound"));
  }
  h.http.respond("DeleteSecurityGroup", 200, aws_fixture("ec2/delete_security_group.xml"));
  h.http.respond("DeleteKeyPair", 200, aws_fixture("ec2/delete_key_pair.xml"));
  auto deps = h.deps();
  auto r = launch_instance(deps, h.spec(true));
  ASSERT_FALSE(r);
  Duration slept{0};
  for (auto d : h.clock.sleeps) {
    slept += d;
  }
  EXPECT_LE(slept, std::chrono::seconds(60));
  EXPECT_GE(slept, std::chrono::seconds(40));
}

TEST(Launch, AResumedLaunchReplaysTheFirstAttemptsParametersExactly) {
  LaunchHarness h;
  auto first =
      h.store.begin_launch({"lab", "us-east-1", "us-east-1a", "g4dn.xlarge", h.clock.now()});
  ASSERT_TRUE(first);
  auto spec = h.spec(true);
  spec.tags["gpubox:created"] = "2026-01-01T00:00:00Z";
  auto wire = aws::build_run_instances(
      run_input(spec, "us-east-1a", first->client_token, "gpubox-lab", "sg-first"));
  std::string json = "[";
  for (const auto& [k, v] : wire) {
    json += (json.size() > 1 ? "," : "") + nlohmann::json::array({k, v}).dump();
  }
  json += "]";
  ASSERT_TRUE(h.store.fix_launch_params(first->client_token, json));
  h.http.respond("DescribeInstances", 200, empty_instances_xml());
  // The first attempt's group, still tagged as ours, but someone opened it to the world since:
  // the replay cuts it back to tcp/22 from the allowed CIDR before launching into it.
  h.http.respond("DescribeSecurityGroups", 200,
                 testing::describe_groups_xml(
                     {{"sg-first", "gpubox-lab-0a0b0c0d", {}, {"203.0.113.7/32", "0.0.0.0/0"}}}));
  h.http.respond("RevokeSecurityGroupIngress", 200,
                 "<RevokeSecurityGroupIngressResponse><return>true</return>"
                 "</RevokeSecurityGroupIngressResponse>");
  h.http.respond("AuthorizeSecurityGroupIngress", 400, ec2_error("InvalidPermission.Duplicate"));
  h.http.respond("RunInstances", 200,
                 instance_xml("RunInstancesResponse", "i-6", "pending", "us-east-1a"));
  auto deps = h.deps();
  spec.tags["gpubox:created"] = "2026-01-01T00:05:00Z";  // what a second run would stamp
  auto r = launch_instance(deps, spec);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->security_group_id, "sg-first");
  EXPECT_EQ(h.count("ImportKeyPair"), 0u);
  EXPECT_EQ(h.count("CreateSecurityGroup"), 0u);
  const std::string body = h.bodies("RunInstances").at(0);
  EXPECT_NE(body.find("2026-01-01T00%3A00%3A00Z"), std::string::npos) << body;
  EXPECT_EQ(body.find("00%3A05%3A00Z"), std::string::npos) << body;
  EXPECT_NE(body.find("SecurityGroupId.1=sg-first"), std::string::npos) << body;
  const std::string groups = h.bodies("DescribeSecurityGroups").at(0);
  EXPECT_NE(groups.find("GroupId.1=sg-first"), std::string::npos) << groups;
  EXPECT_NE(groups.find("tag%3Agpubox%3Aowner"), std::string::npos) << groups;
  const std::string revoke = h.bodies("RevokeSecurityGroupIngress").at(0);
  EXPECT_NE(revoke.find("0.0.0.0%2F0"), std::string::npos) << revoke;
  EXPECT_EQ(revoke.find("203.0.113.7"), std::string::npos) << revoke;
}

TEST(Launch, AResumedLaunchWhoseGroupIsNoLongerOursIsRefused) {
  LaunchHarness h;
  auto first =
      h.store.begin_launch({"lab", "us-east-1", "us-east-1a", "g4dn.xlarge", h.clock.now()});
  ASSERT_TRUE(first);
  auto spec = h.spec(true);
  auto wire = aws::build_run_instances(
      run_input(spec, "us-east-1a", first->client_token, "gpubox-lab-0a0b0c0d", "sg-first"));
  std::string json = "[";
  for (const auto& [k, v] : wire) {
    json += (json.size() > 1 ? "," : "") + nlohmann::json::array({k, v}).dump();
  }
  json += "]";
  ASSERT_TRUE(h.store.fix_launch_params(first->client_token, json));
  h.http.respond("DescribeInstances", 200, empty_instances_xml());
  h.http.respond("DescribeSecurityGroups", 200, testing::describe_groups_xml({}));
  auto deps = h.deps();
  auto r = launch_instance(deps, spec);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::conflict);
  EXPECT_NE(r.error().message.find("no longer tagged"), std::string::npos) << r.error().message;
  EXPECT_EQ(h.count("RunInstances"), 0u);
}

TEST(Launch, IdempotentParameterMismatchDeletesNothing) {
  LaunchHarness h;
  h.expect_resources(false);
  h.http.respond("RunInstances", 400, ec2_error("IdempotentParameterMismatch"));
  auto deps = h.deps();
  auto spec = h.spec(false);
  auto r = launch_instance(deps, spec);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().hint.find("nothing was deleted"), std::string::npos);
  EXPECT_EQ(h.count("DeleteSecurityGroup"), 0u);
  EXPECT_EQ(h.count("DeleteKeyPair"), 0u);
  EXPECT_TRUE(h.files.exists(created_key_path(spec.key_dir, "lab")));
  EXPECT_TRUE(*h.store.open_launch("lab"));
}

// A key pair tagged as this box of this owner whose private key is not saved here (the reply of
// an earlier CreateKeyPair, its only copy, was lost).
std::string lost_key_xml() {
  return "<DescribeKeyPairsResponse><keySet><item><keyName>gpubox-lab-0a0b0c0d</keyName>"
         "<publicKey>ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIlost x</publicKey>"
         "<tagSet><item><key>gpubox:box</key><value>lab</value></item></tagSet>"
         "</item></keySet></DescribeKeyPairsResponse>";
}

TEST(Launch, ALostCreateKeyPairReplyReplacesOurUnusedKeyPair) {
  LaunchHarness h;
  h.http.respond("DescribeKeyPairs", 200, lost_key_xml());
  h.http.respond("DescribeSecurityGroups", 200, testing::describe_groups_xml({}));
  h.http.respond("DescribeInstances", 200, empty_instances_xml());
  h.http.respond("DeleteKeyPair", 200, aws_fixture("ec2/delete_key_pair.xml"));
  h.http.respond("CreateKeyPair", 200, aws_fixture("ec2/create_key_pair.xml"));
  h.http.respond("CreateSecurityGroup", 200, aws_fixture("ec2/create_security_group.xml"));
  h.http.respond("AuthorizeSecurityGroupIngress", 200,
                 aws_fixture("ec2/authorize_security_group_ingress.xml"));
  h.http.respond("RunInstances", 200,
                 instance_xml("RunInstancesResponse", "i-7", "pending", "us-east-1a"));
  auto deps = h.deps();
  auto r = launch_instance(deps, h.spec(false));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(h.count("DeleteKeyPair"), 1u);
  EXPECT_NE(h.bodies("DeleteKeyPair").at(0).find("KeyName=gpubox-lab-0a0b0c0d"), std::string::npos);
  EXPECT_NE(h.bodies("DescribeInstances").at(0).find("Filter.1.Name=key-name"), std::string::npos);
  // The new pair gets a fresh unguessable name, not the lost one's.
  const std::string created = h.bodies("CreateKeyPair").at(0);
  EXPECT_NE(created.find("KeyName=gpubox-lab-"), std::string::npos) << created;
  EXPECT_EQ(created.find("KeyName=gpubox-lab-0a0b0c0d"), std::string::npos) << created;
}

TEST(Launch, ALostCreateKeyPairReplyNeverDeletesAKeyPairInUse) {
  LaunchHarness h;
  h.http.respond("DescribeKeyPairs", 200, lost_key_xml());
  h.http.respond("DescribeSecurityGroups", 200, testing::describe_groups_xml({}));
  h.http.respond("DescribeInstances", 200,
                 instance_xml("DescribeInstancesResponse", "i-8", "running", "us-east-1a"));
  h.http.respond("CreateSecurityGroup", 200, aws_fixture("ec2/create_security_group.xml"));
  h.http.respond("AuthorizeSecurityGroupIngress", 200,
                 aws_fixture("ec2/authorize_security_group_ingress.xml"));
  h.http.respond("DeleteSecurityGroup", 200, aws_fixture("ec2/delete_security_group.xml"));
  auto deps = h.deps();
  auto r = launch_instance(deps, h.spec(false));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::conflict);
  EXPECT_NE(r.error().message.find("used by i-8"), std::string::npos) << r.error().message;
  EXPECT_EQ(h.count("DeleteKeyPair"), 0u);
  EXPECT_EQ(h.count("CreateKeyPair"), 0u);
  EXPECT_EQ(h.count("RunInstances"), 0u);
}

TEST(Launch, AKeyPairMerelyNamedLikeTheBoxIsNeverLookedUpByName) {
  // Someone imported their own key as "gpubox-lab": gpubox looks for its pairs by tags only and
  // makes a fresh unguessably named one, so that key is neither used nor deleted.
  LaunchHarness h;
  h.expect_resources(false);
  h.http.respond("RunInstances", 200,
                 instance_xml("RunInstancesResponse", "i-9", "pending", "us-east-1a"));
  auto deps = h.deps();
  auto r = launch_instance(deps, h.spec(false));
  ASSERT_TRUE(r) << r.error().message;
  const std::string find = h.bodies("DescribeKeyPairs").at(0);
  EXPECT_EQ(find.find("KeyName.1"), std::string::npos) << find;
  EXPECT_NE(find.find("tag%3Agpubox%3Abox"), std::string::npos) << find;
  EXPECT_EQ(h.count("DeleteKeyPair"), 0u);
  EXPECT_TRUE(r->key_name.starts_with("gpubox-lab-")) << r->key_name;
  EXPECT_EQ(r->key_name.size(), std::string("gpubox-lab-").size() + 8);
}

}  // namespace
}  // namespace gpubox::box
