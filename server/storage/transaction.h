// A scoped SQLite transaction that rolls back unless committed.
//
//   Transaction txn(&conn);
//   RETURN_IF_ERROR(txn.Begin(Transaction::Mode::kImmediate));
//   ... statements ...
//   RETURN_IF_ERROR(txn.Commit());
//
// Writes use kImmediate, which takes the write lock at BEGIN, so a write
// never fails halfway with SQLITE_BUSY on lock upgrade. Reads use
// kDeferred: the snapshot is fixed by the first read and holds until the
// end. Not thread-safe (the connection's thread uses it).
#ifndef REHAB_SERVER_STORAGE_TRANSACTION_H_
#define REHAB_SERVER_STORAGE_TRANSACTION_H_

#include "absl/status/status.h"
#include "server/storage/connection.h"

namespace rehab::storage {

class Transaction {
 public:
  enum class Mode { kDeferred, kImmediate };

  // `connection` must outlive this object and have no open transaction.
  explicit Transaction(Connection* connection);
  // Rolls back when begun and neither committed nor rolled back.
  ~Transaction();

  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  absl::Status Begin(Mode mode);

  // Commits. On failure the transaction is rolled back (here or by
  // SQLite) and nothing of it is kept.
  absl::Status Commit();

  // Rolls back; a no-op when not begun or already finished.
  void Rollback();

  bool is_open() const { return open_; }

 private:
  Connection* const connection_;
  bool open_ = false;
};

}  // namespace rehab::storage

#endif  // REHAB_SERVER_STORAGE_TRANSACTION_H_
