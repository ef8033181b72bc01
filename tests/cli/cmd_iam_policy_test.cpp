// `gpubox iam-policy`: the document a user attaches, from the one list of operations.

#include "cli/cmd_iam_policy.hpp"

#include <set>

#include <gtest/gtest.h>

#include "cli/test_env.hpp"

namespace gpubox::cli {
namespace {

using testing::make_test_env;

TEST(CmdIamPolicy, PrintsTheLeastPrivilegePolicyWithoutAnyCall) {
  auto t = make_test_env();
  ASSERT_EQ(t->run({"iam-policy"}), 0) << t->err.str();
  auto doc = nlohmann::json::parse(t->out.str());
  EXPECT_EQ(doc["Version"], "2012-10-17");
  std::set<std::string> actions;
  for (const auto& s : doc["Statement"]) {
    for (const auto& a : s["Action"]) {
      actions.insert(a.get<std::string>());
    }
  }
  // What issue 9's spot and VPC handling sends is granted; no wildcard is.
  for (const char* a : {"ec2:RunInstances", "ec2:TerminateInstances",
                        "ec2:CancelSpotInstanceRequests", "ec2:DescribeSpotInstanceRequests",
                        "ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:GetConsoleOutput"}) {
    EXPECT_TRUE(actions.contains(a)) << a;
  }
  for (const auto& a : actions) {
    EXPECT_EQ(a.find('*'), std::string::npos) << a;
  }
  EXPECT_TRUE(t->http.requests().empty());
}

}  // namespace
}  // namespace gpubox::cli
