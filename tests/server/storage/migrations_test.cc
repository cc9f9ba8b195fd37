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
