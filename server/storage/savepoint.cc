#include "server/storage/savepoint.h"

#include "server/common/status_macros.h"

namespace rehab::storage {
namespace {

// One name serves every level: SQLite resolves RELEASE and ROLLBACK TO to
// the innermost savepoint of that name.
constexpr char kSavepoint[] = "SAVEPOINT rehab_savepoint";
constexpr char kRelease[] = "RELEASE rehab_savepoint";
constexpr char kRollbackTo[] = "ROLLBACK TO rehab_savepoint";

absl::Status RunCached(Connection* connection, const char* sql) {
  ASSIGN_OR_RETURN(Statement statement, connection->GetCachedStatement(sql));
  return statement.Run();
}

}  // namespace

Savepoint::Savepoint(Connection* connection) : connection_(connection) {}

Savepoint::~Savepoint() { Rollback().IgnoreError(); }

absl::Status Savepoint::Begin() {
  RETURN_IF_ERROR(RunCached(connection_, kSavepoint));
  open_ = true;
  return absl::OkStatus();
}

absl::Status Savepoint::Release() {
  if (!open_) return absl::InternalError("storage error: no savepoint");
  RETURN_IF_ERROR(RunCached(connection_, kRelease));
  open_ = false;
  return absl::OkStatus();
}

absl::Status Savepoint::Rollback() {
  if (!open_) return absl::OkStatus();
  open_ = false;
  // SQLite may already have rolled the whole transaction back.
  if (!connection_->in_transaction()) return absl::OkStatus();
  RETURN_IF_ERROR(RunCached(connection_, kRollbackTo));
  // ROLLBACK TO keeps the savepoint on the stack; RELEASE pops it (its
  // changes are already undone).
  return RunCached(connection_, kRelease);
}

}  // namespace rehab::storage
