#include "box/names.hpp"

#include <set>
#include <vector>

#include <gtest/gtest.h>

namespace gpubox::box {
namespace {

// A RandomSource that replays `values` in order.
RandomSource sequence(std::vector<std::uint64_t> values) {
  auto state =
      std::make_shared<std::pair<std::vector<std::uint64_t>, size_t>>(std::move(values), 0);
  return [state] { return state->first[state->second++ % state->first.size()]; };
}

std::string error_of(std::string_view name) {
  auto r = validate_name(name);
  EXPECT_FALSE(r) << name;
  if (r) {
    return {};
  }
  EXPECT_EQ(r.error().kind, ErrorKind::invalid_input);
  EXPECT_FALSE(r.error().hint.empty());
  return r.error().message;
}

TEST(ValidateName, AcceptsLettersDigitsAndDashes) {
  for (std::string_view ok : std::initializer_list<std::string_view>{
           "a", "Box-1", "train-run-42", "x9", "a2345678901234567890123456789012345678-0"}) {
    EXPECT_TRUE(validate_name(ok)) << ok;
  }
  EXPECT_EQ(std::string(k_max_name_length, 'a').size(), 40u);
  EXPECT_TRUE(validate_name(std::string(40, 'a')));
}

TEST(ValidateName, ExplainsEachRule) {
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
  EXPECT_NE(error_of(std::string(41, 'a')).find("41 characters"), std::string::npos);
  EXPECT_NE(error_of("1box").find("start with a letter"), std::string::npos);
  EXPECT_NE(error_of("-box").find("start with a letter"), std::string::npos);
  EXPECT_NE(error_of("box-").find("end with a dash"), std::string::npos);
  EXPECT_NE(error_of("my_box").find("'_' at position 3"), std::string::npos);
  EXPECT_NE(error_of("my.box").find("'.'"), std::string::npos);
  EXPECT_NE(error_of("my box").find("byte 0x20"), std::string::npos);
}

TEST(ValidateName, ErrorStaysOnOneLineForControlCharacters) {
  std::string message = error_of("evil\nHost *");
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_NE(message.find("byte 0x0a"), std::string::npos);
}

TEST(GenerateName, IsDeterministicForAnInjectedSource) {
  auto adjectives = name_adjectives();
  auto nouns = name_nouns();
  std::string name = generate_name(sequence({adjectives.size() + 2, 5, 10427}));
  EXPECT_EQ(name, std::string(adjectives[2]) + "-" + std::string(nouns[5]) + "-0427");
  EXPECT_EQ(generate_name(sequence({7, 9, 3})), generate_name(sequence({7, 9, 3})));
}

TEST(GenerateName, ProducesValidVariedNames) {
  RandomSource random = system_random();
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    std::string name = generate_name(random);
    EXPECT_TRUE(validate_name(name)) << name;
    seen.insert(name);
  }
  EXPECT_GT(seen.size(), 40u);
}

TEST(GenerateName, EveryWordCombinationFitsTheRules) {
  for (auto adjective : name_adjectives()) {
    for (auto noun : name_nouns()) {
      std::string name = std::string(adjective) + "-" + std::string(noun) + "-9999";
      EXPECT_TRUE(validate_name(name)) << name;
    }
  }
}

}  // namespace
}  // namespace gpubox::box
