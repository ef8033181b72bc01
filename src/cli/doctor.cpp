#include "cli/doctor.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "box/access/ssh_config.hpp"
#include "core/strings.hpp"

namespace gpubox::cli {
namespace {

CheckResult passed(std::string name, std::string detail) {
  return {std::move(name), CheckStatus::pass, std::move(detail), ""};
}

CheckResult warning(std::string name, std::string detail, std::string fix) {
  return {std::move(name), CheckStatus::warn, std::move(detail), std::move(fix)};
}

CheckResult failed(std::string name, std::string detail, std::string fix) {
  return {std::move(name), CheckStatus::fail, std::move(detail), std::move(fix)};
}

}  // namespace

std::string_view status_name(CheckStatus s) {
  switch (s) {
    case CheckStatus::pass:
      return "PASS";
    case CheckStatus::warn:
      return "WARN";
    case CheckStatus::fail:
      return "FAIL";
  }
  return "FAIL";
}

CheckResult check_ssh_client(const Result<ProcessResult>& ssh_version) {
  const std::string fix = "install the OpenSSH client: sudo apt-get install openssh-client";
  if (!ssh_version) {
    return failed("ssh client", "ssh not found: " + ssh_version.error().message, fix);
  }
  // `ssh -V` prints "OpenSSH_9.2p1 Debian-2, OpenSSL 3.0.11 ..." on stderr and exits 0.
  std::string text(trim(ssh_version->stderr_text + ssh_version->stdout_text));
  if (ssh_version->exit_code != 0 || !text.starts_with("OpenSSH_")) {
    return failed("ssh client", "`ssh -V` said: " + text, fix);
  }
  return passed("ssh client", text.substr(0, text.find(',')));
}

CheckResult check_key(const std::optional<std::filesystem::path>& path, std::string_view key_line) {
  if (!path) {
    return warning("ssh key", "no ~/.ssh/id_ed25519.pub, id_ecdsa.pub or id_rsa.pub",
                   "`up` will create a key pair per box; to use your own: ssh-keygen -t ed25519");
  }
  const std::string type(key_line.substr(0, key_line.find(' ')));
  if (type == "ssh-ed25519" || type.starts_with("ecdsa-sha2-") ||
      type == "sk-ssh-ed25519@openssh.com") {
    return passed("ssh key", type + " " + path->string());
  }
  if (type == "ssh-rsa") {
    return warning("ssh key", "RSA key " + path->string(),
                   "RSA works, but ed25519 is shorter and faster: ssh-keygen -t ed25519");
  }
  return failed("ssh key", "unrecognised key type '" + type + "' in " + path->string(),
                "point `gpubox config set key` at an OpenSSH public key (.pub), or run "
                "ssh-keygen -t ed25519");
}

CheckResult check_credentials(const Result<std::string>& arn, std::string_view source) {
  if (!arn) {
    std::string fix = arn.error().hint.empty()
                          ? "configure credentials: `aws configure` (access keys) or `aws sso "
                            "login` (IAM Identity Center), then `gpubox whoami`"
                          : arn.error().hint;
    return failed("credentials", arn.error().message, fix);
  }
  return passed("credentials", *arn + (source.empty() ? "" : " (" + std::string(source) + ")"));
}

CheckResult check_region(std::string_view region, std::string_view source) {
  if (region.empty()) {
    return warning("region", "none configured; named boxes and `ls` still work, `up` searches",
                   "gpubox config set region us-east-1 (or export AWS_REGION)");
  }
  return passed("region", fmt::format("{} (from {})", region, source));
}

CheckResult check_clock(std::optional<Duration> skew) {
  if (!skew) {
    return warning("clock", "could not read AWS's Date header", "check the network, then rerun");
  }
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(*skew).count();
  const std::string detail = fmt::format("{:+d} s from AWS's clock", seconds);
  if (std::abs(seconds) >= 300) {
    return failed("clock", detail,
                  "AWS refuses requests signed 5 minutes off: sync the clock (timedatectl "
                  "set-ntp true)");
  }
  if (std::abs(seconds) >= 60) {
    return warning("clock", detail, "sync the clock (timedatectl set-ntp true)");
  }
  return passed("clock", detail);
}

CheckResult check_ssh_include(const std::optional<std::string>& ssh_config,
                              const std::filesystem::path& managed,
                              const std::filesystem::path& home) {
  if (ssh_config && box::includes_managed(*ssh_config, managed, home)) {
    return passed("ssh Include", "~/.ssh/config includes " + managed.string());
  }
  return warning("ssh Include", "`ssh NAME` does not know gpubox's boxes",
                 "add this first line to ~/.ssh/config: Include " + managed.string() +
                     " (`gpubox ssh NAME` works without it)");
}

CheckResult check_data_dir(const std::filesystem::path& dir, std::optional<unsigned> mode) {
  if (!mode) {
    return passed("GPUBOX_HOME", dir.string() + " (created on first use, mode 0700)");
  }
  if ((*mode & 077U) != 0) {
    return failed("GPUBOX_HOME",
                  fmt::format("{} is mode {:04o}: others can read keys and tokens", dir.string(),
                              *mode & 07777U),
                  "chmod 700 " + dir.string());
  }
  return passed("GPUBOX_HOME", fmt::format("{} (mode {:04o})", dir.string(), *mode & 07777U));
}

std::optional<int> catalog_age_days(std::string_view generated_at, TimePoint now) {
  int y = 0;
  unsigned m = 0;
  unsigned d = 1;
  if (generated_at.size() < 7 ||
      std::sscanf(std::string(generated_at).c_str(), "%d-%u-%u", &y, &m, &d) < 2) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(m),
                                        std::chrono::day(d)};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  const auto days = std::chrono::floor<std::chrono::days>(now) - std::chrono::sys_days(ymd);
  return static_cast<int>(days.count());
}

CheckResult check_catalog_age(std::string_view generated_at, TimePoint now) {
  auto age = catalog_age_days(generated_at, now);
  if (!age) {
    return warning("catalog", "price catalog of an unknown date", "gpubox catalog refresh");
  }
  const std::string detail = fmt::format("prices as of {} ({} days old)", generated_at, *age);
  if (*age > 90) {
    return warning("catalog", detail, "gpubox catalog refresh (reads AWS's Price List API)");
  }
  return passed("catalog", detail);
}

void warn_if_catalog_old(const Streams& streams, std::string_view generated_at, TimePoint now) {
  auto age = catalog_age_days(generated_at, now);
  if (age && *age > 90) {
    cli::warn(streams, fmt::format("the price catalog is from {} ({} days old); `gpubox catalog "
                                   "refresh` updates it",
                                   generated_at, *age));
  }
}

int doctor_exit_code(const std::vector<CheckResult>& checks) {
  for (const auto& c : checks) {
    if (c.status == CheckStatus::fail) {
      return 1;
    }
  }
  return 0;
}

}  // namespace gpubox::cli
