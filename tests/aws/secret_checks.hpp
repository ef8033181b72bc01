#pragma once
// Assertions that an Error never carries a secret (keys, session tokens, bearer tokens).

#include <initializer_list>
#include <string>

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace gpubox::testing {

// Fail the current test when any of `secrets` appears in `e`'s message or hint.
inline void expect_no_secrets(const Error& e, std::initializer_list<const char*> secrets) {
  for (const char* secret : secrets) {
    EXPECT_EQ(e.message.find(secret), std::string::npos) << e.message;
    EXPECT_EQ(e.hint.find(secret), std::string::npos) << e.hint;
  }
}

}  // namespace gpubox::testing
