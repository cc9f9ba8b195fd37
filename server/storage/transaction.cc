#include "server/storage/transaction.h"

#include "server/common/status_macros.h"

namespace rehab::storage {
namespace {

constexpr char kBeginDeferred[] = "BEGIN DEFERRED";
constexpr char kBeginImmediate[] = "BEGIN IMMEDIATE";
constexpr char kCommit[] = "COMMIT";
constexpr char kRollback[] = "ROLLBACK";

}  // namespace

Transaction::Transaction(Connection* connection) : connection_(connection) {}

Transaction::~Transaction() { Rollback(); }

absl::Status Transaction::Begin(Mode mode) {
  ASSIGN_OR_RETURN(Statement begin,
                   connection_->GetCachedStatement(mode == Mode::kImmediate
                                                       ? kBeginImmediate
                                                       : kBeginDeferred));
  RETURN_IF_ERROR(begin.Run());
  open_ = true;
  return absl::OkStatus();
}

absl::Status Transaction::Commit() {
  if (!open_) return absl::InternalError("storage error: no transaction");
  absl::Status status;
  {
    absl::StatusOr<Statement> commit = connection_->GetCachedStatement(kCommit);
    status = commit.ok() ? commit->Run() : commit.status();
  }
  if (!status.ok()) {
    Rollback();
    return status;
  }
  open_ = false;
  return absl::OkStatus();
}

void Transaction::Rollback() {
  if (!open_) return;
  open_ = false;
  // SQLite may have ended the transaction itself (after an I/O error or a
  // full disk); ROLLBACK would then fail with "no transaction is active".
  if (!connection_->in_transaction()) return;
  absl::StatusOr<Statement> rollback =
      connection_->GetCachedStatement(kRollback);
  if (rollback.ok()) rollback->Run().IgnoreError();
}

}  // namespace rehab::storage
