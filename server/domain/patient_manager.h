// The patient registry and program enrollments.
//
// Every method applies the access policy: a patient outside the caller's
// scope is NOT_FOUND (never PERMISSION_DENIED) and absent from lists.
// PERMISSION_DENIED is for what the role may never do (a kiosk listing
// patients). Each method reports the patient it touched through
// `audit_patient_id` (when not null), for the audit trail.
#ifndef REHAB_SERVER_DOMAIN_PATIENT_MANAGER_H_
#define REHAB_SERVER_DOMAIN_PATIENT_MANAGER_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/field_mask.pb.h"
#include "rehab/v1/patient.pb.h"
#include "server/common/clock.h"
#include "server/domain/caller.h"
#include "server/domain/store.h"

namespace rehab {

// The change-feed collections of the records this manager keeps.
inline constexpr char kPatientsCollection[] = "patients";
inline constexpr char kEnrollmentsCollection[] = "enrollments";

// A patient written inside a transaction (see CreatePatientInTxn).
struct PatientWrite {
  rehab::v1::Patient patient;  // as stored, not yet a caller's view
  bool created = false;        // false: an idempotent repeat of a create
};

// An enrollment written inside a transaction (see CreateEnrollmentInTxn).
struct EnrollmentWrite {
  rehab::v1::Enrollment enrollment;  // as stored
  bool created = false;              // false: an idempotent repeat
};

// Thread-safe.
class PatientManager {
 public:
  // `county_zone` decides what "today" is (birth dates may not be later).
  PatientManager(Store* store, const Clock* clock, absl::TimeZone county_zone);

  // Validates and normalises (DOMAIN.md section 2), then stores. Idempotent
  // by id; a second patient with the same ID number is ALREADY_EXISTS
  // (reason DUPLICATE_ID_NUMBER).
  absl::StatusOr<rehab::v1::Patient> CreatePatient(
      const Caller& caller, const rehab::v1::CreatePatientRequest& request,
      std::string* audit_patient_id = nullptr);
  absl::StatusOr<rehab::v1::Patient> GetPatient(
      const Caller& caller, const rehab::v1::GetPatientRequest& request,
      std::string* audit_patient_id = nullptr);
  // ABORTED (reason VERSION_CONFLICT) when the version is stale; the
  // result is validated as a whole.
  absl::StatusOr<rehab::v1::Patient> UpdatePatient(
      const Caller& caller, const rehab::v1::UpdatePatientRequest& request,
      std::string* audit_patient_id = nullptr);
  absl::StatusOr<rehab::v1::ListPatientsResponse> ListPatients(
      const Caller& caller, const rehab::v1::ListPatientsRequest& request);
  // By ID number or card number (a kiosk: card number only, patients of its
  // facility only, and a reduced record: id, name, facility).
  absl::StatusOr<rehab::v1::Patient> LookupPatient(
      const Caller& caller, const rehab::v1::LookupPatientRequest& request,
      std::string* audit_patient_id = nullptr);

  // One open enrollment per patient and program (ALREADY_EXISTS, reason
  // ENROLLMENT_ALREADY_OPEN).
  absl::StatusOr<rehab::v1::Enrollment> CreateEnrollment(
      const Caller& caller, const rehab::v1::CreateEnrollmentRequest& request,
      std::string* audit_patient_id = nullptr);
  absl::StatusOr<rehab::v1::Enrollment> EndEnrollment(
      const Caller& caller, const rehab::v1::EndEnrollmentRequest& request,
      std::string* audit_patient_id = nullptr);
  absl::StatusOr<rehab::v1::ListEnrollmentsResponse> ListEnrollments(
      const Caller& caller, const rehab::v1::ListEnrollmentsRequest& request,
      std::string* audit_patient_id = nullptr);

  // --- The steps of the write methods -------------------------------------
  // CreatePatient, UpdatePatient and CreateEnrollment are each a Prepare
  // step (no store: role, validation, normalisation, stamping) followed by
  // an InTxn step inside one Store::Write. SyncService.Push runs the same
  // steps per mutation, the second inside its batch's transaction, so that
  // a pushed record is exactly what the method would have stored. The InTxn
  // steps return the errors of the method they belong to.

  // The patient to create: server fields cleared, ids canonical, validated
  // and normalised as of `now`, stamped (a fresh id when it has none).
  absl::StatusOr<rehab::v1::Patient> PrepareCreatePatient(
      const Caller& caller, const rehab::v1::Patient& patient,
      absl::Time now) const;
  // Stores a prepared patient: placement, the caller's write scope,
  // idempotency by id (a repeat with the same content returns the stored
  // record with created = false), unique ID and card numbers.
  absl::StatusOr<PatientWrite> CreatePatientInTxn(
      WriteTxn& txn, const Caller& caller,
      const rehab::v1::Patient& prepared) const;

  // The patch of an update: ids canonical, id and version required.
  absl::StatusOr<rehab::v1::Patient> PrepareUpdatePatient(
      const Caller& caller, const rehab::v1::Patient& patch) const;
  // Applies a prepared patch (the fields `mask` names; every
  // client-writable field when it is empty) to the visible stored patient
  // whose version equals `patch.version()`, validates the result as a
  // whole, and stores it as of `now`. Returns the stored record.
  absl::StatusOr<rehab::v1::Patient> UpdatePatientInTxn(
      WriteTxn& txn, const Caller& caller, const rehab::v1::Patient& patch,
      const google::protobuf::FieldMask& mask, absl::Time now) const;

  // The enrollment to create: server fields cleared, validated, stamped.
  absl::StatusOr<rehab::v1::Enrollment> PrepareCreateEnrollment(
      const Caller& caller, const rehab::v1::Enrollment& enrollment,
      absl::Time now) const;
  // Stores a prepared enrollment of a patient visible to the caller
  // (idempotent by id; one open enrollment per patient and program). A
  // new PSYCHIATRIC_MANAGEMENT enrollment moves the patient's feed entry,
  // so that devices whose view of the patient it changes (pseudonymised
  // for supervisors without the identity flag) receive it again.
  absl::StatusOr<EnrollmentWrite> CreateEnrollmentInTxn(
      WriteTxn& txn, const Caller& caller,
      const rehab::v1::Enrollment& prepared) const;

  // --- Views for the change feed ------------------------------------------
  // The stored patient as `caller` may read it: the reduced record a kiosk
  // gets from LookupPatient; psychiatric patients pseudonymised for
  // supervisors without the identity flag (as every read method does).
  // nullopt when absent. The caller's scope is not checked here: the feed
  // is scoped by the store, and a Push conflict follows a visible load.
  absl::StatusOr<std::optional<rehab::v1::Patient>> ReadPatientAs(
      ReadTxn& txn, const Caller& caller, const std::string& id) const;
  // True when `caller`'s role reads enrollments (every role but the kiosk).
  static bool ReadsEnrollments(const Caller& caller);
  // The stored enrollment for `caller`; nullopt when absent or when the
  // caller's role does not read enrollments. Scope as above.
  absl::StatusOr<std::optional<rehab::v1::Enrollment>> ReadEnrollmentAs(
      ReadTxn& txn, const Caller& caller, const std::string& id) const;

 private:
  Store* const store_;
  const Clock* const clock_;
  const absl::TimeZone zone_;
};

}  // namespace rehab

#endif  // REHAB_SERVER_DOMAIN_PATIENT_MANAGER_H_
