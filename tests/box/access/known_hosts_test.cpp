#include "box/access/known_hosts.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "core/paths.hpp"
#include "fakes/temp_dir.hpp"

namespace gpubox::box {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_ed = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBxv1Pz7Q0mHhRk2bW4h1";
constexpr std::string_view k_ec = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAI+/=";

std::string console_with_keys(std::string_view first, std::string_view second) {
  return "[    5.120000] cloud-init[880]: Generating public/private ed25519 key pair.\r\n"
         "ec2: #############################################################\r\n"
         "ec2: 256 SHA256:abc root@ip-172-31-0-1 (ED25519)\r\n"
         "-----BEGIN SSH HOST KEY KEYS-----\r\n" +
         std::string(first) + " root@ip-172-31-0-1\r\n" +
         "[   12.000000] cloud-init[880]: " + std::string(second) + " root@ip-172-31-0-1\r\n" +
         "-----END SSH HOST KEY KEYS-----\r\n"
         "Ubuntu 22.04 LTS ip-172-31-0-1 ttyS0\r\n";
}

TEST(ParseConsoleHostKeys, ExtractsKeysBetweenTheMarkersWithoutComments) {
  auto keys = parse_console_host_keys(console_with_keys(k_ed, k_ec));
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0], k_ed);
  EXPECT_EQ(keys[1], k_ec);
}

TEST(ParseConsoleHostKeys, IgnoresAnUnfinishedBlockAndKeysOutsideMarkers) {
  std::string text =
      std::string(k_ed) + "\n-----BEGIN SSH HOST KEY KEYS-----\n" + std::string(k_ec) + "\n";
  EXPECT_TRUE(parse_console_host_keys(text).empty());
  EXPECT_TRUE(parse_console_host_keys("").empty());
}

TEST(ParseConsoleHostKeys, UsesTheLastCompleteBlock) {
  std::string text = console_with_keys(k_ed, k_ed) + console_with_keys(k_ec, k_ec);
  auto keys = parse_console_host_keys(text);
  ASSERT_EQ(keys.size(), 1u) << "duplicates within a block collapse";
  EXPECT_EQ(keys[0], k_ec);
}

TEST(IsHostKeyLine, NeedsAKnownTypeAndBase64) {
  EXPECT_TRUE(is_host_key_line(k_ed));
  EXPECT_FALSE(is_host_key_line("ssh-foo AAAA"));
  EXPECT_FALSE(is_host_key_line("ssh-ed25519 AA AA"));
  EXPECT_FALSE(is_host_key_line("ssh-ed25519 AA$A"));
}

TEST(PinHostKeys, ReplacesOnlyThatBoxsEntries) {
  gpubox::testing::ScopedTempDir tmp;
  fs::path kh =
      tmp.write("known_hosts", "other ssh-rsa AAAAB3\n# comment\nalpha,10.0.0.1 ssh-rsa OLD\n");
  std::vector<std::string> keys = {std::string(k_ed), std::string(k_ec)};
  ASSERT_TRUE(pin_host_keys(kh, "alpha", keys));
  EXPECT_EQ(read_file(kh).value_or(""), "other ssh-rsa AAAAB3\n# comment\nalpha " +
                                            std::string(k_ed) + "\nalpha " + std::string(k_ec) +
                                            "\n");
  struct stat st{};
  ASSERT_EQ(::stat(kh.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::vector<std::string> one = {std::string(k_ec)};
  ASSERT_TRUE(pin_host_keys(kh, "alpha", one));
  EXPECT_EQ(read_file(kh).value_or(""),
            "other ssh-rsa AAAAB3\n# comment\nalpha " + std::string(k_ec) + "\n");
}

TEST(PinHostKeys, CreatesTheFileAndRejectsBadInput) {
  gpubox::testing::ScopedTempDir tmp;
  fs::path kh = tmp.path() / "data" / "known_hosts";
  std::vector<std::string> keys = {std::string(k_ed)};
  ASSERT_TRUE(pin_host_keys(kh, "alpha", keys));
  EXPECT_EQ(read_file(kh).value_or(""), "alpha " + std::string(k_ed) + "\n");
  EXPECT_FALSE(pin_host_keys(kh, "alpha", {}));
  std::vector<std::string> bad = {"ssh-ed25519 AAAA\nevil ssh-rsa X"};
  EXPECT_FALSE(pin_host_keys(kh, "alpha", bad));
  EXPECT_FALSE(pin_host_keys(kh, "bad name", keys));
  EXPECT_EQ(read_file(kh).value_or(""), "alpha " + std::string(k_ed) + "\n");
}

TEST(UnpinHostKeys, RemovesTheBoxAndToleratesAMissingFile) {
  gpubox::testing::ScopedTempDir tmp;
  fs::path kh = tmp.write("known_hosts", "alpha ssh-rsa A\nbeta ssh-rsa B\n");
  ASSERT_TRUE(unpin_host_keys(kh, "alpha"));
  EXPECT_EQ(read_file(kh).value_or(""), "beta ssh-rsa B\n");
  EXPECT_TRUE(unpin_host_keys(tmp.path() / "none", "alpha"));
  EXPECT_FALSE(fs::exists(tmp.path() / "none"));
}

}  // namespace
}  // namespace gpubox::box
