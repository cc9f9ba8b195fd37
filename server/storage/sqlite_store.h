// The SQLite Store: one database file, one writer thread with group commit,
// a pool of read-only connections (DESIGN.md section 8).
//
//   StoreOptions options;
//   options.path = "/var/lib/rehab/rehab.db";
//   ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> store,
//                    SqliteStore::Open(options));
//   RETURN_IF_ERROR(store->Write([&](WriteTxn& txn) {
//     return txn.PutPatient(patient);
//   }));
//
// Open creates the file when missing, applies the schema migrations the file
// lacks (storage/migrations.h) and refuses a file written by a newer
// rehabd. Write returns once its group is durable (WAL, synchronous=FULL);
// the write-side outcomes are those of WriteQueue (storage/write_queue.h),
// the repository semantics those of SqliteTxn (storage/sqlite_txn.h).
// Read runs its function inside one read transaction, so it sees one
// consistent snapshot, never a half-committed group.
//
// Thread-safe. A Write function must not wait for another Write of the same
// store (FAILED_PRECONDITION; WriteAsync is fine) and should not call Read:
// a Read sees only committed data, not the group in progress, and may wait
// for a reader held by someone who waits for this write. Likewise a Read
// function must not call Read (it may wait forever for a free connection).
#ifndef REHAB_SERVER_STORAGE_SQLITE_STORE_H_
#define REHAB_SERVER_STORAGE_SQLITE_STORE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/domain/store.h"

namespace rehab {

namespace storage {
class Checkpointer;
class Connection;
class ConnectionPool;
class SqliteTxn;
class WriteQueue;
}  // namespace storage

struct StoreOptions {
  // The database file (created when missing). Required; ":memory:" is not
  // supported (the readers need the same file).
  std::string path;
  // Read-only connections (at least 1); at most this many Read calls run at
  // once, the others wait.
  int read_connections = 4;
  // Writes that may wait for the writer before Write is refused with
  // RESOURCE_EXHAUSTED (reason OVERLOADED).
  size_t write_queue_capacity = 4096;
  // Writes committed in one transaction at most.
  size_t max_group_size = 512;
  // How long WriteAsync jobs alone wait for a Write to share their commit
  // (WriteQueueOptions::async_wait).
  absl::Duration async_write_wait = absl::Milliseconds(2);
  // How long a connection waits for a lock held by another process before
  // failing with UNAVAILABLE (within rehabd the single writer never waits).
  absl::Duration busy_timeout = absl::Seconds(5);
};

class SqliteStore final : public Store {
 public:
  // Opens the database at `options.path`. INVALID_ARGUMENT for an empty
  // path; FAILED_PRECONDITION for a database of a newer schema version or of
  // another application; INTERNAL when the file cannot be opened or
  // migrated (the detail is logged).
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(
      const StoreOptions& options);

  // Closes (see Close).
  ~SqliteStore() override;

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // Store. After Close: UNAVAILABLE (WriteAsync: dropped and logged).
  absl::Status Read(const std::function<absl::Status(ReadTxn&)>& fn) override;
  absl::Status Write(std::function<absl::Status(WriteTxn&)> fn) override;
  void WriteAsync(std::function<absl::Status(WriteTxn&)> fn) override;

  // Store::Backup, through SQLite's online backup from one read snapshot
  // (the writer goes on in the WAL meanwhile). The copy is built in a file
  // of mode 0600 named `dest_path` + ".partial-XXXXXX" and linked to
  // `dest_path` when durable; it is a plain single-file database (no WAL)
  // that SqliteStore::Open accepts. After Close: UNAVAILABLE.
  absl::StatusOr<BackupInfo> Backup(const std::string& dest_path) override;

  // Refuses new work, finishes every queued write, waits for running reads,
  // and closes the database. Idempotent.
  void Close();

  // Write transactions committed since Open (one per group).
  int64_t commit_count() const;

  // Grows after every write group that changed an account, a token, a
  // break-glass grant or an area, once the group has ended and before its
  // callers learn their outcomes: a reader who reads the epoch, then the
  // store, and finds the epoch unchanged later knows that what it read
  // still holds. Counts writes through this store only (AuthOptions::
  // credentials_epoch).
  int64_t credentials_epoch() const;

  const std::string& path() const { return options_.path; }

 private:
  explicit SqliteStore(const StoreOptions& options);

  const StoreOptions options_;
  std::unique_ptr<storage::Connection> writer_;
  std::unique_ptr<storage::SqliteTxn> write_txn_;
  std::unique_ptr<storage::ConnectionPool> readers_;
  std::unique_ptr<storage::Checkpointer> checkpointer_;
  std::unique_ptr<storage::WriteQueue> queue_;

  std::atomic<int64_t> credentials_epoch_{0};

  absl::Mutex close_mu_;
  bool closed_ ABSL_GUARDED_BY(close_mu_) = false;
};

}  // namespace rehab

#endif  // REHAB_SERVER_STORAGE_SQLITE_STORE_H_
