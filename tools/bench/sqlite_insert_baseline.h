// The baseline of the push and pull scenarios: raw SQLite inserts of rows
// shaped like rehabd's patients, measured in the same run.
//
// The database is a new file in a new folder, opened through
// server/storage's Connection exactly as rehabd opens its own (WAL,
// synchronous=FULL, foreign keys on, the same page cache), but through
// SQLite's default VFS and without rehabd's write queue, audit or change
// feed: what SQLite alone costs for the same rows. The table holds an id
// primary key, a unique resident ID number, an index on (area_id, id) and
// the serialised Patient as a BLOB, like rehabd's patients table; each row's
// body is the size of the record a pushed patient is stored as (server
// fields set). Each batch is one BEGIN IMMEDIATE ... COMMIT of
// `rows_per_transaction` inserts.
//
// Not thread-safe: one thread at a time.
#ifndef REHAB_TOOLS_BENCH_SQLITE_INSERT_BASELINE_H_
#define REHAB_TOOLS_BENCH_SQLITE_INSERT_BASELINE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rehab/v1/patient.pb.h"
#include "tools/bench/push_batch.h"
#include "tools/bench/synthetic_id_numbers.h"

namespace rehab::storage {
class Connection;
}  // namespace rehab::storage

namespace rehab::bench {

class SqliteInsertBaseline {
 public:
  struct Options {
    // Where the database's folder is made; empty: $TMPDIR, else /tmp. Put
    // it on the file system that holds rehabd's database, so that both pay
    // the same fsync.
    std::string directory;
    // The area_id of every row (any id of the length of a UUID will do).
    std::string area_id;
    // Rows committed per transaction; as many as a Push batch by default.
    int rows_per_transaction = kPushBatchSize;
  };

  // Makes the folder and the database with its table. INVALID_ARGUMENT for
  // rows_per_transaction < 1; INTERNAL when the folder or the database
  // cannot be made.
  static absl::StatusOr<std::unique_ptr<SqliteInsertBaseline>> Create(
      const Options& options);

  // Closes the database and deletes its folder with every file in it.
  ~SqliteInsertBaseline();

  SqliteInsertBaseline(const SqliteInsertBaseline&) = delete;
  SqliteInsertBaseline& operator=(const SqliteInsertBaseline&) = delete;

  // Inserts rows_per_transaction new rows (fresh ids and resident ID
  // numbers) in one transaction. On an error nothing of the batch is kept.
  absl::Status InsertBatch();

  // Rows committed so far.
  int64_t rows() const { return rows_; }
  // Bytes of every row's body.
  int64_t body_bytes() const { return body_bytes_; }
  // The database file.
  const std::string& path() const { return path_; }
  int rows_per_transaction() const { return rows_per_transaction_; }

 private:
  SqliteInsertBaseline(std::string folder,
                       std::unique_ptr<storage::Connection> connection,
                       rehab::v1::Patient row, int rows_per_transaction);

  const std::string folder_;
  const std::string path_;
  std::unique_ptr<storage::Connection> connection_;
  // The stored form of a bench patient; each row changes its id, resident
  // ID number and name (the fields that make rows distinct), which keeps
  // the size.
  rehab::v1::Patient row_;
  const int rows_per_transaction_;
  const int64_t body_bytes_;
  SyntheticIdNumbers ids_{0};
  int64_t rows_ = 0;
  std::string body_;
};

}  // namespace rehab::bench

#endif  // REHAB_TOOLS_BENCH_SQLITE_INSERT_BASELINE_H_
