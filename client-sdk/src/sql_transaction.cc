#include "client-sdk/src/sql_transaction.h"

namespace rehab::client::internal {

SqlTransaction::~SqlTransaction() {
  if (open_) db_.Execute("ROLLBACK").IgnoreError();
}

absl::Status SqlTransaction::Begin() {
  absl::Status begun = db_.Execute("BEGIN IMMEDIATE");
  open_ = begun.ok();
  return begun;
}

absl::Status SqlTransaction::Commit() {
  absl::Status committed = db_.Execute("COMMIT");
  if (!committed.ok()) {
    // SQLite may have rolled back already; a second ROLLBACK is harmless.
    db_.Execute("ROLLBACK").IgnoreError();
  }
  open_ = false;
  return committed;
}

}  // namespace rehab::client::internal
