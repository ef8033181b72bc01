#include "box/onbox/autostop.hpp"

#include <gtest/gtest.h>

namespace gpubox::box {
namespace {

TEST(Autostop, IdleUsesTheSharedDurationSyntaxInWholeMinutes) {
  EXPECT_EQ(*parse_idle_minutes("30m"), 30);
  EXPECT_EQ(*parse_idle_minutes("2h"), 120);
  EXPECT_EQ(*parse_idle_minutes("90s"), 2);  // the watchdog counts whole minutes
  EXPECT_EQ(*parse_idle_minutes("off"), 0);
}

TEST(Autostop, IdleZeroIsRefusedAndPointsToOff) {
  auto r = parse_idle_minutes("0");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::invalid_input);
  EXPECT_FALSE(parse_idle_minutes("8d"));  // a week at most
}

TEST(Autostop, MaxHoursTakesHoursDurationsOrOff) {
  EXPECT_DOUBLE_EQ(*parse_max_hours("8"), 8.0);
  EXPECT_DOUBLE_EQ(*parse_max_hours("1.5"), 1.5);
  EXPECT_DOUBLE_EQ(*parse_max_hours("90m"), 1.5);
  EXPECT_DOUBLE_EQ(*parse_max_hours("off"), 0.0);
  auto zero = parse_max_hours("0");
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().hint, "to turn the cap off, say --max-hours off");
  EXPECT_FALSE(parse_max_hours("-2"));
  EXPECT_FALSE(parse_max_hours("soon"));
}

TEST(Autostop, DescribesBothSettingsInWords) {
  EXPECT_EQ(describe_autostop(30, 8), "idle 30m, max 8h");
  EXPECT_EQ(describe_autostop(90, 0), "idle 1h30m");
  EXPECT_EQ(describe_autostop(0, 1.5), "max 1h30m");
  EXPECT_EQ(describe_autostop(0, 0), "off");
}

}  // namespace
}  // namespace gpubox::box
