// The audit trail (recording every access to patient data, and reading it)
// and online backup.
#ifndef REHAB_SERVER_DOMAIN_ADMIN_MANAGER_H_
#define REHAB_SERVER_DOMAIN_ADMIN_MANAGER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rehab/v1/admin.pb.h"
#include "server/common/clock.h"
#include "server/domain/caller.h"
#include "server/domain/store.h"

namespace rehab {

// One patient a call touched, and what the call did with it, for calls
// that touch many patients at once (SyncService.Push and Pull).
struct PatientOutcome {
  std::string patient_id;
  absl::Status outcome;
};

// Thread-safe.
class AdminManager {
 public:
  AdminManager(Store* store, const Clock* clock);

  // Queues an audit event (account, method, patient, outcome, time, peer)
  // for the next write group; does not wait for it to be durable.
  void Audit(const Caller& caller, const std::string& method,
             const std::string& patient_id, const absl::Status& outcome,
             const std::string& detail = "");
  // Queues one audit event per entry of `patients` (each with its own
  // patient and outcome), all in one write; nothing when it is empty.
  void Audit(const Caller& caller, const std::string& method,
             const std::vector<PatientOutcome>& patients,
             const std::string& detail = "");

  // ADMIN only (PERMISSION_DENIED otherwise). Newest first.
  absl::StatusOr<rehab::v1::ListAuditEventsResponse> ListAuditEvents(
      const Caller& caller, const rehab::v1::ListAuditEventsRequest& request);

  // ADMIN only (PERMISSION_DENIED otherwise). Writes an online, consistent
  // copy of the database to `request.path` on the server host while the
  // server keeps serving (Store::Backup): every write acknowledged before
  // the call is in it, and `change_seq` is the last change it holds.
  // INVALID_ARGUMENT naming "path", with nothing written, when the path is
  // empty, not absolute, ends in "/", names an existing file, or its
  // directory does not exist. Otherwise the errors of Store::Backup.
  absl::StatusOr<rehab::v1::BackupResponse> Backup(
      const Caller& caller, const rehab::v1::BackupRequest& request);

 private:
  Store* const store_;
  const Clock* const clock_;
};

}  // namespace rehab

#endif  // REHAB_SERVER_DOMAIN_ADMIN_MANAGER_H_
