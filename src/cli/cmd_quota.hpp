#pragma once
// gpubox quota: the options and the run step, callable from tests/cli.

#include <optional>
#include <string>
#include <vector>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct QuotaOptions {
  std::string gpu;
  std::string type;
  std::string regions = "all";
  bool json = false;
};

struct QuotaRequestOptions {
  std::string type;
  std::string region;
  int count = 1;
  bool spot = false;
  bool json = false;
};

struct QuotaRequestsOptions {
  std::string regions;
  bool json = false;
};

// Run `gpubox quota` with `opts` against `env`: one core call, then render.
Result<void> run_quota(const QuotaOptions& opts, Env& env);

// Run `gpubox quota request` with `opts` against `env`.
Result<void> run_quota_request(const QuotaRequestOptions& opts, Env& env);

// Run `gpubox quota requests` with `opts` against `env`.
Result<void> run_quota_requests(const QuotaRequestsOptions& opts, Env& env);

}  // namespace gpubox::cli
