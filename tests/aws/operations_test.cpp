#include "aws/operations.hpp"

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "aws/client.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_http_client.hpp"

namespace gpubox::aws {
namespace {

namespace fs = std::filesystem;

const std::map<std::string, const Service*>& services_by_constant() {
  static const std::map<std::string, const Service*> m = {{"k_ec2", &k_ec2},
                                                          {"k_sts", &k_sts},
                                                          {"k_ssm", &k_ssm},
                                                          {"k_service_quotas", &k_service_quotas},
                                                          {"k_pricing", &k_pricing}};
  return m;
}

// Every (service, operation) named at a call site in src/aws/: `client.query(k_ec2, region,
// "RunInstances"`, `client.json(...)`, `paginate_*(client, k_x, region, "Op"` and the paged
// tables `{&k_ec2, "DescribeInstances", ...}`. Whitespace is collapsed so wrapped calls count.
std::set<std::pair<std::string, std::string>> call_sites() {
  std::set<std::pair<std::string, std::string>> out;
  const std::regex call(
      R"re((?:query|json|paginate_query|paginate_json)\((?:\s*client\s*,)?\s*(k_[a-z0-9_]+)\s*,\s*[a-z_]+\s*,\s*"([A-Za-z]+)")re");
  const std::regex table(R"re(\{\s*&(k_[a-z0-9_]+)\s*,\s*"([A-Za-z]+)")re");
  for (const auto& entry : fs::directory_iterator(fs::path(GPUBOX_SOURCE_DIR) / "src" / "aws")) {
    if (entry.path().extension() != ".cpp" || entry.path().filename() == "operations.cpp") {
      continue;
    }
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string src = text.str();
    for (const std::regex* re : {&call, &table}) {
      for (std::sregex_iterator it(src.begin(), src.end(), *re), end; it != end; ++it) {
        out.emplace((*it)[1].str(), (*it)[2].str());
      }
    }
  }
  return out;
}

TEST(Operations, EveryCallSiteIsInTheListAndEveryListedOperationIsSent) {
  const auto sites = call_sites();
  ASSERT_GE(sites.size(), 30u) << "the call-site scan found too little; did the code move?";
  for (const auto& [constant, op] : sites) {
    auto svc = services_by_constant().find(constant);
    ASSERT_NE(svc, services_by_constant().end()) << constant;
    EXPECT_NE(find_operation(*svc->second, op), nullptr)
        << constant << " " << op << " is sent but not in operations.cpp";
  }
  for (const Operation& op : operations()) {
    bool sent = false;
    for (const auto& [constant, name] : sites) {
      sent = sent || (services_by_constant().at(constant)->id == op.service->id && name == op.name);
    }
    EXPECT_TRUE(sent) << op.name << " is listed but never sent: the policy would grant too much";
  }
}

TEST(Operations, ThePolicyGrantsEveryActionAndNoWildcard) {
  const nlohmann::json policy = iam_policy();
  std::set<std::string> granted;
  for (const auto& s : policy["Statement"]) {
    EXPECT_EQ(s["Effect"], "Allow");
    for (const auto& a : s["Action"]) {
      const std::string action = a.get<std::string>();
      EXPECT_EQ(action.find('*'), std::string::npos) << action;
      EXPECT_TRUE(granted.insert(action).second) << action << " granted twice";
    }
  }
  for (const Operation& op : operations()) {
    if (op.scope == IamScope::none) {
      EXPECT_TRUE(op.iam_action.empty()) << op.name;
      continue;
    }
    EXPECT_TRUE(granted.contains(std::string(op.iam_action))) << op.iam_action;
    EXPECT_EQ(op.iam_action.substr(op.iam_action.find(':') + 1), op.name);
  }
  EXPECT_FALSE(granted.contains("sts:GetCallerIdentity"));  // never needs a grant
}

TEST(Operations, InstanceLifecycleIsLimitedToGpuboxTaggedInstances) {
  const nlohmann::json policy = iam_policy();
  bool found = false;
  for (const auto& s : policy["Statement"]) {
    for (const auto& a : s["Action"]) {
      if (a == "ec2:TerminateInstances") {
        found = true;
        EXPECT_EQ(s["Resource"], "arn:aws:ec2:*:*:instance/*");
        EXPECT_EQ(s["Condition"]["StringLike"]["aws:ResourceTag/gpubox:box"], "*");
      }
    }
  }
  EXPECT_TRUE(found);
}

TEST(Operations, TheClientRefusesAnOperationNotInTheList) {
  testing::FakeHttpClient http;
  testing::FakeClock clock;
  StaticCredentialProvider creds({"AKIDEXAMPLE", "secret", "", {}, "test"});
  Settings settings;
  settings.region = "us-east-1";
  AwsClient client(ClientDeps{http, clock, creds, settings});
  auto r = client.query(k_ec2, "us-east-1", "DeleteVpc", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::internal);
  EXPECT_NE(r.error().message.find("operations.cpp"), std::string::npos);
  EXPECT_TRUE(http.requests().empty());
}

}  // namespace
}  // namespace gpubox::aws
