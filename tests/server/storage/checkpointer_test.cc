// WAL checkpoints off the writer's path: the background connection copies
// the WAL while the writer goes on, and the WAL stays bounded.
#include "server/storage/checkpointer.h"

#include <sys/stat.h>

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

// A WAL frame: a 24-byte header and a page; the WAL file starts with a
// 32-byte header.
constexpr int64_t kPageSize = 4096;
constexpr int64_t kFrameBytes = 24 + kPageSize;
constexpr int64_t kWalHeaderBytes = 32;

class CheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Connection>> writer =
        Connection::Open(path(), ConnectionOptions());
    ASSERT_TRUE(writer.ok()) << writer.status();
    writer_ = std::move(writer).value();
    ASSERT_TRUE(writer_
                    ->Execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, "
                              "  body BLOB NOT NULL)")
                    .ok());
  }

  std::string path() const { return dir_.File("test.db"); }

  int64_t WalBytes() const {
    struct stat info;
    if (::stat((path() + "-wal").c_str(), &info) != 0) return 0;
    return info.st_size;
  }

  // Commits `rows` rows of about one page each, so that every commit
  // writes at least `rows` frames.
  void Commit(int first_id, int rows) {
    Transaction transaction(writer_.get());
    ASSERT_TRUE(transaction.Begin(Transaction::Mode::kImmediate).ok());
    for (int i = 0; i < rows; ++i) {
      absl::StatusOr<Statement> insert = writer_->GetCachedStatement(
          "INSERT INTO rows (id, body) VALUES (?, zeroblob(?))");
      ASSERT_TRUE(insert.ok());
      insert->BindInt64(0, first_id + i);
      insert->BindInt64(1, kPageSize - 100);
      ASSERT_TRUE(insert->Run().ok());
    }
    ASSERT_TRUE(transaction.Commit().ok());
  }

  int64_t CountRows(Connection& connection) {
    absl::StatusOr<Statement> count =
        connection.GetUniqueStatement("SELECT COUNT(*) FROM rows");
    EXPECT_TRUE(count.ok());
    if (!count.ok()) return -1;
    absl::StatusOr<bool> row = count->Step();
    EXPECT_TRUE(row.ok() && *row);
    return count->ColumnInt64(0);
  }

  TempDir dir_;
  std::unique_ptr<Connection> writer_;
};

TEST_F(CheckpointerTest, KeepsTheWalBoundedWhileTheWriterCommits) {
  CheckpointerOptions options;
  options.background_frames = 20;
  options.inline_frames = 100;
  absl::StatusOr<std::unique_ptr<Checkpointer>> checkpointer =
      Checkpointer::Start(writer_.get(), options);
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.status();

  constexpr int kCommits = 200;
  constexpr int kRowsPerCommit = 5;
  int64_t largest_wal = 0;
  for (int c = 0; c < kCommits; ++c) {
    Commit(c * kRowsPerCommit, kRowsPerCommit);
    largest_wal = std::max(largest_wal, WalBytes());
  }

  // Without checkpoints the WAL would hold every one of the 1000 pages;
  // the writer's own checkpoint lets SQLite start it over near 100 frames
  // (a little later when the background checkpoint holds the lock).
  EXPECT_LE(largest_wal, kWalHeaderBytes + 200 * kFrameBytes);
  EXPECT_GT((*checkpointer)->inline_checkpoints(), 0);
  (*checkpointer)->Stop();
  EXPECT_EQ(CountRows(*writer_), kCommits * kRowsPerCommit);
}

TEST_F(CheckpointerTest, CopiesTheWalInTheBackground) {
  CheckpointerOptions options;
  options.background_frames = 10;
  options.inline_frames = 1000000;
  absl::StatusOr<std::unique_ptr<Checkpointer>> checkpointer =
      Checkpointer::Start(writer_.get(), options);
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.status();

  for (int c = 0; c < 50; ++c) Commit(c * 4, 4);
  (*checkpointer)->Stop();

  // Stop drops a request not yet taken up, but the first one came about
  // 48 commits (each a sync) before the end.
  EXPECT_GT((*checkpointer)->background_checkpoints(), 0);
  EXPECT_EQ((*checkpointer)->inline_checkpoints(), 0);
  EXPECT_EQ(CountRows(*writer_), 200);
}

TEST_F(CheckpointerTest, GivesSqliteItsOwnCheckpointBackOnStop) {
  CheckpointerOptions options;
  options.background_frames = 1000000;
  options.inline_frames = 1000000;
  absl::StatusOr<std::unique_ptr<Checkpointer>> checkpointer =
      Checkpointer::Start(writer_.get(), options);
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.status();
  (*checkpointer)->Stop();
  (*checkpointer)->Stop();  // idempotent

  // SQLite's automatic checkpoint (at 1000 frames) runs again, so the WAL
  // starts over and never holds the 1500 pages written.
  for (int c = 0; c < 300; ++c) Commit(c * 5, 5);
  EXPECT_LT(WalBytes(), kWalHeaderBytes + 1300 * kFrameBytes);
  EXPECT_EQ(CountRows(*writer_), 1500);
}

TEST_F(CheckpointerTest, SpacesItsOwnAttemptsWhileAReaderHoldsTheWal) {
  CheckpointerOptions options;
  options.background_frames = 80;  // the writer retries every 10 frames
  options.inline_frames = 100;
  absl::StatusOr<std::unique_ptr<Checkpointer>> checkpointer =
      Checkpointer::Start(writer_.get(), options);
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.status();
  for (int c = 0; c < 30; ++c) Commit(c * 4, 4);  // past 100 frames

  // A reader inside a read transaction pins its snapshot: no checkpoint
  // may copy past it, so the WAL cannot start over while it reads.
  ConnectionOptions read_options;
  read_options.read_only = true;
  absl::StatusOr<std::unique_ptr<Connection>> reader =
      Connection::Open(path(), read_options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  {
    Transaction snapshot(reader->get());
    ASSERT_TRUE(snapshot.Begin(Transaction::Mode::kDeferred).ok());
    ASSERT_EQ(CountRows(**reader), 120);
    const int64_t before = (*checkpointer)->inline_checkpoints();
    // About 2 frames a commit, 400 frames: an attempt after every commit
    // would be about 200.
    for (int c = 0; c < 200; ++c) Commit(1000 + c, 1);
    EXPECT_LT((*checkpointer)->inline_checkpoints() - before, 60);
    EXPECT_EQ(CountRows(**reader), 120);
  }
  // Reader gone: the next attempts copy everything and the WAL starts
  // over, so it grows no further however much is written.
  for (int c = 0; c < 20; ++c) Commit(2000 + c * 4, 4);
  const int64_t settled = WalBytes();
  for (int c = 0; c < 100; ++c) Commit(3000 + c * 4, 4);
  EXPECT_EQ(WalBytes(), settled);
  (*checkpointer)->Stop();
  EXPECT_EQ(CountRows(*writer_), 120 + 200 + 80 + 400);
}

TEST_F(CheckpointerTest, ReadersSeeEveryCommitWhileCheckpointsRun) {
  CheckpointerOptions options;
  options.background_frames = 8;
  options.inline_frames = 40;
  absl::StatusOr<std::unique_ptr<Checkpointer>> checkpointer =
      Checkpointer::Start(writer_.get(), options);
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.status();
  ConnectionOptions read_options;
  read_options.read_only = true;
  absl::StatusOr<std::unique_ptr<Connection>> reader =
      Connection::Open(path(), read_options);
  ASSERT_TRUE(reader.ok()) << reader.status();

  for (int c = 0; c < 100; ++c) {
    Commit(c * 3, 3);
    ASSERT_EQ(CountRows(**reader), (c + 1) * 3);
  }
  (*checkpointer)->Stop();
}

}  // namespace
}  // namespace rehab::storage
