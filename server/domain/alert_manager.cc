#include "server/domain/alert_manager.h"

#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/common/dates.h"
#include "server/common/errors.h"
#include "server/common/ids.h"
#include "server/common/status_macros.h"
#include "server/domain/access_policy.h"
#include "server/domain/list_filters.h"
#include "server/domain/page_token.h"
#include "server/domain/resource.h"
#include "server/domain/validation.h"

namespace rehab {
namespace {

using rehab::v1::Alert;

constexpr char kListAlerts[] = "ListAlerts";
// The name space of alert ids derived from their findings.
constexpr char kAlertIds[] = "rehab.alerts";

absl::Status AlertNotFound() { return absl::NotFoundError("alert not found"); }

absl::Status RequireAlertReader(const Caller& caller, std::string_view action) {
  return AccessPolicy::RequireRole(
      caller,
      {rehab::v1::ROLE_ADMIN, rehab::v1::ROLE_SUPERVISOR,
       rehab::v1::ROLE_FAMILY_DOCTOR},
      action);
}

}  // namespace

AlertManager::AlertManager(Store* store, const Clock* clock)
    : store_(store), clock_(clock) {}

absl::StatusOr<bool> AlertManager::RaiseInTxn(WriteTxn& txn,
                                              const AlertFinding& finding,
                                              absl::Time now) {
  ASSIGN_OR_RETURN(
      std::optional<Alert> raised,
      txn.FindAlert(finding.kind, finding.source_id, finding.finding_date));
  if (raised.has_value()) return false;
  ASSIGN_OR_RETURN(std::optional<rehab::v1::Patient> patient,
                   txn.GetPatient(finding.patient_id));
  Alert alert;
  alert.set_id(NameUuid(
      kAlertIds, absl::StrCat(static_cast<int>(finding.kind), "/",
                              finding.source_id, "/", finding.finding_date)));
  alert.set_version(1);
  *alert.mutable_create_time() = ToProto(now);
  *alert.mutable_update_time() = ToProto(now);
  alert.set_author(Caller::System().account_id);
  alert.set_patient_id(finding.patient_id);
  alert.set_kind(finding.kind);
  alert.set_state(rehab::v1::ALERT_STATE_OPEN);
  alert.set_source_collection(finding.source_collection);
  alert.set_source_id(finding.source_id);
  alert.set_detail(finding.detail);
  alert.set_doctor_id(finding.doctor_id);
  if (patient.has_value()) alert.set_area_id(patient->area_id());
  alert.set_finding_date(finding.finding_date);
  RETURN_IF_ERROR(txn.PutAlert(alert));
  return true;
}

absl::StatusOr<rehab::v1::ListAlertsResponse> AlertManager::ListAlerts(
    const Caller& caller, const rehab::v1::ListAlertsRequest& request,
    std::string* audit_patient_id) {
  RETURN_IF_ERROR(RequireAlertReader(caller, "list alerts"));
  ASSIGN_OR_RETURN(int32_t page_size, EffectivePageSize(request.page_size()));
  if (!rehab::v1::AlertKind_IsValid(request.kind())) {
    return InvalidArgumentError("kind", "unknown alert kind");
  }
  if (!rehab::v1::AlertState_IsValid(request.state())) {
    return InvalidArgumentError("state", "unknown alert state");
  }
  AlertQuery query;
  ASSIGN_OR_RETURN(const std::string token,
                   DecodePageToken(kListAlerts, request.page_token()));
  ASSIGN_OR_RETURN(const TimeIdKey before, ParseTimeIdKey(token));
  query.before_create_time = before.time;
  query.before_id = before.id;
  query.scope = AccessPolicy::PatientScopeFor(caller);
  query.patient_id = CanonicalizeUuid(request.patient_id());
  query.doctor_id = CanonicalizeUuid(request.doctor_id());
  query.kind = request.kind();
  query.state = request.state();
  query.limit = page_size + 1;
  if (audit_patient_id != nullptr) *audit_patient_id = query.patient_id;
  std::vector<Alert> rows;
  RETURN_IF_ERROR(store_->Read([&](ReadTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(query.area_code_prefix,
                     AreaCodeFilter(txn, request.area_id()));
    ASSIGN_OR_RETURN(rows, txn.ListAlerts(query));
    return absl::OkStatus();
  }));
  rehab::v1::ListAlertsResponse response;
  response.set_next_page_token(
      TrimPage(rows, page_size, kListAlerts, [](const Alert& a) {
        return FormatTimeIdKey(FromProto(a.create_time()), a.id());
      }));
  for (Alert& alert : rows) *response.add_alerts() = std::move(alert);
  return response;
}

absl::StatusOr<Alert> AlertManager::AcknowledgeAlert(
    const Caller& caller, const rehab::v1::AcknowledgeAlertRequest& request,
    std::string* audit_patient_id) {
  RETURN_IF_ERROR(RequireAlertReader(caller, "acknowledge alerts"));
  const std::string id = CanonicalizeUuid(request.id());
  FieldViolations violations;
  if (id.empty()) violations.Add("id", "required");
  if (request.note().size() > kMaxTextLength)
    violations.Add("note", "too long");
  RETURN_IF_ERROR(violations.ToStatus());
  const absl::Time now = clock_->Now();
  Alert result;
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<Alert> alert, txn.GetAlert(id));
    if (!alert.has_value()) return AlertNotFound();
    ASSIGN_OR_RETURN(bool visible, AccessPolicy::MaySeePatient(
                                       txn, caller, alert->patient_id()));
    if (!visible) return AlertNotFound();
    if (audit_patient_id != nullptr) *audit_patient_id = alert->patient_id();
    if (alert->state() == rehab::v1::ALERT_STATE_ACKNOWLEDGED) {
      result = *std::move(alert);
      return absl::OkStatus();
    }
    alert->set_state(rehab::v1::ALERT_STATE_ACKNOWLEDGED);
    alert->set_acknowledged_by(caller.account_id);
    *alert->mutable_acknowledge_time() = ToProto(now);
    alert->set_acknowledge_note(request.note());
    StampUpdate(*alert, caller, now);
    RETURN_IF_ERROR(txn.PutAlert(*alert));
    result = *std::move(alert);
    return absl::OkStatus();
  }));
  return result;
}

bool AlertManager::ReadsAlerts(const Caller& caller) {
  return caller.role == rehab::v1::ROLE_ADMIN ||
         caller.role == rehab::v1::ROLE_SUPERVISOR ||
         caller.role == rehab::v1::ROLE_FAMILY_DOCTOR;
}

absl::StatusOr<std::optional<Alert>> AlertManager::ReadAlertAs(
    ReadTxn& txn, const Caller& caller, const std::string& id) {
  if (!ReadsAlerts(caller)) return std::optional<Alert>();
  return txn.GetAlert(id);
}

}  // namespace rehab
