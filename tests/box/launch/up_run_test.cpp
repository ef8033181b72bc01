// run_up against fakes: the launch is recorded, the host keys the instance prints on its console
// are pinned, and nothing secret goes into the user-data.

#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include "aws/aws_fixtures.hpp"
#include "box/launch/up.hpp"
#include "box/up_fixtures.hpp"
#include "core/crypto.hpp"
#include "core/paths.hpp"
#include "fakes/fake_process_runner.hpp"
#include "fakes/temp_dir.hpp"

namespace gpubox::box {
namespace {

using testing::aws_fixture;
using up_testing::AwsHarness;
using up_testing::instance_xml;

constexpr const char* k_ed25519 =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGTJblbThrkX2Z8+M+zxesARUs1jrKv7EC2VF/fZM01h";
constexpr const char* k_ecdsa =
    "ecdsa-sha2-nistp256 "
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBD8+5VnTB375PAqOffTuMWhl/"
    "PebkBM6HcSctfKoHVRxnLOLwKXMr65GNYBtrIDOCm3kIEI+whoiHGHMsu+FjO0=";

// What cloud-init prints on the serial console of a fresh Ubuntu instance.
std::string console_with_host_keys() {
  return fmt::format(
      "[   10.0] cloud-init[812]: Cloud-init v. 24.1 running 'modules:final'\n"
      "-----BEGIN SSH HOST KEY KEYS-----\n{} root@ip-10-0-0-1\n{} root@ip-10-0-0-1\n"
      "-----END SSH HOST KEY KEYS-----\n"
      "[   11.0] cloud-init[812]: Cloud-init v. 24.1 finished\n",
      k_ecdsa, k_ed25519);
}

std::string console_xml(const std::string& text) {
  return "<GetConsoleOutputResponse><instanceId>i-1</instanceId>"
         "<timestamp>2026-11-26T06:21:58.000Z</timestamp><output>" +
         base64_encode(text) + "</output></GetConsoleOutputResponse>";
}

// Credentials no byte of the box's user-data may contain.
const aws::Credentials k_canary{"AKIAGPUBOXCANARY0001",
                                "gpubox-canary-secret-6f1c0d9e8a7b",
                                "gpubox-canary-session-token-3c2b1a",
                                {},
                                "test"};

struct UpRunHarness : AwsHarness {
  UpRunHarness() : store(std::move(*state::BoxStore::open_memory())) {
    client = std::make_unique<aws::AwsClient>(aws::ClientDeps{http, clock, canary, settings},
                                              [] { return 0.0; });
  }

  UpDeps deps() { return UpDeps{*client, store, clock, runner, cat, tmp.path(), {}}; }

  static UpInput input() {
    UpInput in;
    in.name = "lab";
    in.public_key_line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE test@host";
    in.wait = WaitLevel::running;
    return in;
  }

  static UpPlan plan() {
    UpPlan p;
    p.name = "lab";
    p.where.region = "us-east-1";
    p.where.zones = {"us-east-1a"};
    p.where.type.instance_type = "g4dn.xlarge";
    p.where.type.arch = "x86_64";
    p.where.type.on_demand_usd = 0.526;
    p.image.ami_id = "ami-0123456789abcdef0";
    p.image.ssh_user = "ubuntu";
    p.allow_from = "203.0.113.7/32";
    p.disk_gb = 100;
    return p;
  }

  // The default VPC and its subnet in the zone, the launch itself, then EC2 saying the instance
  // runs.
  void expect_launch() {
    http.respond("DescribeVpcs", 200,
                 "<DescribeVpcsResponse><vpcSet><item><vpcId>vpc-1</vpcId>"
                 "<isDefault>true</isDefault></item></vpcSet></DescribeVpcsResponse>");
    http.respond("DescribeSubnets", 200,
                 "<DescribeSubnetsResponse><subnetSet><item><subnetId>subnet-1</subnetId>"
                 "<vpcId>vpc-1</vpcId><availabilityZone>us-east-1a</availabilityZone>"
                 "<defaultForAz>true</defaultForAz><mapPublicIpOnLaunch>true</mapPublicIpOnLaunch>"
                 "<state>available</state></item></subnetSet></DescribeSubnetsResponse>");
    // Nothing tagged for this box and owner yet (issue 10: found by tags, never by name).
    http.respond("DescribeKeyPairs", 200,
                 "<DescribeKeyPairsResponse><keySet/></DescribeKeyPairsResponse>");
    http.respond(
        "DescribeSecurityGroups", 200,
        "<DescribeSecurityGroupsResponse><securityGroupInfo/></DescribeSecurityGroupsResponse>");
    http.respond("ImportKeyPair", 200, aws_fixture("ec2/import_key_pair.xml"));
    http.respond("CreateSecurityGroup", 200, aws_fixture("ec2/create_security_group.xml"));
    http.respond("AuthorizeSecurityGroupIngress", 200,
                 aws_fixture("ec2/authorize_security_group_ingress.xml"));
    http.respond("RunInstances", 200,
                 instance_xml("RunInstancesResponse", "i-1", "pending", "us-east-1a"));
    http.respond("DescribeInstances", 200,
                 instance_xml("DescribeInstancesResponse", "i-1", "running", "us-east-1a"));
  }

  std::filesystem::path known_hosts() { return tmp.path() / "known_hosts"; }

  aws::StaticCredentialProvider canary{k_canary};
  testing::ScopedTempDir tmp;
  state::BoxStore store;
  catalog::Catalog cat;
  testing::FakeProcessRunner runner;
};

TEST(UpRun, PinsTheHostKeysTheInstancePrintsOnItsConsole) {
  UpRunHarness h;
  h.expect_launch();
  h.http.respond("GetConsoleOutput", 200, console_xml(console_with_host_keys()));
  auto deps = h.deps();
  auto r = run_up(deps, UpRunHarness::input(), UpRunHarness::plan(), "arn:aws:iam::1:user/me");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(h.http.verify());
  EXPECT_TRUE(r->box.host_key_pinned);
  auto known = read_file(h.known_hosts());
  ASSERT_TRUE(known) << "up wrote no known_hosts";
  EXPECT_NE(known->find(std::string("lab ") + k_ed25519), std::string::npos) << *known;
  EXPECT_NE(known->find(std::string("lab ") + k_ecdsa), std::string::npos) << *known;
  auto saved = h.store.get_box("lab");
  ASSERT_TRUE(saved);
  EXPECT_TRUE(saved->host_key_pinned);  // later ssh checks the key strictly
}

TEST(UpRun, AConsoleWithoutKeysYetPinsNothing) {
  UpRunHarness h;
  h.expect_launch();
  h.http.respond("GetConsoleOutput", 200, console_xml("[    0.0] Linux version 6.8\n"));
  auto deps = h.deps();
  auto r = run_up(deps, UpRunHarness::input(), UpRunHarness::plan(), "arn:aws:iam::1:user/me");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(h.http.verify());
  EXPECT_FALSE(r->box.host_key_pinned);
  EXPECT_FALSE(std::filesystem::exists(h.known_hosts()));
}

TEST(UpRun, UserDataCarriesNoAwsCredentials) {
  UpRunHarness h;
  h.expect_launch();
  h.http.respond("GetConsoleOutput", 200, console_xml(""));
  auto deps = h.deps();
  auto r = run_up(deps, UpRunHarness::input(), UpRunHarness::plan(), "arn:aws:iam::1:user/me");
  ASSERT_TRUE(r) << r.error().message;
  std::string user_data;
  for (const auto& req : h.http.requests()) {
    if (testing::FakeHttpClient::call_of(req) == "RunInstances") {
      user_data = base64_decode(testing::FakeHttpClient::params_of(req)["UserData"]);
    }
  }
  ASSERT_TRUE(user_data.starts_with("#!/bin/bash\n")) << user_data.substr(0, 80);
  for (const std::string& secret :
       {k_canary.access_key_id, k_canary.secret_access_key, k_canary.session_token}) {
    EXPECT_EQ(user_data.find(secret), std::string::npos) << secret;
  }
  EXPECT_EQ(user_data.find("AWS_"), std::string::npos);
}

}  // namespace
}  // namespace gpubox::box
