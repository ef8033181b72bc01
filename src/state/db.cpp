#include "state/db.hpp"

#include <chrono>
#include <string>
#include <thread>
#include <utility>

#include <sqlite3.h>

namespace gpubox::state {

namespace {

constexpr int k_busy_timeout_ms = 5000;

bool is_busy(int code) {
  int primary = code & 0xFF;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

}  // namespace

std::int64_t to_unix_ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint from_unix_ms(std::int64_t ms) {
  return TimePoint{std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds{ms})};
}

Error sqlite_error(sqlite3* db, int code, std::string_view what) {
  Error e;
  e.kind = ErrorKind::state;
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  e.message = "local state: " + std::string(what) + ": " + detail;
  if (is_busy(code)) {
    // Another gpubox process held the write lock for longer than the busy timeout.
    e.retryable = true;
    e.hint = "another gpubox command is using the local state; try again when it finishes";
  }
  return e;
}

namespace {

// Switch `db` to WAL.
Result<void> switch_to_wal(sqlite3* db) {
  // While another connection creates the same fresh file or switches it to WAL, SQLite answers
  // the journal-mode change with SQLITE_BUSY at once, without calling the busy handler (waiting
  // there could deadlock), or leaves the mode unchanged and says so in the result row. So retry
  // here, for as long as the busy timeout would have waited.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(k_busy_timeout_ms);
  while (true) {
    std::string mode;
    auto keep_mode = [](void* out, int columns, char** values, char**) {
      if (columns > 0 && values[0] != nullptr) {
        *static_cast<std::string*>(out) = values[0];
      }
      return 0;
    };
    int rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", keep_mode, &mode, nullptr);
    if (rc == SQLITE_OK && mode == "wal") {
      return {};
    }
    if ((rc != SQLITE_OK && !is_busy(rc)) || std::chrono::steady_clock::now() >= deadline) {
      Error e = sqlite_error(db, rc == SQLITE_OK ? SQLITE_BUSY : rc, "PRAGMA journal_mode=WAL");
      if (rc == SQLITE_OK) {
        e.message = "could not switch the local state to WAL (journal mode stays '" + mode + "')";
      }
      return fail(std::move(e));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

// --- Statement ---------------------------------------------------------------------------------

Statement::Statement(Statement&& other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)),
      m_stmt(std::exchange(other.m_stmt, nullptr)),
      m_bind_error(other.m_bind_error) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(m_stmt);
    m_db = std::exchange(other.m_db, nullptr);
    m_stmt = std::exchange(other.m_stmt, nullptr);
    m_bind_error = other.m_bind_error;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(m_stmt); }

Statement& Statement::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(m_stmt, index, value);
  if (rc != SQLITE_OK && m_bind_error == 0) {
    m_bind_error = rc;
  }
  return *this;
}

Statement& Statement::bind(int index, double value) {
  int rc = sqlite3_bind_double(m_stmt, index, value);
  if (rc != SQLITE_OK && m_bind_error == 0) {
    m_bind_error = rc;
  }
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  // A default string_view has a null data(), which SQLite would bind as NULL, not ''.
  const char* data = value.data() != nullptr ? value.data() : "";
  int rc = sqlite3_bind_text64(m_stmt, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && m_bind_error == 0) {
    m_bind_error = rc;
  }
  return *this;
}

Statement& Statement::bind_null(int index) {
  int rc = sqlite3_bind_null(m_stmt, index);
  if (rc != SQLITE_OK && m_bind_error == 0) {
    m_bind_error = rc;
  }
  return *this;
}

Result<bool> Statement::step() {
  if (m_bind_error != 0) {
    return fail(sqlite_error(nullptr, m_bind_error, "bind parameter"));
  }
  int rc = sqlite3_step(m_stmt);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  return fail(sqlite_error(m_db, rc, sqlite3_sql(m_stmt)));
}

Result<void> Statement::run() {
  while (true) {
    GPUBOX_TRY_ASSIGN(row, step());
    if (!row) {
      return {};
    }
  }
}

void Statement::reset() {
  sqlite3_reset(m_stmt);
  sqlite3_clear_bindings(m_stmt);
  m_bind_error = 0;
}

std::int64_t Statement::column_int(int column) const {
  return sqlite3_column_int64(m_stmt, column);
}

double Statement::column_double(int column) const { return sqlite3_column_double(m_stmt, column); }

std::string Statement::column_text(int column) const {
  const unsigned char* text = sqlite3_column_text(m_stmt, column);
  if (text == nullptr) {
    return {};
  }
  int size = sqlite3_column_bytes(m_stmt, column);
  return {reinterpret_cast<const char*>(text), static_cast<size_t>(size)};
}

bool Statement::column_is_null(int column) const {
  return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

// --- Db ----------------------------------------------------------------------------------------

Result<Db> Db::open_uri(const std::string& name, int flags) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(name.c_str(), &raw, flags | SQLITE_OPEN_FULLMUTEX, nullptr);
  Db db(raw);  // owns the handle even when open failed
  if (rc != SQLITE_OK) {
    return fail(sqlite_error(raw, rc, "open " + name));
  }
  sqlite3_extended_result_codes(raw, 1);
  // Set the busy timeout first: switching to WAL itself needs a lock that a concurrent opener
  // may hold for a moment.
  sqlite3_busy_timeout(raw, k_busy_timeout_ms);
  return db;
}

Result<Db> Db::open(const std::filesystem::path& path) {
  GPUBOX_TRY_ASSIGN(db, open_uri(path.string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  GPUBOX_TRY(switch_to_wal(db.m_db));
  GPUBOX_TRY(db.exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  return db;
}

Result<Db> Db::open_memory() {
  GPUBOX_TRY_ASSIGN(db, open_uri(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  GPUBOX_TRY(db.exec("PRAGMA foreign_keys=ON;"));
  return db;
}

Db::Db(Db&& other) noexcept : m_db(std::exchange(other.m_db, nullptr)) {}

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(m_db);
    m_db = std::exchange(other.m_db, nullptr);
  }
  return *this;
}

Db::~Db() { sqlite3_close_v2(m_db); }

Result<void> Db::exec(std::string_view sql) {
  std::string text(sql);
  int rc = sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    return fail(sqlite_error(m_db, rc, text));
  }
  return {};
}

Result<Statement> Db::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return fail(sqlite_error(m_db, rc, sql));
  }
  return Statement(m_db, stmt);
}

Result<int> Db::user_version() {
  GPUBOX_TRY_ASSIGN(stmt, prepare("PRAGMA user_version"));
  GPUBOX_TRY_ASSIGN(row, stmt.step());
  return row ? static_cast<int>(stmt.column_int(0)) : 0;
}

Result<void> Db::quick_check() {
  GPUBOX_TRY_ASSIGN(stmt, prepare("PRAGMA quick_check"));
  GPUBOX_TRY_ASSIGN(row, stmt.step());
  std::string verdict = row ? stmt.column_text(0) : "no answer";
  if (verdict != "ok") {
    Error e = sqlite_error(nullptr, SQLITE_CORRUPT, "PRAGMA quick_check");
    e.message = "local state: database disk image is malformed (quick_check: " + verdict + ")";
    return fail(std::move(e));
  }
  return {};
}

Result<void> Db::migrate(std::span<const std::string_view> migrations) {
  const int latest = static_cast<int>(migrations.size());
  while (true) {
    GPUBOX_TRY_ASSIGN(tx, Transaction::begin(*this));
    // Re-read the version under the write lock: another process may have just migrated.
    GPUBOX_TRY_ASSIGN(version, user_version());
    if (version > latest) {
      Error e = sqlite_error(nullptr, SQLITE_ERROR, "check schema version");
      e.message = "local state has schema version " + std::to_string(version) +
                  ", newer than this gpubox understands (" + std::to_string(latest) + ")";
      e.hint = "upgrade gpubox, or point GPUBOX_HOME at another directory";
      return fail(std::move(e));
    }
    if (version == latest) {
      return tx.commit();
    }
    GPUBOX_TRY(exec(migrations[static_cast<size_t>(version)]));
    GPUBOX_TRY(exec("PRAGMA user_version = " + std::to_string(version + 1)));
    GPUBOX_TRY(tx.commit());
  }
}

std::int64_t Db::changes() const { return sqlite3_changes64(m_db); }

std::int64_t Db::last_insert_rowid() const { return sqlite3_last_insert_rowid(m_db); }

// --- Transaction -------------------------------------------------------------------------------

Result<Transaction> Transaction::begin(Db& db) {
  Transaction tx(db);
  GPUBOX_TRY(db.exec("BEGIN IMMEDIATE"));
  tx.m_open = true;
  return tx;
}

Transaction::Transaction(Transaction&& other) noexcept
    : m_db(other.m_db), m_open(std::exchange(other.m_open, false)) {}

Transaction::~Transaction() {
  if (m_open) {
    (void)m_db->exec("ROLLBACK");
  }
}

Result<void> Transaction::commit() {
  auto r = m_db->exec("COMMIT");
  if (r) {
    m_open = false;
  }
  return r;
}

}  // namespace gpubox::state
