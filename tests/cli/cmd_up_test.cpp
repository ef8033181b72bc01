#include "cli/cmd_up.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "box/up_fixtures.hpp"
#include "cli/test_env.hpp"

namespace gpubox::cli {
namespace {

using testing::make_test_env;
namespace up = gpubox::box::up_testing;

// What a dry run of g4dn.xlarge in us-east-1 with --image ami-0123456789abcdef0 asks AWS: the zones
// that offer the type, the G quota and its use, and the image.
void plan_replies(testing::TestEnv& t) {
  t.http.respond("DescribeInstanceTypeOfferings", 200,
                 up::offerings_xml({{"g4dn.xlarge", "us-east-1a"}, {"g4dn.xlarge", "us-east-1b"}},
                                   "availability-zone"));
  t.http.respond("ListServiceQuotas", 200,
                 R"({"Quotas":[{"QuotaCode":"L-DB2E81BA","QuotaName":"Running On-Demand G and )"
                 R"(VT instances","Value":16,"ServiceCode":"ec2"}]})");
  t.http.respond("DescribeInstances", 200, up::empty_instances_xml());
  t.http.respond("DescribeImages", 200,
                 up::images_xml(up::image_item("ami-0123456789abcdef0",
                                               "Deep Learning OSS Nvidia Driver AMI GPU "
                                               "PyTorch 2.5 (Ubuntu 22.04) 20250101",
                                               "x86_64", "2025-01-01T00:00:00.000Z")));
}

TEST(CmdUp, DryRunJsonIsThePlanAndCreatesNothing) {
  auto t = make_test_env();
  t->use_test_catalog();
  plan_replies(*t);
  ASSERT_EQ(t->run({"up", "lab", "--type", "g4dn.xlarge", "--image", "ami-0123456789abcdef0",
                    "--allow-from", "198.51.100.7/32", "--dry-run", "--json"}),
            0)
      << t->err.str();
  auto doc = nlohmann::json::parse(t->out.str());
  EXPECT_EQ(doc["dry_run"], true);
  EXPECT_EQ(doc["name"], "lab");
  EXPECT_EQ(doc["region"], "us-east-1");
  EXPECT_EQ(doc["zones"], (nlohmann::json{"us-east-1a", "us-east-1b"}));
  EXPECT_EQ(doc["instance_type"], "g4dn.xlarge");
  EXPECT_EQ(doc["image"]["id"], "ami-0123456789abcdef0");
  EXPECT_EQ(doc["security_group"]["ingress"][0]["cidr"], "198.51.100.7/32");
  EXPECT_EQ(doc["key_pair"]["source"], "create");
  EXPECT_EQ(doc["quota"]["used_vcpus"], 0);
  EXPECT_EQ(doc["quota"]["fits"], true);
  EXPECT_TRUE(t->http.unused().empty());
  for (const auto& r : t->http.requests()) {
    const std::string call = gpubox::testing::FakeHttpClient::call_of(r);
    EXPECT_TRUE(call.starts_with("Describe") || call.ends_with("ListServiceQuotas")) << call;
  }
  EXPECT_FALSE(*t->store().find_box("lab"));
}

TEST(CmdUp, AnExistingBoxOfThatNameIsAConflictWithAHint) {
  auto t = make_test_env();
  t->use_test_catalog();
  state::Box b;
  b.name = "lab";
  b.state = "running";
  b.region = "us-east-1";
  ASSERT_TRUE(t->store().insert_box(b));
  EXPECT_EQ(t->run({"up", "lab", "--type", "g4dn.xlarge", "--allow-from", "198.51.100.7/32"}), 1);
  EXPECT_EQ(t->err.str(),
            "gpubox: error: a box called lab already exists (running in us-east-1)\n"
            "hint: connect with `gpubox ssh lab`, or remove it with `gpubox down lab`\n");
  EXPECT_TRUE(t->http.requests().empty());
}

TEST(CmdUp, AnUnknownGpuIsRefusedBeforeAnyCall) {
  auto t = make_test_env();
  t->use_test_catalog();
  EXPECT_EQ(t->run({"up", "lab", "--gpu", "Z80"}), 2);
  EXPECT_NE(t->err.str().find("Z80"), std::string::npos) << t->err.str();
  EXPECT_TRUE(t->http.requests().empty());
}

TEST(CmdUp, OnATerminalThePlanIsShownAndANoCreatesNothing) {
  auto t = make_test_env({.tty = true});
  t->use_test_catalog();
  plan_replies(*t);
  t->http.respond("GetCallerIdentity", 200,
                  "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::1:user/me"
                  "</Arn><UserId>A</UserId><Account>1</Account></GetCallerIdentityResult>"
                  "</GetCallerIdentityResponse>");
  t->prompter.type("n");
  EXPECT_EQ(t->run({"up", "lab", "--type", "g4dn.xlarge", "--image", "ami-0123456789abcdef0",
                    "--allow-from", "198.51.100.7/32", "--max-hours", "8"}),
            2);
  ASSERT_EQ(t->prompter.prompts.size(), 1u);
  const std::string& plan = t->prompter.prompts[0];
  for (const char* part :
       {"Plan for lab\n", "g4dn.xlarge", "on-demand", "us-east-1", "/month while it exists",
        "autostop  idle 30m, max 8h", "Launch it? [Y/n] "}) {
    EXPECT_NE(plan.find(part), std::string::npos) << part << " not in:\n" << plan;
  }
  EXPECT_NE(t->err.str().find("not launched; nothing was created"), std::string::npos)
      << t->err.str();
  for (const auto& r : t->http.requests()) {
    const std::string call = gpubox::testing::FakeHttpClient::call_of(r);
    EXPECT_TRUE(call.starts_with("Describe") || call.ends_with("ListServiceQuotas") ||
                call == "GetCallerIdentity")
        << call << " was sent although the plan was declined";
  }
  EXPECT_FALSE(*t->store().find_box("lab"));
}

TEST(CmdUp, IdleZeroIsRefusedBeforeAnyCall) {
  auto t = make_test_env();
  t->use_test_catalog();
  EXPECT_EQ(t->run({"up", "lab", "--type", "g4dn.xlarge", "--idle", "0", "--yes"}), 2);
  EXPECT_NE(t->err.str().find("--idle off"), std::string::npos) << t->err.str();
  EXPECT_TRUE(t->http.requests().empty());
}

}  // namespace
}  // namespace gpubox::cli
