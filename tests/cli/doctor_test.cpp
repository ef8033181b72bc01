#include "cli/doctor.hpp"

#include <gtest/gtest.h>

namespace gpubox::cli {
namespace {

using namespace std::chrono_literals;

TimePoint day(int y, unsigned m, unsigned d) {
  return std::chrono::sys_days{std::chrono::year(y) / std::chrono::month(m) / std::chrono::day(d)};
}

TEST(Doctor, SshClientPassesOnOpenSshAndFailsWithTheInstallCommand) {
  auto ok = check_ssh_client(ProcessResult{0, "", "OpenSSH_9.2p1 Debian-2, OpenSSL 3.0.11\n"});
  EXPECT_EQ(ok.status, CheckStatus::pass);
  EXPECT_EQ(ok.detail, "OpenSSH_9.2p1 Debian-2");
  auto missing = check_ssh_client(fail(ErrorKind::not_found, "ssh: not found"));
  EXPECT_EQ(missing.status, CheckStatus::fail);
  EXPECT_EQ(missing.fix, "install the OpenSSH client: sudo apt-get install openssh-client");
  EXPECT_EQ(check_ssh_client(ProcessResult{127, "", "dropbear"}).status, CheckStatus::fail);
}

TEST(Doctor, KeyTypes) {
  EXPECT_EQ(check_key(std::nullopt, "").status, CheckStatus::warn);
  EXPECT_EQ(check_key("/h/.ssh/id_ed25519.pub", "ssh-ed25519 AAAA me").status, CheckStatus::pass);
  EXPECT_EQ(check_key("/h/.ssh/id_ecdsa.pub", "ecdsa-sha2-nistp256 AAAA").status,
            CheckStatus::pass);
  auto rsa = check_key("/h/.ssh/id_rsa.pub", "ssh-rsa AAAA");
  EXPECT_EQ(rsa.status, CheckStatus::warn);
  EXPECT_NE(rsa.fix.find("ssh-keygen -t ed25519"), std::string::npos);
  EXPECT_EQ(check_key("/h/k.pub", "-----BEGIN OPENSSH PRIVATE KEY-----").status, CheckStatus::fail);
}

TEST(Doctor, CredentialsKeepTheChainsHint) {
  Error e;
  e.kind = ErrorKind::auth;
  e.message = "no AWS credentials found";
  e.hint = "run `aws sso login`";
  auto bad = check_credentials(fail(e), "");
  EXPECT_EQ(bad.status, CheckStatus::fail);
  EXPECT_EQ(bad.fix, "run `aws sso login`");
  auto good = check_credentials(std::string("arn:aws:iam::1:user/me"), "environment");
  EXPECT_EQ(good.status, CheckStatus::pass);
  EXPECT_EQ(good.detail, "arn:aws:iam::1:user/me (environment)");
}

TEST(Doctor, RegionIsAWarningWhenMissing) {
  EXPECT_EQ(check_region("", "").status, CheckStatus::warn);
  EXPECT_EQ(check_region("", "").fix, "gpubox config set region us-east-1 (or export AWS_REGION)");
  EXPECT_EQ(check_region("eu-west-1", "gpubox config").detail, "eu-west-1 (from gpubox config)");
}

TEST(Doctor, ClockSkewThresholds) {
  EXPECT_EQ(check_clock(Duration(20s)).status, CheckStatus::pass);
  EXPECT_EQ(check_clock(Duration(-90s)).status, CheckStatus::warn);
  auto bad = check_clock(Duration(6min));
  EXPECT_EQ(bad.status, CheckStatus::fail);
  EXPECT_EQ(bad.detail, "+360 s from AWS's clock");
  EXPECT_EQ(check_clock(std::nullopt).status, CheckStatus::warn);
}

TEST(Doctor, SshInclude) {
  const std::filesystem::path managed = "/h/.local/share/gpubox/ssh_config";
  EXPECT_EQ(check_ssh_include(std::string("Include /h/.local/share/gpubox/ssh_config\nHost x\n"),
                              managed, "/h")
                .status,
            CheckStatus::pass);
  auto missing = check_ssh_include(std::nullopt, managed, "/h");
  EXPECT_EQ(missing.status, CheckStatus::warn);
  EXPECT_NE(missing.fix.find("Include /h/.local/share/gpubox/ssh_config"), std::string::npos);
  // After a Host line it does not apply to every host: still a warning.
  EXPECT_EQ(check_ssh_include(std::string("Host x\nInclude /h/.local/share/gpubox/ssh_config\n"),
                              managed, "/h")
                .status,
            CheckStatus::warn);
}

TEST(Doctor, DataDirPermissions) {
  EXPECT_EQ(check_data_dir("/d", 040700).status, CheckStatus::pass);
  auto open = check_data_dir("/d", 040755);
  EXPECT_EQ(open.status, CheckStatus::fail);
  EXPECT_EQ(open.fix, "chmod 700 /d");
  EXPECT_EQ(open.detail, "/d is mode 0755: others can read keys and tokens");
  EXPECT_EQ(check_data_dir("/d", std::nullopt).status, CheckStatus::pass);
}

TEST(Doctor, CatalogAge) {
  EXPECT_EQ(catalog_age_days("2025-09", day(2025, 10, 1)), 30);
  EXPECT_EQ(catalog_age_days("2025-11-02T10:00:00Z", day(2025, 11, 12)), 10);
  EXPECT_EQ(catalog_age_days("soon", day(2025, 1, 1)), std::nullopt);
  EXPECT_EQ(check_catalog_age("2025-09", day(2025, 11, 1)).status, CheckStatus::pass);
  auto old = check_catalog_age("2025-09", day(2026, 12, 7));
  EXPECT_EQ(old.status, CheckStatus::warn);
  EXPECT_EQ(old.detail, "prices as of 2025-09 (462 days old)");
}

TEST(Doctor, ExitCodeIsOneOnlyOnFailure) {
  EXPECT_EQ(doctor_exit_code({{"a", CheckStatus::pass, "", ""}, {"b", CheckStatus::warn, "", ""}}),
            0);
  EXPECT_EQ(doctor_exit_code({{"a", CheckStatus::fail, "", ""}}), 1);
}

}  // namespace
}  // namespace gpubox::cli
