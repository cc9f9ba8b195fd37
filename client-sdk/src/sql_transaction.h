// A write transaction on the local database that rolls back unless
// committed.
//
//   SqlTransaction txn(db);
//   RETURN_IF_ERROR(txn.Begin());
//   ... statements ...
//   RETURN_IF_ERROR(txn.Commit());
//
// BEGIN IMMEDIATE takes the write lock at once, so a transaction never
// fails halfway on a lock upgrade. Not thread-safe.
#ifndef REHAB_CLIENT_SDK_SRC_SQL_TRANSACTION_H_
#define REHAB_CLIENT_SDK_SRC_SQL_TRANSACTION_H_

#include "absl/status/status.h"
#include "client-sdk/src/sql_connection.h"

namespace rehab::client::internal {

class SqlTransaction {
 public:
  // `db` must outlive this object and have no open transaction.
  explicit SqlTransaction(SqlConnection& db) : db_(db) {}
  // Rolls back when begun and not committed.
  ~SqlTransaction();

  SqlTransaction(const SqlTransaction&) = delete;
  SqlTransaction& operator=(const SqlTransaction&) = delete;

  absl::Status Begin();
  // On failure nothing of the transaction is kept.
  absl::Status Commit();

 private:
  SqlConnection& db_;
  bool open_ = false;
};

}  // namespace rehab::client::internal

#endif  // REHAB_CLIENT_SDK_SRC_SQL_TRANSACTION_H_
