#include "state/db.hpp"

#include <array>

#include <gtest/gtest.h>

#include "fakes/temp_dir.hpp"

namespace gpubox::state {
namespace {

namespace fs = std::filesystem;

std::string query_text(Db& db, std::string_view sql) {
  auto stmt = db.prepare(sql);
  EXPECT_TRUE(stmt) << (stmt ? "" : stmt.error().message);
  auto row = stmt->step();
  EXPECT_TRUE(row && *row);
  return stmt->column_text(0);
}

std::int64_t count_rows(Db& db, std::string_view table) {
  auto stmt = db.prepare("SELECT count(*) FROM " + std::string(table));
  EXPECT_TRUE(stmt);
  EXPECT_TRUE(stmt->step());
  return stmt->column_int(0);
}

TEST(Db, OpenUsesWalAndAFiveSecondBusyTimeout) {
  testing::ScopedTempDir tmp;
  auto db = Db::open(tmp.path() / "state.db");
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_EQ(query_text(*db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query_text(*db, "PRAGMA busy_timeout"), "5000");
  EXPECT_TRUE(fs::exists(tmp.path() / "state.db"));
}

TEST(Db, OpenInAnUncreatableDirectoryIsAStateError) {
  testing::ScopedTempDir tmp;
  fs::path file = tmp.write("file", "x");
  auto db = Db::open(file / "state.db");
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().kind, ErrorKind::state);
  EXPECT_NE(db.error().message.find("state.db"), std::string::npos);
}

TEST(Db, BindsAndReadsEveryType) {
  auto db = Db::open_memory();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->exec("CREATE TABLE t (i INTEGER, d REAL, s TEXT, n TEXT, b INTEGER)"));
  auto ins = db->prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)");
  ASSERT_TRUE(ins);
  std::string with_nul("a\0b'c", 5);
  ins->bind(1, std::int64_t{1} << 40).bind(2, 2.5).bind(3, with_nul).bind_null(4).bind(5, true);
  ASSERT_TRUE(ins->run());
  auto sel = db->prepare("SELECT i, d, s, n, b FROM t");
  ASSERT_TRUE(sel);
  auto row = sel->step();
  ASSERT_TRUE(row && *row);
  EXPECT_EQ(sel->column_int(0), std::int64_t{1} << 40);
  EXPECT_DOUBLE_EQ(sel->column_double(1), 2.5);
  EXPECT_EQ(sel->column_text(2), with_nul);
  EXPECT_TRUE(sel->column_is_null(3));
  EXPECT_EQ(sel->column_text(3), "");
  EXPECT_EQ(sel->column_int(4), 1);
  auto done = sel->step();
  ASSERT_TRUE(done);
  EXPECT_FALSE(*done);
}

TEST(Db, ResetLetsAStatementRunAgain) {
  auto db = Db::open_memory();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->exec("CREATE TABLE t (v TEXT)"));
  auto ins = db->prepare("INSERT INTO t VALUES (?1)");
  ASSERT_TRUE(ins);
  for (std::string_view v : {"a", "b", "c"}) {
    ins->bind(1, v);
    ASSERT_TRUE(ins->run());
    ins->reset();
  }
  EXPECT_EQ(count_rows(*db, "t"), 3);
}

TEST(Db, BadSqlIsAStateErrorNamingTheProblem) {
  auto db = Db::open_memory();
  ASSERT_TRUE(db);
  auto stmt = db->prepare("SELEKT 1");
  ASSERT_FALSE(stmt);
  EXPECT_EQ(stmt.error().kind, ErrorKind::state);
  EXPECT_NE(stmt.error().message.find("syntax error"), std::string::npos);
}

TEST(Db, BindOutOfRangeIsReportedByStep) {
  auto db = Db::open_memory();
  ASSERT_TRUE(db);
  auto stmt = db->prepare("SELECT ?1");
  ASSERT_TRUE(stmt);
  stmt->bind(7, 1);
  auto row = stmt->step();
  ASSERT_FALSE(row);
  EXPECT_EQ(row.error().kind, ErrorKind::state);
}

TEST(Transaction, RollsBackWhenNotCommitted) {
  auto db = Db::open_memory();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->exec("CREATE TABLE t (v INTEGER)"));
  {
    auto tx = Transaction::begin(*db);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(db->exec("INSERT INTO t VALUES (1)"));
  }
  EXPECT_EQ(count_rows(*db, "t"), 0);
  {
    auto tx = Transaction::begin(*db);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(db->exec("INSERT INTO t VALUES (2)"));
    ASSERT_TRUE(tx->commit());
  }
  EXPECT_EQ(count_rows(*db, "t"), 1);
}

TEST(Transaction, IsImmediateSoASecondWriterWaitsAndTimesOut) {
  testing::ScopedTempDir tmp;
  auto a = Db::open(tmp.path() / "s.db");
  auto b = Db::open(tmp.path() / "s.db");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(b->exec("PRAGMA busy_timeout = 50"));  // keep the test fast
  auto tx = Transaction::begin(*a);
  ASSERT_TRUE(tx);
  auto second = Transaction::begin(*b);
  ASSERT_FALSE(second) << "BEGIN IMMEDIATE must take the write lock up front";
  EXPECT_EQ(second.error().kind, ErrorKind::state);
  EXPECT_TRUE(second.error().retryable);
  EXPECT_FALSE(second.error().hint.empty());
}

TEST(Migrate, AppliesPendingMigrationsInOrderOnce) {
  testing::ScopedTempDir tmp;
  constexpr std::array<std::string_view, 2> v1 = {"CREATE TABLE a (x INTEGER)",
                                                  "ALTER TABLE a ADD COLUMN y TEXT"};
  {
    auto db = Db::open(tmp.path() / "m.db");
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->migrate(std::span(v1).first(1)));
    EXPECT_EQ(db->user_version().value_or(-1), 1);
  }
  auto db = Db::open(tmp.path() / "m.db");
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->migrate(v1)) << "only the second migration runs; the first would fail again";
  EXPECT_EQ(db->user_version().value_or(-1), 2);
  ASSERT_TRUE(db->migrate(v1));
  EXPECT_TRUE(db->exec("INSERT INTO a (x, y) VALUES (1, 'z')"));
}

TEST(Migrate, FailedMigrationLeavesTheVersionUnchanged) {
  auto db = Db::open_memory();
  ASSERT_TRUE(db);
  constexpr std::array<std::string_view, 2> bad = {"CREATE TABLE a (x)", "NOT SQL"};
  ASSERT_FALSE(db->migrate(bad));
  EXPECT_EQ(db->user_version().value_or(-1), 1);
}

TEST(Migrate, RefusesADatabaseNewerThanTheBinary) {
  auto db = Db::open_memory();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->exec("PRAGMA user_version = 9"));
  constexpr std::array<std::string_view, 1> one = {"CREATE TABLE a (x)"};
  auto r = db->migrate(one);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::state);
  EXPECT_NE(r.error().message.find("newer"), std::string::npos);
}

TEST(UnixMs, RoundTripsMilliseconds) {
  TimePoint t{std::chrono::milliseconds{1440590160123}};
  EXPECT_EQ(to_unix_ms(t), 1440590160123);
  EXPECT_EQ(from_unix_ms(to_unix_ms(t)), t);
}

}  // namespace
}  // namespace gpubox::state
