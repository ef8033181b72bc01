#include "cli/cmd_offers.hpp"

#include <gtest/gtest.h>

#include "cli/test_env.hpp"

namespace gpubox::cli {
namespace {

using testing::make_test_env;

TEST(CmdOffers, OnATerminalTheCheapestComeFirstWithTheCatalogDateBelow) {
  auto t = make_test_env({.tty = true});
  t->use_test_catalog();
  ASSERT_EQ(t->run({"offers", "--gpu", "T4", "--regions", "us-east-1", "--limit", "2"}), 0)
      << t->err.str();
  EXPECT_EQ(
      t->out.str(),
      "TYPE          REGION     GPU  GPUS  GPU MEM GIB  VCPUS  RAM GIB  ON-DEMAND $/H  SPOT $/H\n"
      // the 0.05 spot price is in a Local Zone (use1-atl2-az1), which gpubox never uses
      // the catalog's 0.526 / 0.20, each with the box's public IPv4 address (0.005)
      "g4dn.xlarge   us-east-1  T4   1     16           4      16       0.5310         0.2050\n"
      "g4dn.2xlarge  us-east-1  T4   1     16           8      32       0.7570         0.1950\n"
      "$/h is what a box bills: the instance and its public IPv4 address ($0.005/h). Prices as "
      "of 2099-01-01T00:00:00Z (gpubox test fixture). Spot prices change hourly; EBS and data "
      "transfer are not included.\n");
  EXPECT_TRUE(t->http.requests().empty());
}

TEST(CmdOffers, JsonListsOffersAndTheCatalog) {
  auto t = make_test_env();
  t->use_test_catalog();
  OffersOptions opts;
  opts.gpu = "A10G";
  opts.spot = true;
  opts.json = true;
  ASSERT_TRUE(run_offers(opts, t->env));
  auto doc = nlohmann::json::parse(t->out.str());
  ASSERT_EQ(doc["offers"].size(), 2u);  // g5.2xlarge has no spot price
  EXPECT_EQ(doc["offers"][0]["instance_type"], "g5.xlarge");
  EXPECT_EQ(doc["offers"][0]["region"], "us-west-2");
  EXPECT_EQ(doc["offers"][0]["spot_price_per_hour_usd"], 0.40);  // the instance's, as AWS says
  EXPECT_EQ(doc["offers"][0]["public_ipv4_per_hour_usd"], 0.005);
  EXPECT_EQ(doc["offers"][1]["region"], "us-east-1");
  EXPECT_EQ(doc["catalog"]["generated_at"], "2099-01-01T00:00:00Z");
  EXPECT_EQ(doc["catalog"]["source"], "gpubox test fixture");
}

TEST(CmdOffers, NothingMatchingWarnsWithWhatToRelax) {
  auto t = make_test_env();
  t->use_test_catalog();
  ASSERT_EQ(t->run({"offers", "--gpu", "T4", "--max-price", "0.01"}), 0);
  EXPECT_EQ(t->out.str(), "");
  EXPECT_EQ(t->err.str(),
            "gpubox: warning: no offer matches; relax --vcpus, --memory, --max-price or "
            "--regions\n"
            "$/h is what a box bills: the instance and its public IPv4 address ($0.005/h). Prices "
            "as of 2099-01-01T00:00:00Z (gpubox test fixture). Spot prices change hourly; EBS and "
            "data transfer are not included.\n");
}

// --max-price bounds what the box bills: a 0.2 spot instance is a 0.205 box.
TEST(CmdOffers, MaxPriceCountsThePublicIpv4Address) {
  auto t = make_test_env();
  t->use_test_catalog();
  ASSERT_EQ(t->run({"offers", "--gpu", "T4", "--spot", "--regions", "us-east-1", "--max-price",
                    "0.2", "--json"}),
            0);
  auto doc = nlohmann::json::parse(t->out.str());
  ASSERT_EQ(doc["offers"].size(), 1u) << doc.dump();
  EXPECT_EQ(doc["offers"][0]["instance_type"], "g4dn.2xlarge");  // 0.19 + 0.005 <= 0.2
  t->out.str("");
  ASSERT_EQ(t->run({"offers", "--gpu", "T4", "--spot", "--regions", "us-east-1", "--max-price",
                    "0.205", "--json"}),
            0);
  EXPECT_EQ(nlohmann::json::parse(t->out.str())["offers"].size(), 2u);
}

TEST(CmdOffers, AnUnknownGpuIsInvalidInput) {
  auto t = make_test_env();
  t->use_test_catalog();
  EXPECT_EQ(t->run({"offers", "--gpu", "Z80"}), 2);
  EXPECT_NE(t->err.str().find("gpubox: error: "), std::string::npos) << t->err.str();
  EXPECT_NE(t->err.str().find("Z80"), std::string::npos) << t->err.str();
}

}  // namespace
}  // namespace gpubox::cli
