#pragma once
// What a box has cost: running hours times the price that applied, plus the EBS storage that
// keeps billing while stopped. Pure; times come from the caller's Clock.

#include <optional>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "state/box_store.hpp"

namespace gpubox::box {

// AWS charges every public IPv4 address $0.005 per hour since February 2024, also the one EC2
// gives a box at launch. EC2 releases that address when the box stops, so it bills while
// running only.
inline constexpr double k_public_ipv4_usd_per_hour = 0.005;

// Return what a running box bills per hour: `instance_usd_per_hour` plus its public IPv4
// address; 0 when the instance price is unknown (0).
double hourly_usd(double instance_usd_per_hour);

struct BoxCost {
  double running_hours = 0;
  double stopped_hours = 0;
  double compute_usd = 0;  // running hours x the $/h recorded with each ledger entry
  double ipv4_usd = 0;     // running hours x k_public_ipv4_usd_per_hour
  double storage_usd = 0;  // disk GiB x EBS $/GiB-month, pro rata, for every hour the box existed
  double total_usd = 0;
  bool estimated = false;  // true when costed from the launch time, not from the ledger
};

// Return the cost of one box from its ledger entries (oldest first) up to `now`, counting only
// time after `since` when given. Entries in states "pending"/"running" bill compute and the
// public IPv4 address.
BoxCost cost_from_ledger(const std::vector<state::LedgerEntry>& ledger, TimePoint now,
                         std::optional<TimePoint> since, int disk_gb);

// Return an estimate for a box found in the cloud but not in the ledger: running since
// `launch_time` when `state` is running, else nothing for compute.
BoxCost estimate_from_launch(TimePoint launch_time, std::string_view state,
                             double price_per_hour_usd, TimePoint now, int disk_gb);

// Return cost_from_ledger with storage priced for `region`.
BoxCost cost_from_ledger(const std::vector<state::LedgerEntry>& ledger, TimePoint now,
                         std::optional<TimePoint> since, int disk_gb, std::string_view region);

// Return estimate_from_launch with storage priced for `region`.
BoxCost estimate_from_launch(TimePoint launch_time, std::string_view state,
                             double price_per_hour_usd, TimePoint now, int disk_gb,
                             std::string_view region);

// Return the EBS gp3 price in USD per GiB-month used for storage costs.
double ebs_gp3_usd_per_gib_month(std::string_view region);

}  // namespace gpubox::box
