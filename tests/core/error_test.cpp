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

Result<void> check_both(int a, int b) {
  GPUBOX_TRY(parse_positive(a));
  GPUBOX_TRY(parse_positive(b));
  return {};
}

Result<int> sum_into(int a, int b) {
  int total = 100;
  GPUBOX_TRY_SET(total, parse_positive(a));
  int second = 0;
  GPUBOX_TRY_SET(second, parse_positive(b));
  return total + second;
}

TEST(Error, TryStopsAtTheFirstError) {
  EXPECT_TRUE(check_both(1, 2));
  auto r = check_both(1, -2);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "not positive");
}

TEST(Error, TrySetAssignsAnExistingVariableOrPropagates) {
  EXPECT_EQ(*sum_into(3, 4), 7);
  auto r = sum_into(-3, 4);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::invalid_input);
}

TEST(Error, FailCarriesTheHint) {
  Result<void> r = fail(ErrorKind::quota, "no quota", "gpubox quota request --type g4dn.xlarge");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::quota);
  EXPECT_EQ(r.error().message, "no quota");
  EXPECT_EQ(r.error().hint, "gpubox quota request --type g4dn.xlarge");
  EXPECT_STREQ(to_string(ErrorKind::throttled), "throttled");
}

}  // namespace
}  // namespace gpubox
