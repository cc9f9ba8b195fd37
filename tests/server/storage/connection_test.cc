// The SQLite wrappers: Connection, Statement, Transaction, Savepoint.
#include "server/storage/connection.h"

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/storage/savepoint.h"
#include "server/storage/statement.h"
#include "server/storage/transaction.h"
#include "tests/server/storage/store_test_util.h"

namespace rehab::storage {
namespace {

using ::rehab::storage_test::TempDir;

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = Open(ConnectionOptions());
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(db_->Execute("CREATE TABLE parents (id TEXT PRIMARY KEY);"
                             "CREATE TABLE children ("
                             "  id INTEGER PRIMARY KEY,"
                             "  name TEXT NOT NULL UNIQUE,"
                             "  parent_id TEXT REFERENCES parents (id));"
                             "INSERT INTO parents (id) VALUES ('mum');")
                    .ok());
  }

  std::unique_ptr<Connection> Open(const ConnectionOptions& options) {
    absl::StatusOr<std::unique_ptr<Connection>> db =
        Connection::Open(dir_.File("test.db"), options);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  absl::Status Insert(Connection& db, const std::string& name,
                      const std::string& parent_id) {
    absl::StatusOr<Statement> insert = db.GetCachedStatement(
        "INSERT INTO children (name, parent_id) VALUES (?, ?)");
    if (!insert.ok()) return insert.status();
    insert->BindText(0, name);
    insert->BindTextOrNull(1, parent_id);
    return insert->Run();
  }

  int64_t CountChildren(Connection& db) {
    absl::StatusOr<Statement> count =
        db.GetCachedStatement("SELECT COUNT(*) FROM children");
    EXPECT_TRUE(count.ok());
    if (!count.ok()) return -1;
    absl::StatusOr<bool> row = count->Step();
    EXPECT_TRUE(row.ok() && *row);
    return count->ColumnInt64(0);
  }

  TempDir dir_;
  std::unique_ptr<Connection> db_;
};

TEST_F(ConnectionTest, OpensInWalModeWithForeignKeysOn) {
  absl::StatusOr<Statement> mode =
      db_->GetUniqueStatement("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  ASSERT_TRUE(*mode->Step());
  EXPECT_EQ(mode->ColumnText(0), "wal");
  absl::StatusOr<Statement> keys =
      db_->GetUniqueStatement("PRAGMA foreign_keys");
  ASSERT_TRUE(keys.ok());
  ASSERT_TRUE(*keys->Step());
  EXPECT_EQ(keys->ColumnInt64(0), 1);
  absl::StatusOr<Statement> sync =
      db_->GetUniqueStatement("PRAGMA synchronous");
  ASSERT_TRUE(sync.ok());
  ASSERT_TRUE(*sync->Step());
  EXPECT_EQ(sync->ColumnInt64(0), 2);  // FULL
}

TEST_F(ConnectionTest, ConstraintFailuresBecomeCodesWithoutSqliteText) {
  ASSERT_TRUE(Insert(*db_, "amy", "mum").ok());

  absl::Status duplicate = Insert(*db_, "amy", "mum");
  absl::Status orphan = Insert(*db_, "bob", "nobody");

  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(duplicate.message().find("children"), absl::string_view::npos)
      << duplicate;
  EXPECT_EQ(orphan.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(orphan.message().find("FOREIGN"), absl::string_view::npos)
      << orphan;
  // A failed statement goes back to the cache ready for the next use.
  EXPECT_TRUE(Insert(*db_, "bob", "mum").ok());
  EXPECT_EQ(CountChildren(*db_), 2);
}

TEST_F(ConnectionTest, ACachedStatementInUseIsNotHandedOutTwice) {
  ASSERT_TRUE(Insert(*db_, "amy", "mum").ok());
  ASSERT_TRUE(Insert(*db_, "bob", "mum").ok());
  constexpr char kByName[] = "SELECT id FROM children WHERE name = ?";

  absl::StatusOr<Statement> outer = db_->GetCachedStatement(kByName);
  ASSERT_TRUE(outer.ok());
  outer->BindText(0, "amy");
  ASSERT_TRUE(*outer->Step());
  const int64_t amy = outer->ColumnInt64(0);
  {
    // Same text while `outer` is still on its row.
    absl::StatusOr<Statement> inner = db_->GetCachedStatement(kByName);
    ASSERT_TRUE(inner.ok());
    inner->BindText(0, "bob");
    ASSERT_TRUE(*inner->Step());
    EXPECT_NE(inner->ColumnInt64(0), amy);
  }

  EXPECT_EQ(outer->ColumnInt64(0), amy);
  EXPECT_FALSE(*outer->Step());
}

TEST_F(ConnectionTest, BindingErrorsSurfaceOnStep) {
  absl::StatusOr<Statement> select =
      db_->GetCachedStatement("SELECT id FROM children WHERE name = ?");
  ASSERT_TRUE(select.ok());
  select->BindText(5, "no such parameter");

  absl::StatusOr<bool> row = select->Step();

  EXPECT_EQ(row.status().code(), absl::StatusCode::kInternal);
}

TEST_F(ConnectionTest, PreparingBadSqlIsInternal) {
  EXPECT_EQ(db_->GetCachedStatement("SELEKT 1").status().code(),
            absl::StatusCode::kInternal);
  // Two statements where one is expected.
  EXPECT_EQ(db_->GetUniqueStatement("SELECT 1; SELECT 2").status().code(),
            absl::StatusCode::kInternal);
}

TEST_F(ConnectionTest, TextAndBlobRoundTripWithEmbeddedZeros) {
  ASSERT_TRUE(db_->Execute("CREATE TABLE blobs (b BLOB, t TEXT)").ok());
  const std::string blob("a\0b\xff", 4);
  absl::StatusOr<Statement> insert =
      db_->GetUniqueStatement("INSERT INTO blobs (b, t) VALUES (?, ?)");
  ASSERT_TRUE(insert.ok());
  insert->BindBlob(0, blob);
  insert->BindText(1, "");
  ASSERT_TRUE(insert->Run().ok());

  absl::StatusOr<Statement> select =
      db_->GetUniqueStatement("SELECT b, t, t IS NULL FROM blobs");
  ASSERT_TRUE(select.ok());
  ASSERT_TRUE(*select->Step());
  EXPECT_EQ(select->ColumnBlob(0), blob);
  EXPECT_EQ(select->ColumnText(1), "");
  EXPECT_FALSE(select->ColumnBool(2));  // "" is bound as '', not NULL
}

TEST_F(ConnectionTest, TransactionRollsBackUnlessCommitted) {
  {
    Transaction txn(db_.get());
    ASSERT_TRUE(txn.Begin(Transaction::Mode::kImmediate).ok());
    ASSERT_TRUE(Insert(*db_, "dropped", "mum").ok());
  }
  EXPECT_FALSE(db_->in_transaction());
  EXPECT_EQ(CountChildren(*db_), 0);

  Transaction txn(db_.get());
  ASSERT_TRUE(txn.Begin(Transaction::Mode::kImmediate).ok());
  ASSERT_TRUE(Insert(*db_, "kept", "mum").ok());
  ASSERT_TRUE(txn.Commit().ok());
  EXPECT_EQ(CountChildren(*db_), 1);
}

TEST_F(ConnectionTest, SavepointRollbackKeepsTheRestOfTheTransaction) {
  Transaction txn(db_.get());
  ASSERT_TRUE(txn.Begin(Transaction::Mode::kImmediate).ok());
  ASSERT_TRUE(Insert(*db_, "before", "mum").ok());
  {
    Savepoint savepoint(db_.get());
    ASSERT_TRUE(savepoint.Begin().ok());
    ASSERT_TRUE(Insert(*db_, "undone", "mum").ok());
    ASSERT_TRUE(savepoint.Rollback().ok());
  }
  {
    Savepoint savepoint(db_.get());
    ASSERT_TRUE(savepoint.Begin().ok());
    ASSERT_TRUE(Insert(*db_, "released", "mum").ok());
    ASSERT_TRUE(savepoint.Release().ok());
  }
  ASSERT_TRUE(txn.Commit().ok());

  EXPECT_EQ(CountChildren(*db_), 2);
  absl::StatusOr<Statement> undone =
      db_->GetUniqueStatement("SELECT 1 FROM children WHERE name = 'undone'");
  ASSERT_TRUE(undone.ok());
  EXPECT_FALSE(*undone->Step());
}

TEST_F(ConnectionTest, ALockHeldElsewhereIsUnavailableAfterTheTimeout) {
  ConnectionOptions impatient;
  impatient.busy_timeout = absl::Milliseconds(50);
  std::unique_ptr<Connection> other = Open(impatient);
  ASSERT_NE(other, nullptr);
  Transaction holder(db_.get());
  ASSERT_TRUE(holder.Begin(Transaction::Mode::kImmediate).ok());

  Transaction waiter(other.get());
  absl::Status status = waiter.Begin(Transaction::Mode::kImmediate);

  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
}

TEST_F(ConnectionTest, ReadOnlyConnectionRefusesWrites) {
  ConnectionOptions read_only;
  read_only.read_only = true;
  std::unique_ptr<Connection> reader = Open(read_only);
  ASSERT_NE(reader, nullptr);

  EXPECT_FALSE(Insert(*reader, "nope", "mum").ok());
  EXPECT_EQ(CountChildren(*reader), 0);
}

}  // namespace
}  // namespace rehab::storage
