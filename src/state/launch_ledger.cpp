// BoxStore: launch records and the state ledger.

#include "state/box_store.hpp"

namespace gpubox::state {

namespace {

constexpr std::string_view k_launch_columns =
    "id, name, region, zone, instance_type, client_token, status, created_at_ms, instance_id, "
    "error, params";

LaunchStatus parse_status(std::string_view s) {
  if (s == "launched") {
    return LaunchStatus::launched;
  }
  if (s == "failed") {
    return LaunchStatus::failed;
  }
  if (s == "ended") {
    return LaunchStatus::ended;
  }
  return LaunchStatus::pending;
}

LaunchRecord read_launch(const Statement& s) {
  LaunchRecord r;
  r.id = s.column_int(0);
  r.name = s.column_text(1);
  r.region = s.column_text(2);
  r.zone = s.column_text(3);
  r.instance_type = s.column_text(4);
  r.client_token = s.column_text(5);
  r.status = parse_status(s.column_text(6));
  r.created_at = from_unix_ms(s.column_int(7));
  r.instance_id = s.column_text(8);
  r.error = s.column_text(9);
  r.params = s.column_text(10);
  return r;
}

Result<std::vector<LaunchRecord>> read_launches(Statement& stmt) {
  std::vector<LaunchRecord> out;
  while (true) {
    GPUBOX_TRY_ASSIGN(row, stmt.step());
    if (!row) {
      return out;
    }
    out.push_back(read_launch(stmt));
  }
}

Error no_launch(std::string_view client_token) {
  Error e;
  e.kind = ErrorKind::not_found;
  e.message = "no launch record with client token " + std::string(client_token);
  return e;
}

}  // namespace

const char* to_string(LaunchStatus status) {
  switch (status) {
    case LaunchStatus::pending:
      return "pending";
    case LaunchStatus::launched:
      return "launched";
    case LaunchStatus::failed:
      return "failed";
    case LaunchStatus::ended:
      return "ended";
  }
  return "pending";
}

Result<std::optional<LaunchRecord>> BoxStore::open_launch(std::string_view name) {
  GPUBOX_TRY_ASSIGN(stmt, m_db.prepare("SELECT " + std::string(k_launch_columns) +
                                       " FROM launch_records WHERE name = ?1 AND status IN "
                                       "('pending', 'launched') ORDER BY id DESC LIMIT 1"));
  stmt.bind(1, name);
  GPUBOX_TRY_ASSIGN(records, read_launches(stmt));
  if (records.empty()) {
    return std::optional<LaunchRecord>{};
  }
  return std::optional<LaunchRecord>{std::move(records.front())};
}

Result<LaunchRecord> BoxStore::begin_launch(const LaunchRequest& req) {
  // IMMEDIATE takes the write lock before the read, so two processes cannot both see "no open
  // record" and both insert one: the second waits, then finds the first one's record.
  GPUBOX_TRY_ASSIGN(tx, Transaction::begin(m_db));
  GPUBOX_TRY_ASSIGN(existing, open_launch(req.name));
  if (existing) {
    GPUBOX_TRY(tx.commit());
    return std::move(*existing);
  }
  LaunchRecord rec;
  rec.name = req.name;
  rec.region = req.region;
  rec.zone = req.zone;
  rec.instance_type = req.instance_type;
  rec.client_token = new_client_token();
  rec.status = LaunchStatus::pending;
  rec.created_at = req.now;
  GPUBOX_TRY_ASSIGN(stmt, m_db.prepare("INSERT INTO launch_records (name, region, zone, "
                                       "instance_type, client_token, status, created_at_ms) "
                                       "VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6)"));
  stmt.bind(1, rec.name).bind(2, rec.region).bind(3, rec.zone).bind(4, rec.instance_type);
  stmt.bind(5, rec.client_token).bind(6, to_unix_ms(rec.created_at));
  GPUBOX_TRY(stmt.run());
  rec.id = m_db.last_insert_rowid();
  GPUBOX_TRY(tx.commit());
  return rec;
}

Result<void> BoxStore::mark_launched(std::string_view client_token, std::string_view instance_id,
                                     std::string_view zone) {
  GPUBOX_TRY_ASSIGN(stmt, m_db.prepare("UPDATE launch_records SET status = 'launched', "
                                       "instance_id = ?2, zone = CASE WHEN ?3 = '' THEN zone "
                                       "ELSE ?3 END WHERE client_token = ?1"));
  stmt.bind(1, client_token).bind(2, instance_id).bind(3, zone);
  GPUBOX_TRY(stmt.run());
  if (m_db.changes() == 0) {
    return fail(no_launch(client_token));
  }
  return {};
}

Result<void> BoxStore::mark_launch_failed(std::string_view client_token, std::string_view error) {
  GPUBOX_TRY_ASSIGN(stmt, m_db.prepare("UPDATE launch_records SET status = 'failed', error = ?2 "
                                       "WHERE client_token = ?1"));
  stmt.bind(1, client_token).bind(2, error);
  GPUBOX_TRY(stmt.run());
  if (m_db.changes() == 0) {
    return fail(no_launch(client_token));
  }
  return {};
}

Result<std::string> BoxStore::fix_launch_params(std::string_view client_token,
                                                std::string_view params) {
  GPUBOX_TRY_ASSIGN(set, m_db.prepare("UPDATE launch_records SET params = ?2 WHERE client_token = "
                                      "?1 AND params = ''"));
  set.bind(1, client_token).bind(2, params);
  GPUBOX_TRY(set.run());
  GPUBOX_TRY_ASSIGN(get, m_db.prepare("SELECT params FROM launch_records WHERE client_token = ?1"));
  get.bind(1, client_token);
  GPUBOX_TRY_ASSIGN(row, get.step());
  if (!row) {
    return fail(no_launch(client_token));
  }
  return get.column_text(0);
}

Result<void> BoxStore::end_launches(std::string_view name) {
  GPUBOX_TRY_ASSIGN(stmt, m_db.prepare("UPDATE launch_records SET status = 'ended' "
                                       "WHERE name = ?1 AND status IN ('pending', 'launched')"));
  stmt.bind(1, name);
  return stmt.run();
}

Result<std::vector<LaunchRecord>> BoxStore::launches(std::string_view name) {
  GPUBOX_TRY_ASSIGN(stmt, m_db.prepare("SELECT " + std::string(k_launch_columns) +
                                       " FROM launch_records WHERE name = ?1 ORDER BY id"));
  stmt.bind(1, name);
  return read_launches(stmt);
}

Result<bool> BoxStore::record_state_change(const LedgerEntry& entry) {
  GPUBOX_TRY_ASSIGN(tx, Transaction::begin(m_db));
  GPUBOX_TRY_ASSIGN(last, m_db.prepare("SELECT state, instance_id FROM ledger WHERE name = ?1 "
                                       "ORDER BY id DESC LIMIT 1"));
  last.bind(1, entry.name);
  GPUBOX_TRY_ASSIGN(row, last.step());
  if (row && last.column_text(0) == entry.state && last.column_text(1) == entry.instance_id) {
    return false;  // the transaction rolls back; nothing was written
  }
  GPUBOX_TRY_ASSIGN(ins, m_db.prepare("INSERT INTO ledger (name, instance_id, state, at_ms, "
                                      "price_per_hour_usd) VALUES (?1, ?2, ?3, ?4, ?5)"));
  ins.bind(1, entry.name).bind(2, entry.instance_id).bind(3, entry.state);
  ins.bind(4, to_unix_ms(entry.at)).bind(5, entry.price_per_hour_usd);
  GPUBOX_TRY(ins.run());
  GPUBOX_TRY(tx.commit());
  return true;
}

Result<std::vector<LedgerEntry>> BoxStore::ledger(std::string_view name) {
  GPUBOX_TRY_ASSIGN(stmt, m_db.prepare("SELECT name, instance_id, state, at_ms, "
                                       "price_per_hour_usd FROM ledger WHERE ?1 = '' OR "
                                       "name = ?1 ORDER BY id"));
  stmt.bind(1, name);
  std::vector<LedgerEntry> out;
  while (true) {
    GPUBOX_TRY_ASSIGN(row, stmt.step());
    if (!row) {
      return out;
    }
    out.push_back(LedgerEntry{stmt.column_text(0), stmt.column_text(1), stmt.column_text(2),
                              from_unix_ms(stmt.column_int(3)), stmt.column_double(4)});
  }
}

}  // namespace gpubox::state
