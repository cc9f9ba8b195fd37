#include "server/domain/admin_manager.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/common/dates.h"
#include "server/common/errors.h"
#include "server/common/status_macros.h"
#include "server/domain/access_policy.h"
#include "server/domain/page_token.h"

namespace rehab {
namespace {

using ::rehab::v1::AuditEvent;

constexpr char kListAuditEvents[] = "ListAuditEvents";
// Longest backup path accepted (Linux's PATH_MAX, less the final NUL).
constexpr size_t kMaxBackupPathLength = 4095;

// The backup path rules that need no file system: the store reports an
// existing file or a missing directory.
absl::Status ValidateBackupPath(const std::string& path) {
  if (path.empty()) return InvalidArgumentError("path", "required");
  if (path.size() > kMaxBackupPathLength) {
    return InvalidArgumentError(
        "path", absl::StrCat("at most ", kMaxBackupPathLength, " bytes"));
  }
  // The file system would see only the part before a NUL byte.
  if (path.find('\0') != std::string::npos) {
    return InvalidArgumentError("path", "must not contain a NUL byte");
  }
  if (path.front() != '/') {
    return InvalidArgumentError("path",
                                "must be an absolute path on the server host");
  }
  if (path.back() == '/') {
    return InvalidArgumentError("path", "must name a file, not a directory");
  }
  return absl::OkStatus();
}

AuditEvent MakeAuditEvent(const Caller& caller, const std::string& method,
                          const std::string& patient_id,
                          const absl::Status& outcome,
                          const std::string& detail, absl::Time now) {
  AuditEvent event;
  *event.mutable_time() = ToProto(now);
  event.set_account_id(caller.account_id);
  event.set_username(caller.username);
  event.set_method(method);
  event.set_patient_id(patient_id);
  event.set_outcome(absl::StatusCodeToString(outcome.code()));
  event.set_peer(caller.peer);
  event.set_detail(detail);
  return event;
}

}  // namespace

AdminManager::AdminManager(Store* store, const Clock* clock)
    : store_(store), clock_(clock) {}

void AdminManager::Audit(const Caller& caller, const std::string& method,
                         const std::string& patient_id,
                         const absl::Status& outcome,
                         const std::string& detail) {
  AuditEvent event = MakeAuditEvent(caller, method, patient_id, outcome, detail,
                                    clock_->Now());
  store_->WriteAsync([event = std::move(event)](WriteTxn& txn) mutable {
    return txn.AppendAudit(event);
  });
}

void AdminManager::Audit(const Caller& caller, const std::string& method,
                         const std::vector<PatientOutcome>& patients,
                         const std::string& detail) {
  if (patients.empty()) return;
  const absl::Time now = clock_->Now();
  std::vector<AuditEvent> events;
  events.reserve(patients.size());
  for (const PatientOutcome& p : patients) {
    events.push_back(
        MakeAuditEvent(caller, method, p.patient_id, p.outcome, detail, now));
  }
  store_->WriteAsync([events = std::move(events)](WriteTxn& txn) mutable {
    for (AuditEvent& event : events) RETURN_IF_ERROR(txn.AppendAudit(event));
    return absl::OkStatus();
  });
}

absl::StatusOr<rehab::v1::ListAuditEventsResponse>
AdminManager::ListAuditEvents(
    const Caller& caller, const rehab::v1::ListAuditEventsRequest& request) {
  RETURN_IF_ERROR(AccessPolicy::RequireRole(caller, {rehab::v1::ROLE_ADMIN},
                                            "list audit events"));
  ASSIGN_OR_RETURN(const int32_t page_size,
                   EffectivePageSize(request.page_size()));
  ASSIGN_OR_RETURN(const std::string key,
                   DecodePageToken(kListAuditEvents, request.page_token()));

  AuditQuery query;
  if (!key.empty() &&
      (!absl::SimpleAtoi(key, &query.before_seq) || query.before_seq <= 0)) {
    return InvalidArgumentError("page_token", "malformed page token");
  }
  query.patient_id = request.patient_id();
  query.account_id = request.account_id();
  if (request.has_start_time()) {
    query.start_time = FromProto(request.start_time());
  }
  if (request.has_end_time()) query.end_time = FromProto(request.end_time());
  if (query.start_time.has_value() && query.end_time.has_value() &&
      *query.end_time < *query.start_time) {
    return InvalidArgumentError("end_time", "before start_time");
  }
  // One row more than the page tells whether another page follows.
  query.limit = page_size + 1;

  std::vector<AuditEvent> rows;
  RETURN_IF_ERROR(store_->Read([&](ReadTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(rows, txn.ListAuditEvents(query));
    return absl::OkStatus();
  }));

  rehab::v1::ListAuditEventsResponse response;
  const bool more = static_cast<int32_t>(rows.size()) > page_size;
  if (more) rows.resize(page_size);
  for (AuditEvent& row : rows) *response.add_audit_events() = std::move(row);
  if (more) {
    response.set_next_page_token(
        EncodePageToken(kListAuditEvents,
                        absl::StrCat(response.audit_events().rbegin()->seq())));
  }
  return response;
}

absl::StatusOr<rehab::v1::BackupResponse> AdminManager::Backup(
    const Caller& caller, const rehab::v1::BackupRequest& request) {
  RETURN_IF_ERROR(AccessPolicy::RequireRole(caller, {rehab::v1::ROLE_ADMIN},
                                            "back up the database"));
  RETURN_IF_ERROR(ValidateBackupPath(request.path()));
  absl::StatusOr<BackupInfo> info = store_->Backup(request.path());
  if (absl::IsAlreadyExists(info.status())) {
    return InvalidArgumentError("path", "a file already exists there");
  }
  if (absl::IsNotFound(info.status())) {
    return InvalidArgumentError("path", "its directory does not exist");
  }
  if (!info.ok()) return info.status();

  rehab::v1::BackupResponse response;
  response.set_path(request.path());
  response.set_size_bytes(info->size_bytes);
  *response.mutable_finish_time() = ToProto(clock_->Now());
  response.set_change_seq(info->change_seq);
  return response;
}

}  // namespace rehab
