#pragma once
// `gpubox catalog refresh`, the AWS half: instance specs from DescribeInstanceTypes, zones from
// DescribeInstanceTypeOfferings, on-demand Linux prices from the Price List API and current spot
// prices from DescribeSpotPriceHistory, region by region in parallel. Also the region list
// shared by `quota`, `offers` and `catalog refresh` (`--regions all|R,R`).

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"
#include "aws/pricing.hpp"
#include "catalog/refresh.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/filesystem.hpp"

namespace gpubox::box {

// A region that failed during a multi-region operation.
struct RegionFailure {
  std::string region;
  Error error;
};

// What fetch_catalog gathered, and which regions it could not read.
struct CatalogFetch {
  catalog::RefreshData data;
  std::vector<RegionFailure> failures;
};

// Return the regions of `spec`: "all" (or empty) means every region enabled for the account
// (DescribeRegions in `home_region`), else a comma-separated list.
Result<std::vector<std::string>> resolve_regions(aws::AwsClient& client,
                                                 std::string_view home_region,
                                                 std::string_view spec);

// Return the Price List filters for one on-demand Linux, shared-tenancy, no-software, used-
// capacity price in `region` (aws-reference.md 9.1).
std::vector<aws::PriceFilter> linux_on_demand_filters(std::string_view region);

// Fetch the GPU instance types, zones and prices of `regions` at `now`; fails only when every
// region fails.
Result<CatalogFetch> fetch_catalog(aws::AwsClient& client, const std::vector<std::string>& regions,
                                   TimePoint now);

// What `catalog refresh` wrote.
struct CatalogRefresh {
  std::filesystem::path path;
  TimePoint generated_at;
  size_t instance_types = 0;
  size_t regions_with_prices = 0;
  std::vector<RegionFailure> failures;  // regions left out
  std::vector<std::string> warnings;    // e.g. the previous catalog could not be merged
};

// Fetch the catalog of `regions` at `now` and write it to `path` through `fs` (mode 0644). With
// `merge` (`--regions R`), the rows the file at `path` holds for every other region, and for a
// region that failed to answer, are kept. The new file is parsed first: one that `offers` could
// not read, or without any price, never replaces the old one.
Result<CatalogRefresh> refresh_catalog(aws::AwsClient& client, FileSystem& fs,
                                       const std::vector<std::string>& regions, TimePoint now,
                                       const std::filesystem::path& path, bool merge = false);

}  // namespace gpubox::box
