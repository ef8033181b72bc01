#include "core/ini.hpp"

#include <gtest/gtest.h>

#include "fakes/temp_dir.hpp"

namespace gpubox {
namespace {

IniFile parse_ok(std::string_view text) {
  auto r = parse_ini(text, "/h/.aws/config");
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : IniFile{};
}

std::string parse_error(std::string_view text) {
  auto r = parse_ini(text, "/h/.aws/config");
  EXPECT_FALSE(r.has_value());
  if (r) {
    return "";
  }
  EXPECT_EQ(r.error().kind, ErrorKind::invalid_input);
  return r.error().message;
}

TEST(Ini, ReadsSectionsKeysAndValues) {
  IniFile f = parse_ok("[default]\nregion = us-east-1\n\n[profile dev]\nregion=eu-west-1\n");
  ASSERT_EQ(f.sections.size(), 2u);
  EXPECT_EQ(f.sections[1].name, "profile dev");
  ASSERT_NE(f.find("default"), nullptr);
  EXPECT_EQ(f.find("default")->find("region")->value, "us-east-1");
  EXPECT_EQ(f.find("profile dev")->find("region")->value, "eu-west-1");
  EXPECT_EQ(f.find("profile dev")->find("region")->line, 5);
  EXPECT_EQ(f.find("profile prod"), nullptr);
}

TEST(Ini, SkipsHashAndSemicolonCommentsAndKeepsInlineText) {
  IniFile f =
      parse_ok("# top\n[default] ; note\n  ; indented comment\nregion = us-east-1 # kept\n");
  EXPECT_EQ(f.find("default")->find("region")->value, "us-east-1 # kept");
  EXPECT_EQ(f.find("default")->entries.size(), 1u);
}

TEST(Ini, LowercasesKeysButNotSectionNames) {
  IniFile f = parse_ok("[profile Dev]\nRegion = us-west-2\n");
  ASSERT_NE(f.find("profile Dev"), nullptr);
  EXPECT_EQ(f.find("profile Dev")->find("region")->value, "us-west-2");
}

TEST(Ini, ParsesNestedSubKeysUnderAnEmptyValue) {
  IniFile f = parse_ok(
      "[services local]\nec2 =\n  endpoint_url = http://localhost:4566\n"
      "\tRegion = us-east-1\nsts =\n  endpoint_url = http://127.0.0.1:5000\n");
  const IniSection* s = f.find("services local");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->find("ec2")->nested.at("endpoint_url"), "http://localhost:4566");
  EXPECT_EQ(s->find("ec2")->nested.at("region"), "us-east-1");
  EXPECT_EQ(s->find("sts")->nested.at("endpoint_url"), "http://127.0.0.1:5000");
  EXPECT_TRUE(s->find("ec2")->value.empty());
}

TEST(Ini, JoinsContinuationLinesOfANonEmptyValue) {
  IniFile f =
      parse_ok("[default]\ncredential_process = /bin/tool\n  --flag\n  value\nregion = x\n");
  EXPECT_EQ(f.find("default")->find("credential_process")->value, "/bin/tool\n--flag\nvalue");
  EXPECT_EQ(f.find("default")->find("region")->value, "x");
}

TEST(Ini, MergesRepeatedSectionsAndKeepsTheLastValue) {
  IniFile f = parse_ok("[a]\nx = 1\ny = 2\n[b]\n[a]\nx = 3\n");
  EXPECT_EQ(f.sections.size(), 2u);
  EXPECT_EQ(f.find("a")->find("x")->value, "3");
  EXPECT_EQ(f.find("a")->find("y")->value, "2");
}

TEST(Ini, AcceptsCrLfAndAnEmptyFile) {
  IniFile f = parse_ok("[default]\r\nregion = ap-south-1\r\n");
  EXPECT_EQ(f.find("default")->find("region")->value, "ap-south-1");
  EXPECT_TRUE(parse_ok("").sections.empty());
}

TEST(Ini, MalformedLinesNameFileAndLine) {
  EXPECT_EQ(parse_error("[default]\nregion = x\n[profile dev\n"),
            "/h/.aws/config:3: section header is missing its closing ']'");
  EXPECT_EQ(parse_error("[default]\n\njust words\n"),
            "/h/.aws/config:3: expected 'key = value', a [section] header or a comment");
  EXPECT_EQ(parse_error("region = us-east-1\n"),
            "/h/.aws/config:1: 'key = value' line before any [section] header");
  EXPECT_EQ(parse_error("[default]\n = x\n"), "/h/.aws/config:2: missing key before '='");
  EXPECT_EQ(parse_error("# c\n[]\n"), "/h/.aws/config:2: empty section name '[]'");
  EXPECT_EQ(parse_error("[a] b\n"), "/h/.aws/config:1: unexpected text after the section header");
  EXPECT_EQ(parse_error("[s]\nec2 =\n  endpoint_url\n"),
            "/h/.aws/config:3: expected an indented 'key = value' line in a nested block");
}

TEST(Ini, ErrorsNeverQuoteTheOffendingLine) {
  std::string message = parse_error("[default]\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n");
  EXPECT_EQ(message.find("wJalr"), std::string::npos);
  EXPECT_NE(message.find(":2:"), std::string::npos);
}

TEST(Ini, SurvivesArbitraryBytes) {
  std::string junk;
  for (int i = 0; i < 2000; ++i) {
    junk += static_cast<char>((i * 7919) % 256);
  }
  auto r = parse_ini(junk, "junk");  // must not crash; either outcome is fine
  EXPECT_TRUE(r.has_value() || r.error().message.starts_with("junk:"));
}

TEST(Ini, ReadFileReturnsNulloptForAMissingFileAndParsesAPresentOne) {
  testing::ScopedTempDir dir;
  auto missing = read_ini_file(dir.path() / "nope");
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->has_value());
  auto path = dir.write("config", "[default]\nregion = us-east-2\n");
  auto present = read_ini_file(path);
  ASSERT_TRUE(present.has_value() && present->has_value());
  EXPECT_EQ((*present)->path, path.string());
  EXPECT_EQ((*present)->find("default")->find("region")->value, "us-east-2");
}

TEST(Ini, ReadFileReportsTheRealPathInErrors) {
  testing::ScopedTempDir dir;
  auto path = dir.write("credentials", "[dev]\naws_access_key_id = A\noops\n");
  auto r = read_ini_file(path);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message.rfind(path.string() + ":3: ", 0), 0u) << r.error().message;
}

}  // namespace
}  // namespace gpubox
