#pragma once
// gpubox catalog: the options and the run step, callable from tests/cli.

#include <optional>
#include <string>
#include <vector>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct CatalogRefreshOptions {
  std::string regions = "all";
  bool json = false;
};

// Run `gpubox catalog refresh` with `opts` against `env`: one core call, then render.
Result<void> run_catalog_refresh(const CatalogRefreshOptions& opts, Env& env);

}  // namespace gpubox::cli
