#include "cli/up_render.hpp"

#include <gtest/gtest.h>

namespace gpubox::cli {
namespace {

box::UpPlan plan_with(std::optional<box::VolumePlan> volume) {
  box::UpPlan plan;
  plan.name = "lab";
  plan.where.region = "us-east-1";
  plan.where.zones = {"us-east-1c"};
  plan.where.type.instance_type = "g4dn.xlarge";
  plan.where.type.on_demand_usd = 0.526;
  plan.disk_gb = 100;
  plan.allow_from = "203.0.113.7/32";
  plan.key_source = "create";
  plan.volume = std::move(volume);
  return plan;
}

TEST(UpRender, ThePlanSaysAnExistingVolumeDecidesTheZone) {
  box::VolumePlan v{"data", 200, true, "vol-1", "us-east-1c", "us-east-1", 16.0};
  const catalog::Catalog catalog;
  const box::UpPlan plan = plan_with(v);
  const std::string text = plan_text(plan, catalog, "Plan");
  EXPECT_NE(text.find("  volume    data (vol-1, 200 GiB in us-east-1c: the box launches there), "
                      "$16.00/month, at /data; kept by `down`\n"),
            std::string::npos)
      << text;
  EXPECT_NE(plan_summary(plan, catalog).find(", volume data (vol-1 in us-east-1c)"),
            std::string::npos);
  const auto doc = plan_json(plan, catalog);
  EXPECT_EQ(doc["volume"]["volume_id"], "vol-1");
  EXPECT_EQ(doc["volume"]["zone"], "us-east-1c");
  EXPECT_EQ(doc["volume"]["exists"], true);
}

TEST(UpRender, ANewVolumeIsCreatedInTheBoxsZoneAndNoVolumeIsNoLine) {
  box::VolumePlan v{"data", 50, false, "", "", "us-east-1", 4.0};
  const catalog::Catalog catalog;
  const std::string text = plan_text(plan_with(v), catalog, "Plan");
  EXPECT_NE(text.find("  volume    data: new, 50 GiB gp3, encrypted, in the box's zone, "
                      "$4.00/month, at /data; kept by `down`\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(plan_json(plan_with(v), catalog)["volume"]["zone"], nullptr);
  EXPECT_EQ(plan_text(plan_with(std::nullopt), catalog, "Plan").find("volume"), std::string::npos);
  EXPECT_EQ(plan_json(plan_with(std::nullopt), catalog)["volume"], nullptr);
}

}  // namespace
}  // namespace gpubox::cli
