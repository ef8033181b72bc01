#pragma once
// gpubox's local state: the boxes it knows, the launch records that make RunInstances idempotent,
// and a ledger of state changes for cost reports. Times are always passed in (from the Clock);
// the store never reads the time itself. Several processes may open the same file at once.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "state/db.hpp"

namespace gpubox::state {

enum class BoxKind { aws, byo };

// Return "aws" or "byo".
const char* to_string(BoxKind kind);

// One box gpubox manages: an EC2 instance it launched, or a bring-your-own SSH host.
// Empty strings and zeros mean "not known / not set".
struct Box {
  std::string name;
  BoxKind kind = BoxKind::aws;
  std::string region;
  std::string zone;
  std::string instance_id;
  std::string instance_type;
  std::string gpu_summary;  // e.g. "1x A10G 24 GiB"
  std::string state;        // EC2 state name ("running") or "unknown" for byo
  std::string public_ip;
  std::string ssh_user;
  std::string ssh_host;  // what ssh connects to; for aws boxes usually the public IP
  int ssh_port = 22;
  std::string key_path;  // private key file
  std::string key_name;  // EC2 key pair name
  std::string security_group_id;
  std::string allow_from;  // CIDR allowed to reach SSH
  std::string ami_id;
  double price_per_hour_usd = 0;
  bool spot = false;
  int disk_gb = 0;
  TimePoint created_at{};
  int idle_minutes = 0;   // idle auto-stop after this many minutes; 0 = off
  double max_hours = 0;   // hard time limit; 0 = none
  double budget_usd = 0;  // spend limit; 0 = none
  std::string jupyter_token_path;
  bool host_key_pinned = false;
  // A node of a multi-node cluster: the cluster's name and this node's rank (0 for node 0, whose
  // address other nodes use as MASTER_ADDR). Empty for a single box.
  std::string cluster;
  int node_index = 0;
  std::string private_ip;  // the address other nodes of its cluster reach it at
};

enum class LaunchStatus { pending, launched, failed, ended };

// Return the lowercase name of `status`.
const char* to_string(LaunchStatus status);

// One logical launch: its ClientToken is written here before RunInstances is called.
struct LaunchRecord {
  std::int64_t id = 0;
  std::string name;
  std::string region;
  std::string zone;
  std::string instance_type;
  std::string client_token;
  LaunchStatus status = LaunchStatus::pending;
  TimePoint created_at{};
  std::string instance_id;
  std::string error;   // why it failed, when it did
  std::string params;  // the RunInstances wire parameters (JSON), set once before the first call
};

// What begin_launch needs to create a record.
struct LaunchRequest {
  std::string name;
  std::string region;
  std::string zone;
  std::string instance_type;
  TimePoint now{};
};

// One observed state of a box's instance.
struct LedgerEntry {
  std::string name;
  std::string instance_id;
  std::string state;
  TimePoint at{};
  double price_per_hour_usd = 0;
};

class BoxStore {
public:
  // Open (creating and migrating as needed) the state database at `path`.
  static Result<BoxStore> open(const std::filesystem::path& path);
  // Open a migrated in-memory store (for tests).
  static Result<BoxStore> open_memory();

  // Add `box`; an Error of kind conflict when a box of that name exists.
  Result<void> insert_box(const Box& box);
  // Replace the stored box named `box.name`; not_found when there is none.
  Result<void> update_box(const Box& box);
  // Return the box called `name`, if any.
  Result<std::optional<Box>> find_box(std::string_view name);
  // Return the box called `name`, or an Error of kind not_found.
  Result<Box> get_box(std::string_view name);
  // Return the nodes of cluster `cluster`, ordered by rank; empty when there is no such cluster.
  Result<std::vector<Box>> list_members(std::string_view cluster);
  // Return all boxes ordered by name.
  Result<std::vector<Box>> list_boxes();
  // Delete the box called `name` and end its open launch records, so a later launch of the same
  // name gets a fresh ClientToken; not_found when there is none. The ledger is kept.
  Result<void> remove_box(std::string_view name);

  // In one immediate transaction, return the open (pending or launched) launch record for
  // `req.name`, or create a pending one with a fresh random ClientToken. A returned existing
  // record may name another region or zone than `req`: ClientTokens are per region, so the
  // caller must resume in the record's region.
  Result<LaunchRecord> begin_launch(const LaunchRequest& req);
  // Mark the record holding `client_token` launched as `instance_id` (and set its zone).
  Result<void> mark_launched(std::string_view client_token, std::string_view instance_id,
                             std::string_view zone = {});
  // Mark the record holding `client_token` failed. Only call this when AWS definitely did not
  // launch (an error response); after a timeout the launch may have happened, so keep it pending.
  Result<void> mark_launch_failed(std::string_view client_token, std::string_view error);
  // Store `params` for the record holding `client_token` unless it already has some; return the
  // record's params afterwards (the first ones stored win, so every retry replays them).
  Result<std::string> fix_launch_params(std::string_view client_token, std::string_view params);
  // End the open launch records of `name` (its instance is gone), so the next launch of that
  // name gets a fresh ClientToken.
  Result<void> end_launches(std::string_view name);
  // Return the open launch record for `name`, if any.
  Result<std::optional<LaunchRecord>> open_launch(std::string_view name);
  // Return every launch record for `name`, oldest first.
  Result<std::vector<LaunchRecord>> launches(std::string_view name);

  // Append `entry` unless the last entry for its box has the same state and instance; return
  // whether it was appended.
  Result<bool> record_state_change(const LedgerEntry& entry);
  // Return the ledger of `name` oldest first, or of all boxes when `name` is empty.
  Result<std::vector<LedgerEntry>> ledger(std::string_view name = {});

  // Return the underlying connection.
  Db& db() { return m_db; }
  // Return whether this store lives in memory only (tests, or a stand-in for an unusable file).
  bool in_memory() const { return m_memory; }

private:
  explicit BoxStore(Db db) : m_db(std::move(db)) {}
  static Result<BoxStore> migrated(Db db);

  Db m_db;
  bool m_memory = false;
};

// Return a fresh random RunInstances ClientToken ("gpubox-" + 32 hex digits, 39 characters).
std::string new_client_token();

}  // namespace gpubox::state
