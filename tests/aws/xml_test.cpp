#include "aws/xml.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "core/iso8601.hpp"

namespace gpubox::aws {
namespace {

TEST(AwsXml, ChildMatchesLocalNameWhateverTheNamespaceOrPrefix) {
  pugi::xml_document doc;
  auto root = load_xml(doc,
                       "<r xmlns='http://ec2.amazonaws.com/doc/2016-11-15'>"
                       "<ec2:a xmlns:ec2='urn:x'><b>1</b></ec2:a></r>",
                       "r");
  ASSERT_TRUE(root);
  EXPECT_EQ(text_at(*root, "a/b"), "1");
  EXPECT_EQ(text_at(*root, "a/missing"), "");
}

TEST(AwsXml, LoadRejectsAWrongRootAndBrokenXml) {
  pugi::xml_document doc;
  auto wrong = load_xml(doc, "<Other/>", "Expected");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().kind, ErrorKind::remote);
  EXPECT_FALSE(load_xml(doc, "<!doctype html><p>500", "Expected"));
}

TEST(AwsXml, ItemsAndItemTextsReadLists) {
  pugi::xml_document doc;
  auto root = load_xml(doc, "<r><set><item>a</item><item>b</item></set><empty/></r>", "r");
  ASSERT_TRUE(root);
  EXPECT_EQ(item_texts(*root, "set"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(items(*root, "empty").empty());
  EXPECT_TRUE(items(*root, "absent").empty());
}

TEST(AwsXml, NumberAndBoolParsersRejectJunk) {
  EXPECT_EQ(parse_int("42"), 42);
  EXPECT_FALSE(parse_int("42x"));
  EXPECT_FALSE(parse_int(""));
  EXPECT_DOUBLE_EQ(*parse_double("0.00001"), 0.00001);
  EXPECT_FALSE(parse_double("abc"));
  EXPECT_EQ(parse_bool("true"), true);
  EXPECT_EQ(parse_bool("false"), false);
  EXPECT_FALSE(parse_bool("True"));
}

TEST(AwsXml, EpochSecondsConvert) {
  EXPECT_EQ(format_iso8601(from_epoch_seconds(1751328000.0)), "2025-07-01T00:00:00Z");
}

// Found by fuzz_json_errors: a LastModifiedDate of 17501328001 overflowed the nanosecond clock.
TEST(AwsXml, EpochSecondsOutOfRangeAreClampedNotOverflowed) {
  const TimePoint far = from_epoch_seconds(17501328001.0);
  EXPECT_GT(far, from_epoch_seconds(1751328000.0));
  EXPECT_EQ(from_epoch_seconds(1e300), far);
  EXPECT_LT(from_epoch_seconds(-1e300), from_epoch_seconds(0.0));
  EXPECT_EQ(from_epoch_seconds(std::nan("")), from_epoch_seconds(0.0));
}

}  // namespace
}  // namespace gpubox::aws
