#include "box/access/known_hosts.hpp"

#include <gtest/gtest.h>

#include "fakes/fake_file_system.hpp"

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
  testing::FakeFileSystem files;
  fs::path kh = "/data/known_hosts";
  files.add_file(kh, "other ssh-rsa AAAAB3\n# comment\nalpha,10.0.0.1 ssh-rsa OLD\n", 0644);
  std::vector<std::string> keys = {std::string(k_ed), std::string(k_ec)};
  ASSERT_TRUE(pin_host_keys(files, kh, "alpha", keys));
  EXPECT_EQ(files.content(kh), "other ssh-rsa AAAAB3\n# comment\nalpha " + std::string(k_ed) +
                                   "\nalpha " + std::string(k_ec) + "\n");
  EXPECT_EQ(files.mode(kh), 0600u);
  EXPECT_EQ(files.locks, (std::vector<std::string>{"/data/known_hosts.lock"}));
  std::vector<std::string> one = {std::string(k_ec)};
  ASSERT_TRUE(pin_host_keys(files, kh, "alpha", one));
  EXPECT_EQ(files.content(kh),
            "other ssh-rsa AAAAB3\n# comment\nalpha " + std::string(k_ec) + "\n");
}

TEST(PinHostKeys, CreatesTheFileAndRejectsBadInput) {
  testing::FakeFileSystem files;
  fs::path kh = "/home/me/.local/share/gpubox/known_hosts";
  std::vector<std::string> keys = {std::string(k_ed)};
  ASSERT_TRUE(pin_host_keys(files, kh, "alpha", keys));
  EXPECT_EQ(files.content(kh), "alpha " + std::string(k_ed) + "\n");
  EXPECT_EQ(files.mode(kh.parent_path()), 0700u);
  EXPECT_FALSE(pin_host_keys(files, kh, "alpha", {}));
  std::vector<std::string> bad = {"ssh-ed25519 AAAA\nevil ssh-rsa X"};
  EXPECT_FALSE(pin_host_keys(files, kh, "alpha", bad));
  EXPECT_FALSE(pin_host_keys(files, kh, "bad name", keys));
  EXPECT_EQ(files.content(kh), "alpha " + std::string(k_ed) + "\n");
  EXPECT_EQ(files.writes.size(), 1u);
}

TEST(UnpinHostKeys, RemovesTheBoxAndToleratesAMissingFile) {
  testing::FakeFileSystem files;
  files.add_file("/data/known_hosts", "alpha ssh-rsa A\nbeta ssh-rsa B\n", 0600);
  ASSERT_TRUE(unpin_host_keys(files, "/data/known_hosts", "alpha"));
  EXPECT_EQ(files.content("/data/known_hosts"), "beta ssh-rsa B\n");
  EXPECT_TRUE(unpin_host_keys(files, "/data/none", "alpha"));
  EXPECT_FALSE(files.exists("/data/none"));
}

}  // namespace
}  // namespace gpubox::box
