#include "core/strings.hpp"

#include <gtest/gtest.h>

#include "core/crypto.hpp"

namespace gpubox {
namespace {

TEST(Strings, UriEncodeKeepsUnreservedOnly) {
  EXPECT_EQ(uri_encode("a b/c~-_.é"), "a%20b%2Fc~-_.%C3%A9");
  EXPECT_EQ(uri_encode("/a b/", false), "/a%20b/");
}

TEST(Strings, FormEncodeWritesSpaceAsPlus) {
  EXPECT_EQ(form_encode("has space+plus/:"), "has+space%2Bplus%2F%3A");
  EXPECT_EQ(percent_decode("has+space%2Bplus", true), "has space+plus");
  EXPECT_EQ(percent_decode("100%", false), "100%");
}

TEST(Strings, EditDistance) {
  EXPECT_EQ(edit_distance("lsit", "list"), 2u);
  EXPECT_EQ(edit_distance("regons", "regions"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(Crypto, KnownAnswers) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex_encode(hmac_sha256("key", "The quick brown fox jumps over the lazy dog")),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  EXPECT_EQ(base64_encode("hello!?"), "aGVsbG8hPw==");
  EXPECT_EQ(base64_decode("aGVsbG8hPw=="), "hello!?");
  EXPECT_EQ(base64_decode("not base64"), "");
  EXPECT_EQ(random_bytes(16).size(), 16u);
}

}  // namespace
}  // namespace gpubox
