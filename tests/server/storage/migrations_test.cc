#include "server/storage/migrations.h"

#include <memory>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/storage/connection.h"
#include "server/storage/sqlite_store.h"
#include "tests/server/storage/store_test_util.h"

namespace rehab::storage {
namespace {

using ::rehab::storage_test::TempDir;

std::unique_ptr<Connection> OpenOrDie(const std::string& path) {
  absl::StatusOr<std::unique_ptr<Connection>> connection =
      Connection::Open(path, ConnectionOptions());
  EXPECT_TRUE(connection.ok()) << connection.status();
  return connection.ok() ? std::move(connection).value() : nullptr;
}

std::set<std::string> TableNames(Connection& connection) {
  std::set<std::string> names;
  absl::StatusOr<Statement> select = connection.GetUniqueStatement(
      "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
  EXPECT_TRUE(select.ok()) << select.status();
  if (!select.ok()) return names;
  for (;;) {
    absl::StatusOr<bool> row = select->Step();
    EXPECT_TRUE(row.ok()) << row.status();
    if (!row.ok() || !*row) break;
    names.insert(select->ColumnText(0));
  }
  return names;
}

int VersionOf(Connection& connection) {
  absl::StatusOr<int> version = SchemaVersion(connection);
  EXPECT_TRUE(version.ok()) << version.status();
  return version.ok() ? *version : -1;
}

TEST(MigrationsTest, CreatesTheWholeSchemaOnANewFile) {
  TempDir dir;
  std::unique_ptr<Connection> db = OpenOrDie(dir.File("rehab.db"));
  ASSERT_NE(db, nullptr);

  ASSERT_TRUE(Migrate(*db, SchemaMigrations()).ok());

  EXPECT_EQ(VersionOf(*db), LatestSchemaVersion());
  const std::set<std::string> tables = TableNames(*db);
  for (const char* table :
       {"meta", "changes", "areas", "facilities", "practitioners", "accounts",
        "tokens", "break_glass", "patients", "enrollments", "audit",
        "feed_exits", "applied_mutations", "secrets"}) {
    EXPECT_TRUE(tables.count(table)) << "missing table " << table;
  }
}

TEST(MigrationsTest, ReopeningAnUpToDateDatabaseChangesNothing) {
  TempDir dir;
  std::unique_ptr<Connection> db = OpenOrDie(dir.File("rehab.db"));
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(Migrate(*db, SchemaMigrations()).ok());
  ASSERT_TRUE(
      db->Execute("INSERT INTO meta (key, value) VALUES ('marker', 7)").ok());

  ASSERT_TRUE(Migrate(*db, SchemaMigrations()).ok());

  EXPECT_EQ(VersionOf(*db), LatestSchemaVersion());
  absl::StatusOr<Statement> marker =
      db->GetUniqueStatement("SELECT value FROM meta WHERE key = 'marker'");
  ASSERT_TRUE(marker.ok());
  absl::StatusOr<bool> row = marker->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(marker->ColumnInt64(0), 7);
}

TEST(MigrationsTest, StoreRefusesADatabaseFromANewerRehabd) {
  TempDir dir;
  const std::string path = dir.File("rehab.db");
  {
    std::unique_ptr<Connection> db = OpenOrDie(path);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(Migrate(*db, SchemaMigrations()).ok());
    const std::string newer =
        absl::StrCat("PRAGMA user_version = ", LatestSchemaVersion() + 1);
    ASSERT_TRUE(db->Execute(newer.c_str()).ok());
  }
  StoreOptions options;
  options.path = path;

  absl::StatusOr<std::unique_ptr<SqliteStore>> store =
      SqliteStore::Open(options);

  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("newer"), absl::string_view::npos)
      << store.status();
  // Refusing must not have touched the file's version.
  std::unique_ptr<Connection> db = OpenOrDie(path);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(VersionOf(*db), LatestSchemaVersion() + 1);
}

TEST(MigrationsTest, StoreMigratesAnEmptyDatabaseAtVersionZero) {
  TempDir dir;
  const std::string path = dir.File("rehab.db");
  {
    // A valid database file with a header but no tables, at version 0.
    std::unique_ptr<Connection> db = OpenOrDie(path);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->Execute("CREATE TABLE t (x); DROP TABLE t;").ok());
    ASSERT_EQ(VersionOf(*db), 0);
  }
  std::unique_ptr<SqliteStore> store = storage_test::OpenStoreOrDie(path);
  ASSERT_NE(store, nullptr);

  int64_t patients = -1;
  ASSERT_TRUE(store
                  ->Read([&](ReadTxn& txn) {
                    absl::StatusOr<int64_t> count = txn.CountPatients();
                    if (count.ok()) patients = *count;
                    return count.status();
                  })
                  .ok());
  EXPECT_EQ(patients, 0);
  store->Close();
  std::unique_ptr<Connection> db = OpenOrDie(path);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(VersionOf(*db), LatestSchemaVersion());
}

TEST(MigrationsTest, RefusesADatabaseOfAnotherApplication) {
  TempDir dir;
  std::unique_ptr<Connection> db = OpenOrDie(dir.File("other.db"));
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Execute("CREATE TABLE songs (title TEXT)").ok());

  absl::Status status = Migrate(*db, SchemaMigrations());

  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_EQ(VersionOf(*db), 0);
  EXPECT_EQ(TableNames(*db), std::set<std::string>{"songs"});
}

// The mechanism for later schema changes: a database at version N - 1 gets
// exactly migration N, and keeps its rows.
TEST(MigrationsTest, MigratesADatabaseAtThePreviousVersion) {
  static constexpr Migration kVersion1[] = {
      {1, "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);"},
  };
  static constexpr Migration kVersion2[] = {
      kVersion1[0],
      {2,
       "ALTER TABLE notes ADD COLUMN author TEXT NOT NULL DEFAULT '';"
       "CREATE INDEX notes_by_author ON notes (author);"},
  };
  TempDir dir;
  std::unique_ptr<Connection> db = OpenOrDie(dir.File("notes.db"));
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(Migrate(*db, kVersion1).ok());
  ASSERT_TRUE(db->Execute("INSERT INTO notes (text) VALUES ('kept')").ok());
  ASSERT_EQ(VersionOf(*db), 1);

  ASSERT_TRUE(Migrate(*db, kVersion2).ok());

  EXPECT_EQ(VersionOf(*db), 2);
  absl::StatusOr<Statement> select =
      db->GetUniqueStatement("SELECT text, author FROM notes ORDER BY id");
  ASSERT_TRUE(select.ok()) << select.status();
  absl::StatusOr<bool> row = select->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(select->ColumnText(0), "kept");
  EXPECT_EQ(select->ColumnText(1), "");
}

// Migration 4 keeps the start of each contract's latest delivered visit
// beside the count; contracts stored before it get theirs from their visits.
TEST(MigrationsTest, Migration4FillsTheLatestDeliveredVisitOfStoredContracts) {
  TempDir dir;
  std::unique_ptr<Connection> db = OpenOrDie(dir.File("rehab.db"));
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(Migrate(*db, SchemaMigrations().subspan(0, 3)).ok());
  for (const char* sql :
       {"PRAGMA foreign_keys = OFF",
        "INSERT INTO contracts (id, version, create_time, update_time, "
        "change_seq, author, device_id, patient_id, doctor_id, status, "
        "start_date, end_date, visits_delivered, body) VALUES "
        "('c1', 1, 0, 0, 1, 'a', '', 'p1', 'd1', 1, '2026-01-01', "
        "'2026-12-31', 2, x''), "
        "('c2', 1, 0, 0, 2, 'a', '', 'p2', 'd1', 1, '2026-01-01', "
        "'2026-12-31', 0, x'')",
        // Delivered: 100 and 300; 500 was amended, 700 is a void.
        "INSERT INTO visits (id, version, create_time, update_time, "
        "change_seq, author, device_id, contract_id, patient_id, "
        "doctor_id, start_time, amends_id, voids_id, superseded_by, body) "
        "VALUES ('v1', 1, 0, 0, 3, 'a', '', 'c1', 'p1', 'd1', 100, NULL, "
        "NULL, NULL, x''), "
        "('v2', 1, 0, 0, 4, 'a', '', 'c1', 'p1', 'd1', 500, NULL, NULL, "
        "'v3', x''), "
        "('v3', 1, 0, 0, 5, 'a', '', 'c1', 'p1', 'd1', 300, 'v2', NULL, "
        "NULL, x''), "
        "('v4', 1, 0, 0, 6, 'a', '', 'c1', 'p1', 'd1', 700, NULL, 'v9', "
        "NULL, x'')"}) {
    absl::StatusOr<Statement> statement = db->GetUniqueStatement(sql);
    ASSERT_TRUE(statement.ok()) << statement.status();
    ASSERT_TRUE(statement->Run().ok()) << sql;
  }
  ASSERT_TRUE(Migrate(*db, SchemaMigrations()).ok());
  absl::StatusOr<Statement> select = db->GetUniqueStatement(
      "SELECT id, last_visit_time FROM contracts ORDER BY id");
  ASSERT_TRUE(select.ok()) << select.status();
  ASSERT_TRUE(*select->Step());
  EXPECT_EQ(select->ColumnInt64(1), 300);
  ASSERT_TRUE(*select->Step());
  EXPECT_TRUE(select->ColumnIsNull(1));
}

TEST(MigrationsTest, AFailingMigrationLeavesTheDatabaseAsItWas) {
  static constexpr Migration kBroken[] = {
      {1, "CREATE TABLE notes (id INTEGER PRIMARY KEY);"},
      {2, "CREATE TABLE broken (;"},
  };
  TempDir dir;
  std::unique_ptr<Connection> db = OpenOrDie(dir.File("notes.db"));
  ASSERT_NE(db, nullptr);

  absl::Status status = Migrate(*db, kBroken);

  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  // Both migrations ran in one transaction: migration 1 is gone too.
  EXPECT_EQ(VersionOf(*db), 0);
  EXPECT_TRUE(TableNames(*db).empty());
  // The status carries no SQLite text.
  EXPECT_EQ(status.message().find("syntax"), absl::string_view::npos);
}

TEST(MigrationsTest, RefusesMisnumberedMigrations) {
  static constexpr Migration kGap[] = {
      {1, "CREATE TABLE a (x);"},
      {3, "CREATE TABLE b (x);"},
  };
  TempDir dir;
  std::unique_ptr<Connection> db = OpenOrDie(dir.File("gap.db"));
  ASSERT_NE(db, nullptr);

  EXPECT_EQ(Migrate(*db, kGap).code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(TableNames(*db).empty());
}

}  // namespace
}  // namespace rehab::storage
