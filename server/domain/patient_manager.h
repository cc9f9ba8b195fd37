// The patient registry and program enrollments.
//
// Every method applies the access policy: a patient outside the caller's
// scope is NOT_FOUND (never PERMISSION_DENIED) and absent from lists.
// PERMISSION_DENIED is for what the role may never do (a kiosk listing
// patients). Each method reports the patient it touched through
// `audit_patient_id` (when not null), for the audit trail.
#ifndef REHAB_SERVER_DOMAIN_PATIENT_MANAGER_H_
#define REHAB_SERVER_DOMAIN_PATIENT_MANAGER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "rehab/v1/patient.pb.h"
#include "server/common/clock.h"
#include "server/domain/caller.h"
#include "server/domain/store.h"

namespace rehab {

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

 private:
  Store* const store_;
  const Clock* const clock_;
  const absl::TimeZone zone_;
};

}  // namespace rehab

#endif  // REHAB_SERVER_DOMAIN_PATIENT_MANAGER_H_
