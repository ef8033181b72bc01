#include "box/money/cost.hpp"

#include <algorithm>
#include <chrono>
#include <string>

namespace gpubox::box {

namespace {

// AWS prorates GiB-month storage over a 730-hour month.
constexpr double k_hours_per_month = 730.0;

double hours_between(TimePoint from, TimePoint to) {
  if (to <= from) {
    return 0;
  }
  return std::chrono::duration<double, std::ratio<3600>>(to - from).count();
}

bool bills_compute(std::string_view state) { return state == "pending" || state == "running"; }

bool is_gone(std::string_view state) { return state == "terminated" || state == "shutting-down"; }

double storage_cost(int disk_gb, double hours, std::string_view region) {
  return disk_gb * ebs_gp3_usd_per_gib_month(region) * hours / k_hours_per_month;
}

void finish(BoxCost& c) {
  c.ipv4_usd = c.running_hours * k_public_ipv4_usd_per_hour;
  c.total_usd = c.compute_usd + c.ipv4_usd + c.storage_usd;
}

}  // namespace

double hourly_usd(double instance_usd_per_hour) {
  return instance_usd_per_hour > 0 ? instance_usd_per_hour + k_public_ipv4_usd_per_hour : 0;
}

BoxCost cost_from_ledger(const std::vector<state::LedgerEntry>& ledger, TimePoint now,
                         std::optional<TimePoint> since, int disk_gb) {
  return cost_from_ledger(ledger, now, since, disk_gb, "us-east-1");
}

BoxCost cost_from_ledger(const std::vector<state::LedgerEntry>& ledger, TimePoint now,
                         std::optional<TimePoint> since, int disk_gb, std::string_view region) {
  BoxCost c;
  double existing_hours = 0;
  for (size_t k = 0; k < ledger.size(); ++k) {
    const state::LedgerEntry& e = ledger[k];
    // Each entry holds until the next one (or now); only the part after `since` counts.
    TimePoint start = e.at;
    TimePoint end = k + 1 < ledger.size() ? ledger[k + 1].at : now;
    end = std::min(end, now);
    if (since) {
      start = std::max(start, *since);
    }
    const double hours = hours_between(start, end);
    if (bills_compute(e.state)) {
      c.running_hours += hours;
      c.compute_usd += hours * e.price_per_hour_usd;
    } else if (!is_gone(e.state)) {
      c.stopped_hours += hours;
    }
    if (!is_gone(e.state)) {
      existing_hours += hours;
    }
  }
  c.storage_usd = storage_cost(disk_gb, existing_hours, region);
  finish(c);
  return c;
}

BoxCost estimate_from_launch(TimePoint launch_time, std::string_view state,
                             double price_per_hour_usd, TimePoint now, int disk_gb) {
  return estimate_from_launch(launch_time, state, price_per_hour_usd, now, disk_gb, "us-east-1");
}

BoxCost estimate_from_launch(TimePoint launch_time, std::string_view state,
                             double price_per_hour_usd, TimePoint now, int disk_gb,
                             std::string_view region) {
  BoxCost c;
  c.estimated = true;
  if (is_gone(state)) {
    finish(c);
    return c;
  }
  const double hours = hours_between(launch_time, now);
  if (bills_compute(state)) {
    c.running_hours = hours;
    c.compute_usd = hours * price_per_hour_usd;
  } else {
    // When it stopped is unknown; the disk has billed since launch either way.
    c.stopped_hours = hours;
  }
  c.storage_usd = storage_cost(disk_gb, hours, region);
  finish(c);
  return c;
}

double ebs_gp3_usd_per_gib_month(std::string_view region) {
  // gp3 list prices per GiB-month (2025); other regions use the us-east-1 price as an estimate.
  struct RegionPrice {
    std::string_view region;
    double usd;
  };
  static constexpr RegionPrice k_prices[] = {
      {"us-east-1", 0.08},       {"us-east-2", 0.08},       {"us-west-2", 0.08},
      {"us-west-1", 0.096},      {"ca-central-1", 0.088},   {"eu-west-1", 0.088},
      {"eu-west-2", 0.0928},     {"eu-central-1", 0.0952},  {"eu-north-1", 0.0836},
      {"ap-south-1", 0.0912},    {"ap-northeast-1", 0.096}, {"ap-southeast-1", 0.096},
      {"ap-southeast-2", 0.096}, {"sa-east-1", 0.152},
  };
  for (const RegionPrice& p : k_prices) {
    if (p.region == region) {
      return p.usd;
    }
  }
  return 0.08;
}

}  // namespace gpubox::box
