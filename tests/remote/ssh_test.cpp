#include "remote/ssh.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "remote/stand_in.hpp"

namespace gpubox::remote {
namespace {

TEST(StandIn, OnlyAwsDomainsAreRealAws) {
  for (const char* url :
       {"https://ec2.us-east-1.amazonaws.com", "https://ec2.cn-north-1.amazonaws.com.cn",
        "https://ec2.us-east-1.api.aws", "https://EC2.US-EAST-1.AMAZONAWS.COM.",
        "https://sts.amazonaws.com/"}) {
    EXPECT_FALSE(is_stand_in_endpoint(url)) << url;
  }
}

TEST(StandIn, AddressesAndOtherNamesAreStandIns) {
  // Each of these slipped through a string match for "127." / "localhost" / "::1".
  for (const char* url :
       {"http://[::ffff:127.0.0.1]:5000", "http://0.0.0.0:5000", "http://moto:5000",
        "http://127.0.0.1:5000", "http://[::1]:5000/", "http://localhost:4566",
        "http://2130706433:5000", "http://10.0.0.5", "http://amazonaws.com",
        "http://evil-amazonaws.com", "http://ec2.amazonaws.com.evil.example",
        "http://user@ec2.us-east-1.amazonaws.com@127.0.0.1:5000", "not a url", ""}) {
    EXPECT_TRUE(is_stand_in_endpoint(url)) << url;
  }
}

TEST(StandIn, AddressLiteralsAreParsedNotMatched) {
  EXPECT_TRUE(is_ip_literal("::ffff:127.0.0.1"));
  EXPECT_TRUE(is_ip_literal("0.0.0.0"));
  EXPECT_TRUE(is_ip_literal("fe80::1%eth0"));
  EXPECT_FALSE(is_ip_literal("127.example"));
  EXPECT_EQ(endpoint_host("http://[::FFFF:127.0.0.1]:5000/x"), "::ffff:127.0.0.1");
}

TEST(StandIn, BoxesOfAStandInAreNeverConnectedToTheirAddress) {
  state::Box box;
  box.name = "lab";
  box.kind = state::BoxKind::aws;
  box.public_ip = "54.214.1.2";
  ConnectPolicy policy;
  policy.endpoint_is_local = true;
  auto refused = target_for(box, "/k", policy);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("invented"), std::string::npos);
  policy.connect_override = "127.0.0.1:2222";
  auto local = target_for(box, "/k", policy);
  ASSERT_TRUE(local) << local.error().message;
  EXPECT_EQ(local->host, "127.0.0.1");
  EXPECT_EQ(local->port, 2222);
}

TEST(SshArgv, NeverForwardsTheAgentOrX11AndUsesOnlyTheBoxKey) {
  SshTarget t;
  t.name = "lab";
  t.user = "ubuntu";
  t.host = "127.0.0.1";
  t.key_path = "/data/keys/lab.pem";
  t.known_hosts = "/data/known_hosts";
  auto argv = ssh_argv(t, {}, {"true"});
  auto has = [&](std::string_view a, std::string_view b) {
    for (size_t i = 0; i + 1 < argv.size(); ++i) {
      if (argv[i] == a && argv[i + 1] == b) {
        return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(has("-o", "ForwardAgent=no"));
  EXPECT_TRUE(has("-o", "ForwardX11=no"));
  EXPECT_TRUE(has("-o", "HashKnownHosts=no"));  // so rm can remove the entry again
  EXPECT_TRUE(has("-o", "IdentitiesOnly=yes"));
  EXPECT_TRUE(has("-i", "/data/keys/lab.pem"));
  // The options come before the host, so the user's ~/.ssh/config cannot override them.
  auto host = std::find(argv.begin(), argv.end(), "127.0.0.1");
  auto agent = std::find(argv.begin(), argv.end(), "ForwardAgent=no");
  EXPECT_LT(agent, host);
}

}  // namespace
}  // namespace gpubox::remote
