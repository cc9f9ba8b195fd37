// The access policy of DESIGN.md section 7, in one place. Every domain
// method asks it before acting, and every list and feed is filtered by the
// scope it computes.
#ifndef REHAB_SERVER_DOMAIN_ACCESS_POLICY_H_
#define REHAB_SERVER_DOMAIN_ACCESS_POLICY_H_

#include <initializer_list>
#include <string_view>

#include "absl/status/status.h"
#include "rehab/v1/patient.pb.h"
#include "server/domain/caller.h"
#include "server/domain/store.h"

namespace rehab {

class AccessPolicy {
 public:
  // The patients `caller` may see:
  //   ADMIN: all; SUPERVISOR: the area subtree (scope_area_code);
  //   FAMILY_DOCTOR: patients with an ACTIVE contract with them;
  //   FACILITY_STAFF and KIOSK: patients whose home facility is theirs;
  //   PATIENT: themselves and their wards; anything else: none.
  // Break-glass grants are not part of the scope (see MaySeePatient).
  static PatientScope PatientScopeFor(const Caller& caller);

  // PERMISSION_DENIED (naming `action`) unless the caller's role is one of
  // `roles`.
  static absl::Status RequireRole(const Caller& caller,
                                  std::initializer_list<rehab::v1::Role> roles,
                                  std::string_view action);

  // True when `caller` may see `patient_id`: in scope (per `txn`) or
  // granted by an unexpired break-glass.
  static absl::StatusOr<bool> MaySeePatient(ReadTxn& txn, const Caller& caller,
                                            const std::string& patient_id);

  // The stored patient when `caller` may see it (MaySeePatient); NOT_FOUND
  // "patient not found" both when absent and when not visible, so that no
  // one learns that a patient outside their scope exists.
  static absl::StatusOr<rehab::v1::Patient> LoadVisiblePatient(
      ReadTxn& txn, const Caller& caller, const std::string& patient_id);

  // May `caller` create or edit patient records (registry data)? ADMIN,
  // SUPERVISOR (area in their subtree) and FACILITY_STAFF (home facility
  // theirs). The scope check is the caller's; this is the role check.
  static absl::Status RequireRegistryWriter(const Caller& caller);

  // True when a patient's identifying fields must be withheld from
  // `caller`: a psychiatric patient (category PSYCHIATRIC, or any
  // PSYCHIATRIC_MANAGEMENT enrollment, ended ones included, which the caller
  // states through `psychiatric`) seen by a supervisor without the identity
  // flag and without a break-glass grant for the patient.
  static bool MustPseudonymise(const Caller& caller,
                               const rehab::v1::Patient& patient,
                               bool psychiatric);

  // Withholds identifying fields in place: name becomes a stable pseudonym
  // derived from the id, ID and card numbers, address, phone and guardian
  // are cleared, birth date cut to the year; `pseudonymised` is set.
  static void Pseudonymise(rehab::v1::Patient& patient);
};

}  // namespace rehab

#endif  // REHAB_SERVER_DOMAIN_ACCESS_POLICY_H_
