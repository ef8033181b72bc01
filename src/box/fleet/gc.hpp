#pragma once
// Garbage collection: everything tagged gpubox:box that no box in the local store owns
// (instances of boxes the store forgot, security groups, key pairs, volumes), found in every
// region in parallel, listed, and removed on request.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"
#include "aws/ec2_instances.hpp"
#include "aws/ec2_network.hpp"
#include "aws/ec2_spot.hpp"
#include "box/fleet/lifecycle.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "state/box_store.hpp"

namespace gpubox::box {

// One tagged resource that no box owns.
struct Leftover {
  std::string region;
  std::string kind;    // "spot-request", "instance", "security-group", "key-pair", "volume"
  std::string id;      // instance, group or volume ID; key pair name
  std::string box;     // its gpubox:box tag
  std::string detail;  // e.g. "running g5.xlarge", "100 GiB available"
};

// Everything tagged gpubox:box in one region, or why the region could not be read.
struct RegionInventory {
  std::string region;
  std::vector<aws::Instance> instances;  // live states only
  std::vector<aws::SecurityGroup> groups;
  std::vector<aws::KeyPair> keys;
  std::vector<aws::Volume> volumes;
  std::vector<aws::SpotRequest> spot_requests;  // open, active or disabled only
  std::optional<Error> error;
};

// Return whether box `name` in `region` is owned (known to the store or being launched).
using OwnedFn = std::function<bool(std::string_view region, std::string_view name)>;

// Return the resources of `inventory` whose box is not owned, instances first (pure). With an
// `owner`, only resources whose gpubox:owner tag names it are considered: gc never touches what
// another person in the account made.
std::vector<Leftover> select_leftovers(const RegionInventory& inventory, const OwnedFn& owned,
                                       std::string_view owner = {});

// Return an OwnedFn for the boxes and open launches in `store`.
Result<OwnedFn> owned_by_store(state::BoxStore& store);

// Read everything tagged gpubox:box in `region`.
RegionInventory inventory_region(aws::AwsClient& client, const std::string& region);

// Return the stopped instances of `inventory` whose job ran with `--then down` (tag
// gpubox:then=down) and whose box is owned: what `gc` finishes with a full `down` (pure). Only
// `owner`'s, as select_leftovers.
std::vector<Leftover> select_finished(const RegionInventory& inventory, const OwnedFn& owned,
                                      std::string_view owner = {});

struct GcPlan {
  std::vector<Leftover> leftovers;
  std::vector<Leftover> finished;       // boxes to remove as `down` does (kind "box")
  std::vector<RegionInventory> failed;  // regions that could not be read
};

// End the open launch records that nothing works on any more: no box of that name is stored, no
// `gpubox up` holds its lock under `data_dir`, and its ClientToken finds no instance in its
// region. A killed `up` must not make its key pair and group look owned for ever. Return the
// names whose records ended.
Result<std::vector<std::string>> expire_stale_launches(aws::AwsClient& client,
                                                       state::BoxStore& store,
                                                       const std::filesystem::path& data_dir);

// Inventory `regions` in parallel and select what the store does not own among `owner`'s.
Result<GcPlan> find_leftovers(aws::AwsClient& client, state::BoxStore& store,
                              const std::vector<std::string>& regions, std::string_view owner);

// Return find_leftovers in every region enabled for the account (DescribeRegions in
// `home_region`); an error when no region could be read at all.
Result<GcPlan> find_leftovers_everywhere(aws::AwsClient& client, state::BoxStore& store,
                                         std::string_view home_region, std::string_view owner);

struct GcFailure {
  Leftover leftover;
  Error error;
};

struct GcReport {
  std::vector<Leftover> removed;
  std::vector<GcFailure> failed;
};

// Remove `leftovers` region by region in parallel: cancel spot requests (those listed and those of
// listed instances; an instance whose request cannot be cancelled is not terminated, since EC2
// would replace it), terminate instances and wait, then delete
// security groups (retrying while in use), key pairs and volumes. `clock` must be thread-safe
// when the leftovers span several regions.
GcReport remove_leftovers(aws::AwsClient& client, Clock& clock,
                          const std::vector<Leftover>& leftovers, const WaitPolicy& wait = {},
                          const RetryPolicy& retry = {});

}  // namespace gpubox::box
