// Alerts: raised by the server's rules (follow-ups, visits, and later
// medication), read by the patient's contracted doctor through the change
// feed and by supervisors through ListAlerts and the feed, acknowledged by
// either.
//
// Who reads alerts: ADMIN, SUPERVISOR (patients of their subtree) and
// FAMILY_DOCTOR (their contracted patients); no other role. An alert names
// the patient by id only; its detail never carries identifying data, so
// pseudonymised supervisors read alerts as they are.
#ifndef REHAB_SERVER_DOMAIN_ALERT_MANAGER_H_
#define REHAB_SERVER_DOMAIN_ALERT_MANAGER_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "rehab/v1/report.pb.h"
#include "server/common/clock.h"
#include "server/domain/caller.h"
#include "server/domain/store.h"

namespace rehab {

// The change-feed collection of alerts.
inline constexpr char kAlertsCollection[] = "alerts";

// A finding of a rule, to be raised as an alert.
struct AlertFinding {
  rehab::v1::AlertKind kind = rehab::v1::ALERT_KIND_UNSPECIFIED;
  std::string patient_id;
  std::string source_collection;
  std::string source_id;
  std::string finding_date;  // YYYY-MM-DD, county time
  std::string detail;        // no identifying data
  std::string doctor_id;     // the contracted doctor, if any
};

// Thread-safe.
class AlertManager {
 public:
  AlertManager(Store* store, const Clock* clock);

  // Raises the alert of `finding` inside `txn` unless the same finding
  // (kind, source_id, finding_date) was raised before. Returns true when
  // it raised one. The alert's id is derived from the finding, so two
  // passes racing over one finding agree on it; area_id is the patient's
  // area now.
  static absl::StatusOr<bool> RaiseInTxn(WriteTxn& txn,
                                         const AlertFinding& finding,
                                         absl::Time now);

  // Alerts of patients in the caller's scope, newest first.
  absl::StatusOr<rehab::v1::ListAlertsResponse> ListAlerts(
      const Caller& caller, const rehab::v1::ListAlertsRequest& request,
      std::string* audit_patient_id = nullptr);
  // Marks an open alert acknowledged by the caller (who and when, with the
  // note); acknowledging an acknowledged alert answers it unchanged.
  // NOT_FOUND outside the caller's scope.
  absl::StatusOr<rehab::v1::Alert> AcknowledgeAlert(
      const Caller& caller, const rehab::v1::AcknowledgeAlertRequest& request,
      std::string* audit_patient_id = nullptr);

  // True for the roles that read alerts.
  static bool ReadsAlerts(const Caller& caller);
  // The stored alert for `caller`; nullopt when absent or not readable by
  // the role. Scope is not checked here (the feed is scoped by the store).
  static absl::StatusOr<std::optional<rehab::v1::Alert>> ReadAlertAs(
      ReadTxn& txn, const Caller& caller, const std::string& id);

 private:
  Store* const store_;
  const Clock* const clock_;
};

}  // namespace rehab

#endif  // REHAB_SERVER_DOMAIN_ALERT_MANAGER_H_
