#include "cli/cmd_catalog.hpp"

#include <gtest/gtest.h>

#include "cli/test_env.hpp"
#include "core/paths.hpp"

namespace gpubox::cli {
namespace {

using testing::make_test_env;

TEST(CmdCatalogRefresh, WhenEveryRegionFailsTheOldCatalogIsKept) {
  auto t = make_test_env();
  t->use_test_catalog();
  const auto before = read_file(t->data_dir() / "catalog.csv");
  ASSERT_TRUE(before);
  for (int i = 0; i < 4; ++i) {
    t->http.respond("DescribeInstanceTypes", 403,
                    "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no"
                    "</Message></Error></Errors></Response>");
  }
  EXPECT_NE(t->run({"catalog", "refresh", "--regions", "us-east-1"}), 0);
  EXPECT_NE(t->err.str().find("gpubox: error: "), std::string::npos) << t->err.str();
  EXPECT_EQ(read_file(t->data_dir() / "catalog.csv").value_or(""), *before);
  EXPECT_EQ(t->out.str(), "");
}

TEST(CmdCatalog, NeedsASubcommand) {
  auto t = make_test_env();
  EXPECT_EQ(t->run({"catalog"}), 2);
  EXPECT_NE(t->err.str().find("gpubox: error: "), std::string::npos) << t->err.str();
  EXPECT_TRUE(t->http.requests().empty());
}

}  // namespace
}  // namespace gpubox::cli
