#include "core/iso8601.hpp"

#include <chrono>

#include <gtest/gtest.h>

namespace gpubox {
namespace {

using namespace std::chrono_literals;

TEST(ParseIso8601, AcceptsTheFormsAwsUses) {
  TimePoint base = std::chrono::sys_days{std::chrono::year{2024} / 5 / 1} + 12h;
  EXPECT_EQ(parse_iso8601("2024-05-01T12:00:00Z"), base);
  EXPECT_EQ(parse_iso8601("2024-05-01T12:00:00.123Z"), base);
  EXPECT_EQ(parse_iso8601("2024-05-01T14:00:00+02:00"), base);
  EXPECT_EQ(parse_iso8601("2024-05-01T07:30:00-0430"), base);
  EXPECT_EQ(parse_iso8601("2024-02-30T12:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601("tomorrow"), std::nullopt);
  EXPECT_EQ(parse_iso8601("2024-05-01T12:00:00 PST"), std::nullopt);
}

// Found by fuzz_ec2_xml: a creationDate in year 1013 overflowed the nanosecond clock.
TEST(ParseIso8601, RejectsYearsTheClockCannotHold) {
  EXPECT_EQ(parse_iso8601("1013-11-26T06:21:57.000Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601("9999-12-31T23:59:59Z"), std::nullopt);
  EXPECT_TRUE(parse_iso8601("1970-01-01T00:00:00Z").has_value());
}

TEST(ParseIso8601, RoundTripsThroughFormatAndAcceptsFractions) {
  const auto t = parse_iso8601("2026-11-26T06:21:58.000Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_iso8601(*t), "2026-11-26T06:21:58Z");
  const auto frac = parse_iso8601("2026-11-26T07:21:58.574500Z");
  ASSERT_TRUE(frac);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(*frac - *t).count(), 3600);
  EXPECT_FALSE(parse_iso8601("yesterday"));
  EXPECT_FALSE(parse_iso8601("2026-13-01T00:00:00Z"));
}

}  // namespace
}  // namespace gpubox
