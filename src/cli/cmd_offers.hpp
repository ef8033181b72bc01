#pragma once
// gpubox offers: the options and the run step, callable from tests/cli.

#include <optional>
#include <string>
#include <vector>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct OffersOptions {
  std::string gpu;
  std::optional<double> min_gpu_mem;
  std::optional<int> vcpus;
  std::optional<double> memory;
  bool spot = false;
  std::optional<double> max_price;
  std::string regions;
  size_t limit = 0;
  bool json = false;
  bool check_quota = false;
  bool all = false;  // every offer (a terminal shows the best 20)
};

// Run `gpubox offers` with `opts` against `env`: one core call, then render.
Result<void> run_offers(const OffersOptions& opts, Env& env);

}  // namespace gpubox::cli
