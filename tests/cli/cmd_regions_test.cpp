#include "cli/cmd_regions.hpp"

#include <gtest/gtest.h>

#include "aws/aws_fixtures.hpp"
#include "cli/test_env.hpp"

namespace gpubox::cli {
namespace {

using gpubox::testing::aws_fixture;
using testing::make_test_env;

constexpr const char* k_regions =
    "<DescribeRegionsResponse><regionInfo>"
    "<item><optInStatus>opt-in-not-required</optInStatus><regionName>us-east-1</regionName>"
    "<regionEndpoint>ec2.us-east-1.amazonaws.com</regionEndpoint></item>"
    "<item><optInStatus>not-opted-in</optInStatus><regionName>af-south-1</regionName>"
    "<regionEndpoint>ec2.af-south-1.amazonaws.com</regionEndpoint></item>"
    "<item><optInStatus>opted-in</optInStatus><regionName>eu-south-1</regionName>"
    "<regionEndpoint>ec2.eu-south-1.amazonaws.com</regionEndpoint></item>"
    "</regionInfo></DescribeRegionsResponse>";

TEST(CmdRegions, PipedItIsTabSeparatedWithoutHeaderAndSkipsRegionsNotOptedIn) {
  auto t = make_test_env();
  t->http.respond("DescribeRegions", 200, k_regions);
  ASSERT_EQ(t->run({"regions"}), 0) << t->err.str();
  EXPECT_EQ(t->out.str(),
            "us-east-1\tUS East (N. Virginia)\topt-in-not-required\n"
            "eu-south-1\tEurope (Milan)\topted-in\n");
}

TEST(CmdRegions, OnATerminalItIsAnAlignedTable) {
  auto t = make_test_env({.tty = true});
  t->http.respond("DescribeRegions", 200, aws_fixture("ec2/describe_regions.xml"));
  ASSERT_EQ(t->run({"regions"}), 0) << t->err.str();
  EXPECT_EQ(t->out.str(),
            "REGION     NAME                   OPT-IN\n"
            "us-east-1  US East (N. Virginia)  opt-in-not-required\n"
            "eu-west-1  Europe (Ireland)       opt-in-not-required\n");
}

TEST(CmdRegions, JsonIsOneArrayWithNameAndEndpoint) {
  auto t = make_test_env();
  t->http.respond("DescribeRegions", 200, aws_fixture("ec2/describe_regions.xml"));
  ASSERT_TRUE(run_regions(RegionsOptions{.json = true}, t->env));
  auto doc = nlohmann::json::parse(t->out.str());
  ASSERT_EQ(doc.size(), 2u);
  EXPECT_EQ(doc[1], (nlohmann::json{{"region", "eu-west-1"},
                                    {"name", "Europe (Ireland)"},
                                    {"opt_in_status", "opt-in-not-required"},
                                    {"endpoint", "ec2.eu-west-1.amazonaws.com"}}));
}

TEST(CmdRegions, AnUnknownFlagIsAUsageError) {
  auto t = make_test_env();
  EXPECT_EQ(t->run({"regions", "--all"}), 2);
  EXPECT_NE(t->err.str().find("gpubox: error: "), std::string::npos);
  EXPECT_TRUE(t->http.requests().empty());
}

}  // namespace
}  // namespace gpubox::cli
