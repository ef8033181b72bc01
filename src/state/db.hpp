#pragma once
// A small RAII wrapper over SQLite. Every connection runs in WAL mode with a 5 s busy timeout, so
// several gpubox processes can share one database; writers that must read-then-write use
// Transaction (BEGIN IMMEDIATE), which takes the write lock up front and cannot deadlock.
// A Db and its Statements belong to one thread at a time.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace gpubox::state {

// A prepared statement; bind with 1-based indexes, then step() or run().
class Statement {
public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Bind `value` to parameter `index`; a binding error is reported by the next step().
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, bool value) { return bind(index, std::int64_t{value ? 1 : 0}); }
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const std::string& value) {
    return bind(index, std::string_view(value));
  }
  // Bind NULL to parameter `index`.
  Statement& bind_null(int index);

  // Advance to the next row: true when a row is ready, false when the statement is done.
  Result<bool> step();
  // Step until done (for statements that return no rows).
  Result<void> run();
  // Reset the statement and clear its bindings so it can run again.
  void reset();

  std::int64_t column_int(int column) const;
  double column_double(int column) const;
  // Return column `column` as text ("" for NULL).
  std::string column_text(int column) const;
  bool column_is_null(int column) const;

private:
  sqlite3* m_db = nullptr;
  sqlite3_stmt* m_stmt = nullptr;
  int m_bind_error = 0;
};

// One connection to a database file.
class Db {
public:
  // Open (creating if needed) the database at `path` in WAL mode with a 5 s busy timeout.
  static Result<Db> open(const std::filesystem::path& path);
  // Open a private in-memory database (for tests and scratch work).
  static Result<Db> open_memory();

  Db(Db&& other) noexcept;
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Run one or more SQL statements that return no rows.
  Result<void> exec(std::string_view sql);
  // Compile `sql` into a Statement.
  Result<Statement> prepare(std::string_view sql);
  // Return PRAGMA user_version, the schema version.
  Result<int> user_version();
  // Run PRAGMA quick_check (every page read, in milliseconds for gpubox's few rows): damage that
  // opening alone does not see fails here with "database disk image is malformed".
  Result<void> quick_check();
  // Apply `migrations[v]` for every v from user_version up, each in its own immediate
  // transaction that also bumps user_version; fail when the database is newer than this binary.
  Result<void> migrate(std::span<const std::string_view> migrations);
  // Return the number of rows changed by the last statement.
  std::int64_t changes() const;
  // Return the rowid of the last inserted row.
  std::int64_t last_insert_rowid() const;

private:
  explicit Db(sqlite3* db) : m_db(db) {}
  static Result<Db> open_uri(const std::string& name, int flags);

  sqlite3* m_db = nullptr;
};

// A write transaction started with BEGIN IMMEDIATE; rolled back on destruction unless committed.
class Transaction {
public:
  // Begin an immediate transaction on `db`, waiting up to the busy timeout for the write lock.
  static Result<Transaction> begin(Db& db);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  // Commit the transaction.
  Result<void> commit();

private:
  explicit Transaction(Db& db) : m_db(&db) {}

  Db* m_db = nullptr;
  bool m_open = false;
};

// Return `t` as integer milliseconds since the Unix epoch, the way the schema stores times.
std::int64_t to_unix_ms(TimePoint t);
// Return the time `ms` milliseconds after the Unix epoch.
TimePoint from_unix_ms(std::int64_t ms);

// Return an Error of kind state for SQLite result `code` on `db` while doing `what`.
Error sqlite_error(sqlite3* db, int code, std::string_view what);

}  // namespace gpubox::state
