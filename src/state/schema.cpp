#include "state/schema.hpp"

#include <array>

namespace gpubox::state {

namespace {

// Times are integer milliseconds since the Unix epoch (UTC).
constexpr std::string_view k_v1 = R"sql(
CREATE TABLE boxes (
  name TEXT PRIMARY KEY NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('aws', 'byo')),
  region TEXT NOT NULL DEFAULT '',
  zone TEXT NOT NULL DEFAULT '',
  instance_id TEXT NOT NULL DEFAULT '',
  instance_type TEXT NOT NULL DEFAULT '',
  gpu_summary TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT '',
  public_ip TEXT NOT NULL DEFAULT '',
  ssh_user TEXT NOT NULL DEFAULT '',
  ssh_host TEXT NOT NULL DEFAULT '',
  ssh_port INTEGER NOT NULL DEFAULT 22,
  key_path TEXT NOT NULL DEFAULT '',
  key_name TEXT NOT NULL DEFAULT '',
  security_group_id TEXT NOT NULL DEFAULT '',
  allow_from TEXT NOT NULL DEFAULT '',
  ami_id TEXT NOT NULL DEFAULT '',
  price_per_hour_usd REAL NOT NULL DEFAULT 0,
  spot INTEGER NOT NULL DEFAULT 0,
  disk_gb INTEGER NOT NULL DEFAULT 0,
  created_at_ms INTEGER NOT NULL,
  idle_minutes INTEGER NOT NULL DEFAULT 0,
  max_hours REAL NOT NULL DEFAULT 0,
  budget_usd REAL NOT NULL DEFAULT 0,
  jupyter_token_path TEXT NOT NULL DEFAULT '',
  host_key_pinned INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE launch_records (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  region TEXT NOT NULL,
  zone TEXT NOT NULL DEFAULT '',
  instance_type TEXT NOT NULL DEFAULT '',
  client_token TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL CHECK (status IN ('pending', 'launched', 'failed', 'ended')),
  created_at_ms INTEGER NOT NULL,
  instance_id TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT ''
);
-- At most one open launch per name, whatever the code above it does.
CREATE UNIQUE INDEX launch_records_open ON launch_records(name)
  WHERE status IN ('pending', 'launched');

CREATE TABLE ledger (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  instance_id TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  price_per_hour_usd REAL NOT NULL DEFAULT 0
);
CREATE INDEX ledger_name ON ledger(name, id);
)sql";

// v2: the exact RunInstances parameters of a launch, fixed before its first call, so a resumed
// `up` replays them and EC2 accepts the ClientToken (issue 9).
constexpr std::string_view k_v2 = R"sql(
ALTER TABLE launch_records ADD COLUMN params TEXT NOT NULL DEFAULT '';
)sql";

// v3: multi-node clusters (issue 13): each node is a box named CLUSTER.RANK with its cluster,
// its rank and the private address the other nodes reach it at.
constexpr std::string_view k_v3 = R"sql(
ALTER TABLE boxes ADD COLUMN cluster TEXT NOT NULL DEFAULT '';
ALTER TABLE boxes ADD COLUMN node_index INTEGER NOT NULL DEFAULT 0;
ALTER TABLE boxes ADD COLUMN private_ip TEXT NOT NULL DEFAULT '';
CREATE INDEX boxes_cluster ON boxes(cluster, node_index);
)sql";

constexpr std::array<std::string_view, 3> k_migrations = {k_v1, k_v2, k_v3};

}  // namespace

std::span<const std::string_view> schema_migrations() { return k_migrations; }

}  // namespace gpubox::state
