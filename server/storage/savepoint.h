// A scoped SQLite savepoint inside an open transaction: rolls back to where
// it began unless released, leaving the rest of the transaction intact.
//
//   Savepoint savepoint(&conn);
//   RETURN_IF_ERROR(savepoint.Begin());
//   absl::Status status = job();
//   if (!status.ok()) return status;   // the destructor rolls back
//   return savepoint.Release();
//
// Savepoints nest (a job's savepoint in the write queue, WriteTxn::Nested
// inside it): all share one name, and SQLite resolves RELEASE and ROLLBACK
// TO to the innermost savepoint of that name, which scoping makes this
// object's. Not thread-safe.
#ifndef REHAB_SERVER_STORAGE_SAVEPOINT_H_
#define REHAB_SERVER_STORAGE_SAVEPOINT_H_

#include "absl/status/status.h"
#include "server/storage/connection.h"

namespace rehab::storage {

class Savepoint {
 public:
  // `connection` must outlive this object.
  explicit Savepoint(Connection* connection);
  // Rolls back when begun and not released.
  ~Savepoint();

  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;

  absl::Status Begin();

  // Keeps what was done since Begin (as part of the enclosing
  // transaction).
  absl::Status Release();

  // Undoes what was done since Begin and forgets the savepoint. A no-op
  // when not begun or already finished.
  absl::Status Rollback();

 private:
  Connection* const connection_;
  bool open_ = false;
};

}  // namespace rehab::storage

#endif  // REHAB_SERVER_STORAGE_SAVEPOINT_H_
