#include "core/duration.hpp"

#include <gtest/gtest.h>

namespace gpubox {
namespace {

using namespace std::chrono_literals;

TEST(Duration, ParsesSecondsMinutesHoursAndDays) {
  EXPECT_EQ(*parse_duration("90s", "--x"), 90s);
  EXPECT_EQ(*parse_duration("30m", "--x"), 30min);
  EXPECT_EQ(*parse_duration(" 2H ", "--x"), 2h);
  EXPECT_EQ(*parse_duration("1d", "--x"), 24h);
  EXPECT_EQ(*parse_duration("1h30m", "--x"), 90min);  // what format_duration writes
  EXPECT_EQ(*parse_duration("2m5s", "--x"), 125s);
}

TEST(Duration, RefusesZeroBareNumbersAndGarbageNamingTheOption) {
  for (const char* bad : {"0m", "0", "45", "", "m", "1.5h", "-5m", "5x", "30 m", "30m1h", "1h30"}) {
    auto r = parse_duration(bad, "--wait");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::invalid_input) << bad;
    EXPECT_NE(r.error().message.find("--wait"), std::string::npos) << r.error().message;
  }
}

TEST(Duration, ZeroIdleSuggestsOff) {
  for (const char* zero : {"0m", "0", "0h0m"}) {
    auto r = parse_duration(zero, "--idle");
    ASSERT_FALSE(r) << zero;
    EXPECT_EQ(r.error().hint, "to turn it off, say --idle off") << zero;
  }
}

TEST(Duration, FormatAndParseRoundTrip) {
  for (std::chrono::seconds d : {90s, std::chrono::seconds(30min), std::chrono::seconds(2h),
                                 std::chrono::seconds(90min), std::chrono::seconds(48h), 3725s}) {
    EXPECT_EQ(*parse_duration(format_duration(d), "--x"), d) << format_duration(d);
  }
}

TEST(Duration, RefusesMoreThanTheMaximum) {
  EXPECT_TRUE(parse_duration("7d", "--x", 168h));
  auto r = parse_duration("169h", "--x", 168h);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("at most 7d"), std::string::npos) << r.error().message;
}

TEST(Duration, OffIsNulloptWhereAllowed) {
  auto off = parse_duration_or_off("OFF", "--idle");
  ASSERT_TRUE(off);
  EXPECT_FALSE(off->has_value());
  auto on = parse_duration_or_off("2h", "--idle");
  ASSERT_TRUE(on);
  EXPECT_EQ(**on, 2h);
  EXPECT_FALSE(parse_duration("off", "--wait"));
}

TEST(Duration, FormatsShortestExactForm) {
  EXPECT_EQ(format_duration(90s), "1m30s");
  EXPECT_EQ(format_duration(30min), "30m");
  EXPECT_EQ(format_duration(2h), "2h");
  EXPECT_EQ(format_duration(90min), "1h30m");
  EXPECT_EQ(format_duration(48h), "2d");
  EXPECT_EQ(format_duration(0s), "0s");
}

}  // namespace
}  // namespace gpubox
