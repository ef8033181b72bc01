#include "box/tags.hpp"

#include <gtest/gtest.h>

namespace gpubox::box {
namespace {

TEST(OwnerFromArn, AnAssumedRoleSessionBecomesItsRole) {
  EXPECT_EQ(owner_from_arn("arn:aws:sts::123456789012:assumed-role/Dev/alice-1700000000"),
            "arn:aws:iam::123456789012:role/Dev");
  EXPECT_EQ(owner_from_arn("arn:aws-cn:sts::123456789012:assumed-role/Ops/botocore-session-1"),
            "arn:aws-cn:iam::123456789012:role/Ops");
}

TEST(OwnerFromArn, UsersAndOtherArnsStayAsTheyAre) {
  for (const char* arn :
       {"arn:aws:iam::123456789012:user/alice", "arn:aws:sts::123456789012:user/moto",
        "arn:aws:iam::123456789012:root", "not an arn", ""}) {
    EXPECT_EQ(owner_from_arn(arn), arn);
  }
}

TEST(SameOwner, ANewLoginToTheSameRoleStillOwnsTheBox) {
  EXPECT_TRUE(same_owner("arn:aws:sts::1:assumed-role/Dev/alice-1",
                         "arn:aws:sts::1:assumed-role/Dev/alice-2"));
  EXPECT_TRUE(same_owner("arn:aws:iam::1:role/Dev", "arn:aws:sts::1:assumed-role/Dev/x"));
  EXPECT_FALSE(
      same_owner("arn:aws:sts::1:assumed-role/Ops/alice", "arn:aws:sts::1:assumed-role/Dev/alice"));
  EXPECT_FALSE(same_owner("arn:aws:iam::1:user/bob", "arn:aws:iam::1:user/alice"));
  EXPECT_FALSE(same_owner("", "arn:aws:iam::1:user/alice"));  // an untagged resource is nobody's
  EXPECT_FALSE(same_owner("arn:aws:iam::1:user/alice", ""));
}

}  // namespace
}  // namespace gpubox::box
