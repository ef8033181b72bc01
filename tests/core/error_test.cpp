#include "core/error.hpp"

#include <gtest/gtest.h>

namespace gpubox {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) {
    return fail(ErrorKind::invalid_input, "not positive");
  }
  return v;
}

Result<int> doubled(int v) {
  GPUBOX_TRY_ASSIGN(x, parse_positive(v));
  return x * 2;
}

TEST(Error, TryAssignPropagatesTheError) {
  EXPECT_EQ(*doubled(4), 8);
  auto r = doubled(-1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(r.error().message, "not positive");
}

TEST(Error, ValueOrFatalThrowsWithTheError) {
  EXPECT_THROW(value_or_fatal(parse_positive(0)), Fatal);
  EXPECT_EQ(value_or_fatal(parse_positive(3)), 3);
  EXPECT_STREQ(to_string(ErrorKind::throttled), "throttled");
}

}  // namespace
}  // namespace gpubox
