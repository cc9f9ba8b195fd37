// The VFS that gathers WAL writes: fewer write calls, the same bytes in the
// same places, and nothing a reader could miss.
#include "server/storage/wal_write_buffer_vfs.h"

#include <sqlite3.h>
#include <sys/types.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "server/storage/connection.h"
#include "server/storage/statement.h"
#include "server/storage/transaction.h"
#include "tests/server/storage/store_test_util.h"

namespace rehab::storage {
namespace {

using ::rehab::storage_test::TempDir;

// Counts the unix VFS's write calls (it makes them through pwrite or
// pwrite64, whichever it was built with).
std::atomic<int> write_calls{0};
sqlite3_syscall_ptr real_pwrite = nullptr;
sqlite3_syscall_ptr real_pwrite64 = nullptr;

ssize_t CountingPwrite(int fd, const void* data, size_t size, off_t offset) {
  ++write_calls;
  return reinterpret_cast<ssize_t (*)(int, const void*, size_t, off_t)>(
      real_pwrite)(fd, data, size, offset);
}

ssize_t CountingPwrite64(int fd, const void* data, size_t size, off_t offset) {
  ++write_calls;
  return reinterpret_cast<ssize_t (*)(int, const void*, size_t, off_t)>(
      real_pwrite64)(fd, data, size, offset);
}

class WalWriteBufferVfsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sqlite3_vfs* unix_vfs = sqlite3_vfs_find(nullptr);
    real_pwrite = unix_vfs->xGetSystemCall(unix_vfs, "pwrite");
    real_pwrite64 = unix_vfs->xGetSystemCall(unix_vfs, "pwrite64");
    if (real_pwrite != nullptr) {
      unix_vfs->xSetSystemCall(
          unix_vfs, "pwrite",
          reinterpret_cast<sqlite3_syscall_ptr>(CountingPwrite));
    }
    if (real_pwrite64 != nullptr) {
      unix_vfs->xSetSystemCall(
          unix_vfs, "pwrite64",
          reinterpret_cast<sqlite3_syscall_ptr>(CountingPwrite64));
    }
  }

  static void TearDownTestSuite() {
    sqlite3_vfs* unix_vfs = sqlite3_vfs_find(nullptr);
    unix_vfs->xSetSystemCall(unix_vfs, nullptr, nullptr);  // all restored
  }

  void SetUp() override {
    ASSERT_NE(WalWriteBufferVfs::Name(), nullptr);
    ConnectionOptions options;
    options.vfs = WalWriteBufferVfs::Name();
    // A small page cache, so that a large transaction spills pages into
    // the WAL before its commit and reads them back from there.
    options.page_cache_kib = 64;
    writer_ = Open(options);
    ASSERT_NE(writer_, nullptr);
    // Checkpoints would write the database file too; these tests count
    // and check the WAL alone.
    ASSERT_TRUE(writer_->Execute("PRAGMA wal_autocheckpoint=0").ok());
    ASSERT_TRUE(writer_
                    ->Execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, "
                              "  body BLOB NOT NULL)")
                    .ok());
  }

  std::unique_ptr<Connection> Open(const ConnectionOptions& options) {
    absl::StatusOr<std::unique_ptr<Connection>> db =
        Connection::Open(dir_.File("test.db"), options);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  // Writes rows [first, first + count) with bodies of `bytes` bytes made
  // from the row id and `version`.
  void Put(Connection& db, int first, int count, int bytes, int version) {
    for (int id = first; id < first + count; ++id) {
      absl::StatusOr<Statement> put = db.GetCachedStatement(
          "INSERT OR REPLACE INTO rows (id, body) VALUES (?, ?)");
      ASSERT_TRUE(put.ok());
      put->BindInt64(0, id);
      put->BindBlob(1, Body(id, bytes, version));
      ASSERT_TRUE(put->Run().ok());
    }
  }

  static std::string Body(int id, int bytes, int version) {
    std::string body(static_cast<size_t>(bytes), '\0');
    for (size_t i = 0; i < body.size(); ++i) {
      body[i] = static_cast<char>((id * 131 + version * 7 + i) % 251);
    }
    return body;
  }

  // How many rows of `db` hold exactly what Put(.., bytes, version) wrote.
  int CountMatching(Connection& db, int first, int count, int bytes,
                    int version) {
    int matching = 0;
    for (int id = first; id < first + count; ++id) {
      absl::StatusOr<Statement> get =
          db.GetCachedStatement("SELECT body FROM rows WHERE id = ?");
      EXPECT_TRUE(get.ok());
      if (!get.ok()) return -1;
      get->BindInt64(0, id);
      absl::StatusOr<bool> row = get->Step();
      if (row.ok() && *row && get->ColumnBlob(0) == Body(id, bytes, version)) {
        ++matching;
      }
    }
    return matching;
  }

  std::string IntegrityCheck(Connection& db) {
    absl::StatusOr<Statement> check =
        db.GetUniqueStatement("PRAGMA integrity_check");
    if (!check.ok()) return "cannot check";
    absl::StatusOr<bool> row = check->Step();
    return row.ok() && *row ? check->ColumnText(0) : "no answer";
  }

  TempDir dir_;
  std::unique_ptr<Connection> writer_;
};

TEST_F(WalWriteBufferVfsTest, CommitsAGroupOfPagesInAFewWrites) {
  Transaction transaction(writer_.get());
  ASSERT_TRUE(transaction.Begin(Transaction::Mode::kImmediate).ok());
  // About 8 pages, fewer than the page cache holds, so nothing spills.
  Put(*writer_, 0, 8, 3000, 1);
  write_calls = 0;
  ASSERT_TRUE(transaction.Commit().ok());
  // Two calls a frame without the buffer (16 or more here); one call for
  // all the frames with it.
  EXPECT_LE(write_calls.load(), 2);
  EXPECT_GE(write_calls.load(), 1);
}

TEST_F(WalWriteBufferVfsTest, ReadersSeeEveryCommittedByte) {
  ConnectionOptions read_options;
  read_options.read_only = true;
  std::unique_ptr<Connection> reader = Open(read_options);
  ASSERT_NE(reader, nullptr);
  for (int commit = 0; commit < 20; ++commit) {
    Transaction transaction(writer_.get());
    ASSERT_TRUE(transaction.Begin(Transaction::Mode::kImmediate).ok());
    Put(*writer_, commit * 10, 10, 1500, 1);
    ASSERT_TRUE(transaction.Commit().ok());
    ASSERT_EQ(CountMatching(*reader, 0, (commit + 1) * 10, 1500, 1),
              (commit + 1) * 10);
  }
}

TEST_F(WalWriteBufferVfsTest, KeepsALargeSpillingTransactionIntact) {
  {
    // About 1000 pages (more than the 2 MiB buffer, far more than the page
    // cache), then half of them changed again in the same transaction:
    // SQLite spills pages to the WAL, reads them back and rewrites frames
    // in place.
    Transaction transaction(writer_.get());
    ASSERT_TRUE(transaction.Begin(Transaction::Mode::kImmediate).ok());
    Put(*writer_, 0, 1000, 3500, 1);
    Put(*writer_, 0, 500, 3500, 2);
    ASSERT_TRUE(transaction.Commit().ok());
  }
  {
    // A spilling transaction that is rolled back leaves nothing behind.
    Transaction transaction(writer_.get());
    ASSERT_TRUE(transaction.Begin(Transaction::Mode::kImmediate).ok());
    Put(*writer_, 0, 1000, 3500, 3);
  }
  EXPECT_EQ(IntegrityCheck(*writer_), "ok");
  EXPECT_EQ(CountMatching(*writer_, 0, 500, 3500, 2), 500);
  EXPECT_EQ(CountMatching(*writer_, 500, 500, 3500, 1), 500);

  // The same through the default VFS, after the writer is gone (its close
  // checkpoints the WAL into the database file).
  writer_.reset();
  std::unique_ptr<Connection> plain = Open(ConnectionOptions());
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(IntegrityCheck(*plain), "ok");
  EXPECT_EQ(CountMatching(*plain, 0, 500, 3500, 2), 500);
  EXPECT_EQ(CountMatching(*plain, 500, 500, 3500, 1), 500);
}

TEST_F(WalWriteBufferVfsTest, WalLeftByACrashIsRecovered) {
  Transaction transaction(writer_.get());
  ASSERT_TRUE(transaction.Begin(Transaction::Mode::kImmediate).ok());
  Put(*writer_, 0, 300, 2000, 1);
  ASSERT_TRUE(transaction.Commit().ok());

  // A copy of the files as a power cut would leave them after the commit
  // (WAL not checkpointed), opened by a fresh connection: SQLite rebuilds
  // its index from the WAL file alone, so every committed frame must be in
  // it, in its place.
  const std::string copy = dir_.File("copy.db");
  for (const char* suffix : {"", "-wal"}) {
    std::error_code error;
    std::filesystem::copy_file(dir_.File("test.db") + suffix, copy + suffix,
                               error);
    ASSERT_FALSE(error) << error.message();
  }
  absl::StatusOr<std::unique_ptr<Connection>> recovered =
      Connection::Open(copy, ConnectionOptions());
  ASSERT_TRUE(recovered.ok()) << recovered.status();
  EXPECT_EQ(IntegrityCheck(**recovered), "ok");
  EXPECT_EQ(CountMatching(**recovered, 0, 300, 2000, 1), 300);
}

}  // namespace
}  // namespace rehab::storage
