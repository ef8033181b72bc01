#pragma once
// `gpubox cost`: every box with ledger entries costed from the ledger, plus gpubox-tagged
// instances found in the cloud that the ledger does not know, estimated from their launch time.

#include <optional>
#include <string>
#include <vector>

#include "aws/client.hpp"
#include "box/money/cost.hpp"
#include "catalog/catalog.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "state/box_store.hpp"

namespace gpubox::box {

struct CostRow {
  std::string name;
  std::string region;
  std::string instance_type;
  BoxCost cost;
};

struct CostQuery {
  std::string name;                // one box; empty: all
  std::optional<TimePoint> since;  // count only time after this
  std::string home_region;         // looked in for untracked instances, with the boxes' regions
};

struct CostDeps {
  aws::AwsClient* client = nullptr;  // null: the ledger only (offline)
  state::BoxStore& store;
  const catalog::Catalog* catalog = nullptr;  // prices of untracked instances; may be null
  Clock& clock;
};

struct CostReport {
  std::vector<CostRow> rows;  // ledger rows by name, then estimates
  double total_usd = 0;
  std::optional<Error> lookup_error;  // the cloud could not be asked; the rows are the ledger's
};

// Cost `query` from the ledger and, with a client, estimate the untracked instances. A failed
// cloud lookup is reported in `lookup_error`, not as an Error; asking for one box that has no
// cost record is an Error of kind not_found.
Result<CostReport> cost_report(const CostDeps& deps, const CostQuery& query);

}  // namespace gpubox::box
