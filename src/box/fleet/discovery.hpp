#pragma once
// Box discovery: the cloud is the source of truth, the local store only a cache. Every region is
// queried in parallel (one thread per region, all sharing one thread-safe AwsClient) for
// instances tagged gpubox:box; the result is merged with the store, and the store is repaired
// from it (boxes found only in the cloud are adopted, changed state/address/zone is written back,
// boxes the cloud no longer has are marked "gone").

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"
#include "aws/ec2_instances.hpp"
#include "box/money/cost.hpp"
#include "catalog/catalog.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "state/box_store.hpp"

namespace gpubox::box {

// The state a store box gets when its region was queried and no live instance was found.
inline constexpr std::string_view k_state_gone = "gone";

// Return the instance states that count as a live box (terminated ones linger in Describe).
const std::vector<std::string>& live_instance_states();

// Run `fn(index, region)` for every region of `regions` on its own thread; return when all end.
void for_each_region_parallel(const std::vector<std::string>& regions,
                              const std::function<void(size_t, const std::string&)>& fn);

// The live gpubox instances of one region, or why the region could not be queried.
struct RegionInstances {
  std::string region;
  std::vector<aws::Instance> instances;
  std::optional<Error> error;
  std::map<std::string, std::string> spot_states = {};  // spot request id -> state (spot only)
};

// Query `regions` in parallel for live instances that carry the gpubox:box tag.
std::vector<RegionInstances> scan_instances(aws::AwsClient& client,
                                            const std::vector<std::string>& regions);

// What the catalog says about an instance type in a region.
struct TypeInfo {
  std::string gpu_summary;  // "1x T4 16GiB"; empty when the catalog lacks the type
  double price_per_hour_usd = 0;
};

// Return the GPU summary and $/h (spot or on-demand) of `instance_type` in `region`.
TypeInfo type_info(const catalog::Catalog* catalog, std::string_view instance_type,
                   std::string_view region, bool spot);

// One box as ls shows it: the store's record merged with what the cloud reports.
struct BoxView {
  state::Box box;
  std::optional<aws::Instance> instance;  // the live instance, when found
  bool adopted = false;                   // found only in the cloud; added to the store
  bool changed = false;    // the store's record differs from the cloud and was updated
  bool gone = false;       // its region was queried and no live instance was found
  bool unknown = false;    // its region could not be queried; the record is the cached one
  bool duplicate = false;  // another live instance with a name the store already maps elsewhere
  std::string spot_request_state;  // the state of its spot request when not "active" (or unknown)
  std::string owner;               // the gpubox:owner tag of the instance, when one was found
};

// Return `stored` merged with the instances of `scans` that `owner` owns (pure; an empty owner
// accepts every owner). Regions absent from `scans` keep their cached records; instances nobody
// in the store owns become adopted boxes built from their tags. Instances whose box name tag is
// not a valid name are left out.
std::vector<BoxView> merge_views(const std::vector<state::Box>& stored,
                                 const std::vector<RegionInstances>& scans,
                                 const catalog::Catalog* catalog, TimePoint now,
                                 std::string_view owner = {});

// Return the live gpubox instances of `scans` that `owner` does not own, as read-only views
// (never stored, never acted on); names that are not valid box names are left out.
std::vector<BoxView> foreign_views(const std::vector<RegionInstances>& scans,
                                   const catalog::Catalog* catalog, TimePoint now,
                                   std::string_view owner);

// Return a store record for `instance` in `region` built from its tags and the catalog.
state::Box box_from_instance(const aws::Instance& instance, std::string_view region,
                             const catalog::Catalog* catalog, TimePoint now);

// Return when the current run of pending/running entries at the end of `ledger` began, or
// nullopt when the last entry is not running.
std::optional<TimePoint> running_since(const std::vector<state::LedgerEntry>& ledger);

// Return what `view` has cost up to `now`: from its ledger (entries since the box was created),
// or estimated from the launch time when the ledger began only when the box was adopted.
BoxCost view_cost(const BoxView& view, const std::vector<state::LedgerEntry>& ledger,
                  TimePoint now);

struct DiscoverDeps {
  aws::AwsClient& client;
  state::BoxStore& store;
  Clock& clock;
  const catalog::Catalog* catalog = nullptr;  // may be null: no GPU summary or $/h then
  std::string owner;  // the caller (owner_from_arn): only its boxes are adopted and repaired
};

struct Discovery {
  std::vector<BoxView> views;           // ordered by name
  std::vector<RegionInstances> failed;  // regions that could not be queried
  std::vector<std::string> regions;     // every region queried
  std::vector<BoxView> others;          // other owners' boxes (read-only, for ls --all-owners)
};

// Scan `regions`, merge with the store, write the repairs back and record every observed state
// in the ledger; return the merged views.
Result<Discovery> discover(const DiscoverDeps& deps, std::vector<std::string> regions);

// Return discover() over every region enabled for the account (DescribeRegions in
// `home_region`).
Result<Discovery> discover_everywhere(const DiscoverDeps& deps, std::string_view home_region);

// Return the box called `name`: the store's record, else one found by tag in `regions` (and
// added to the store). When it is nowhere, a not_found Error "no box named X" that suggests the
// nearest known names.
Result<state::Box> locate_box(const DiscoverDeps& deps, std::string_view name,
                              const std::vector<std::string>& regions);

// Return the box called `name`: the store's record, else locate_box() over every region enabled
// for the account (DescribeRegions in `home_region`), saying so on `progress` first.
Result<state::Box> locate_box_everywhere(const DiscoverDeps& deps, std::string_view name,
                                         std::string_view home_region, ProgressSink& progress);

// Return the known box names closest to `name` (edit distance at most 2, or a shared prefix),
// nearest first.
std::vector<std::string> nearest_names(std::string_view name,
                                       const std::vector<std::string>& known);

}  // namespace gpubox::box
