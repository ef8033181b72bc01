#include "aws/endpoints.hpp"

#include <gtest/gtest.h>

namespace gpubox::aws {
namespace {

std::string resolve_ok(const Service& service, std::string_view region, const Settings& s = {}) {
  auto r = resolve_endpoint(service, region, s);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : "";
}

TEST(ResolveEndpoint, StandardHostsMatchBotocore) {
  EXPECT_EQ(resolve_ok(k_ec2, "eu-west-1"), "https://ec2.eu-west-1.amazonaws.com");
  EXPECT_EQ(resolve_ok(k_ec2, "cn-north-1"), "https://ec2.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(resolve_ok(k_ec2, "us-gov-west-1"), "https://ec2.us-gov-west-1.amazonaws.com");
  EXPECT_EQ(resolve_ok(k_ssm, "ap-southeast-2"), "https://ssm.ap-southeast-2.amazonaws.com");
  EXPECT_EQ(resolve_ok(k_service_quotas, "us-east-1"),
            "https://servicequotas.us-east-1.amazonaws.com");
}

TEST(ResolveEndpoint, StsUsesTheRegionalEndpoint) {
  EXPECT_EQ(resolve_ok(k_sts, "eu-west-1"), "https://sts.eu-west-1.amazonaws.com");
  EXPECT_EQ(resolve_ok(k_sts, "us-east-1"), "https://sts.us-east-1.amazonaws.com");
}

TEST(ResolveEndpoint, PricingOnlyInItsRegions) {
  EXPECT_EQ(resolve_ok(k_pricing, "us-east-1"), "https://api.pricing.us-east-1.amazonaws.com");
  EXPECT_EQ(resolve_ok(k_pricing, "eu-central-1"),
            "https://api.pricing.eu-central-1.amazonaws.com");
  EXPECT_EQ(resolve_ok(k_pricing, "ap-south-1"), "https://api.pricing.ap-south-1.amazonaws.com");
  EXPECT_EQ(resolve_ok(k_pricing, "cn-northwest-1"),
            "https://api.pricing.cn-northwest-1.amazonaws.com.cn");
  auto r = resolve_endpoint(k_pricing, "eu-west-1", Settings{});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::invalid_input);
  EXPECT_NE(r.error().message.find("us-east-1, eu-central-1 and ap-south-1"), std::string::npos);
  EXPECT_NE(r.error().message.find("eu-west-1"), std::string::npos);
}

TEST(ResolveEndpoint, NoRegionIsAClearError) {
  Settings s;
  s.profile = "dev";
  s.config_file = "/home/u/.aws/config";
  auto r = resolve_endpoint(k_ec2, "", s);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "no AWS region is set");
  EXPECT_EQ(r.error().hint,
            "pass --region REGION, set AWS_REGION, run `gpubox config set region REGION`, or add "
            "region to profile dev in /home/u/.aws/config");
}

TEST(ResolveEndpoint, UnknownRegionIsAnError) {
  EXPECT_FALSE(resolve_endpoint(k_ec2, "mars-1", Settings{}).has_value());
  EXPECT_FALSE(resolve_endpoint(k_ec2, "us-east-1.evil.com/x", Settings{}).has_value());
}

TEST(ResolveEndpoint, OverridePrecedenceFlagThenServiceThenGlobal) {
  Settings s;
  EXPECT_EQ(resolve_ok(k_ec2, "us-east-1", s), "https://ec2.us-east-1.amazonaws.com");
  s.global_endpoint = "http://127.0.0.1:4566/";
  EXPECT_EQ(resolve_ok(k_ec2, "us-east-1", s), "http://127.0.0.1:4566");
  s.service_endpoints["ec2"] = "http://127.0.0.1:9999";
  EXPECT_EQ(resolve_ok(k_ec2, "us-east-1", s), "http://127.0.0.1:9999");
  EXPECT_EQ(resolve_ok(k_sts, "us-east-1", s), "http://127.0.0.1:4566");
  s.endpoint_url_flag = "http://127.0.0.1:5000";
  EXPECT_EQ(resolve_ok(k_ec2, "us-east-1", s), "http://127.0.0.1:5000");
}

TEST(ResolveEndpoint, AnOverrideServesPricingInAnyRegion) {
  Settings s;
  s.service_endpoints["pricing"] = "http://127.0.0.1:4566";
  EXPECT_EQ(resolve_ok(k_pricing, "eu-west-1", s), "http://127.0.0.1:4566");
}

TEST(PricingRegionFor, PicksTheNearestPricingRegion) {
  EXPECT_EQ(pricing_region_for("us-west-2"), "us-east-1");
  EXPECT_EQ(pricing_region_for("eu-west-3"), "eu-central-1");
  EXPECT_EQ(pricing_region_for("ap-northeast-1"), "ap-south-1");
  EXPECT_EQ(pricing_region_for("cn-north-1"), "cn-northwest-1");
  EXPECT_EQ(pricing_region_for("sa-east-1"), "us-east-1");
}

TEST(DnsSuffixFor, KnowsThePartitions) {
  EXPECT_EQ(dns_suffix_for("il-central-1"), "amazonaws.com");
  EXPECT_EQ(dns_suffix_for("cn-northwest-1"), "amazonaws.com.cn");
  EXPECT_EQ(dns_suffix_for("us-gov-east-1"), "amazonaws.com");
  EXPECT_EQ(dns_suffix_for("us-east"), "");
}

}  // namespace
}  // namespace gpubox::aws
