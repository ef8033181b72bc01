#pragma once
// `gpubox doctor`: each check is a pure function of facts the command gathers (a process result,
// a file's text, a clock skew), so every verdict and its fix is tested without a machine.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/output.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/process.hpp"

namespace gpubox::cli {

enum class CheckStatus { pass, warn, fail };

struct CheckResult {
  std::string name;  // "ssh client"
  CheckStatus status = CheckStatus::pass;
  std::string detail;  // what was found
  std::string fix;     // what to do; empty on pass
};

// Return "PASS", "WARN" or "FAIL".
std::string_view status_name(CheckStatus s);

// Judge `ssh -V`'s outcome.
CheckResult check_ssh_client(const Result<ProcessResult>& ssh_version);

// Judge the public key `up` would import (`path`, nullopt when there is none) from its first
// line `key_line` ("ssh-ed25519 AAAA...").
CheckResult check_key(const std::optional<std::filesystem::path>& path, std::string_view key_line);

// Judge the credentials: `arn` from GetCallerIdentity, or the error getting it.
CheckResult check_credentials(const Result<std::string>& arn, std::string_view source);

// Judge the region `region` (empty when none) and where it came from.
CheckResult check_region(std::string_view region, std::string_view source);

// Judge the local clock against AWS's Date header: `skew` is server minus local, nullopt when no
// Date could be read.
CheckResult check_clock(std::optional<Duration> skew);

// Judge ~/.ssh/config's text (nullopt when it does not exist) for the Include of `managed`.
CheckResult check_ssh_include(const std::optional<std::string>& ssh_config,
                              const std::filesystem::path& managed,
                              const std::filesystem::path& home);

// Judge the data directory `dir` and its permission bits `mode` (nullopt: it does not exist).
CheckResult check_data_dir(const std::filesystem::path& dir, std::optional<unsigned> mode);

// Return the days between the catalog date `generated_at` ("2025-09" or RFC 3339) and `now`.
std::optional<int> catalog_age_days(std::string_view generated_at, TimePoint now);

// Judge the price catalog's age: over 90 days is a warning.
CheckResult check_catalog_age(std::string_view generated_at, TimePoint now);

// Warn on stderr when the price catalog `generated_at` is over 90 days old at `now` (the prices
// `offers` and `up` show may then be stale).
void warn_if_catalog_old(const Streams& streams, std::string_view generated_at, TimePoint now);

// Return 1 when any check failed, else 0.
int doctor_exit_code(const std::vector<CheckResult>& checks);

}  // namespace gpubox::cli
