#include "server/domain/access_policy.h"

#include <sodium.h>

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "server/common/errors.h"
#include "server/common/status_macros.h"

namespace rehab {
namespace {

using ::rehab::v1::Role;

bool HasBreakGlass(const Caller& caller, const std::string& patient_id) {
  const auto& ids = caller.break_glass_patient_ids;
  return std::find(ids.begin(), ids.end(), patient_id) != ids.end();
}

// A stable stand-in for a withheld name: the same patient always gets the
// same one, and it does not reveal the id it came from.
std::string PseudonymFor(const std::string& patient_id) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest,
                     reinterpret_cast<const unsigned char*>(patient_id.data()),
                     patient_id.size());
  return absl::StrCat(
      "Patient ", absl::AsciiStrToUpper(absl::BytesToHexString(
                      std::string(reinterpret_cast<const char*>(digest), 4))));
}

}  // namespace

PatientScope AccessPolicy::PatientScopeFor(const Caller& caller) {
  // An account whose scope is missing sees nothing rather than everything:
  // an empty area code would be a prefix of every code.
  PatientScope scope;
  switch (caller.role) {
    case rehab::v1::ROLE_ADMIN:
      scope.kind = PatientScope::Kind::kAll;
      break;
    case rehab::v1::ROLE_SUPERVISOR:
      if (!caller.scope_area_code.empty()) {
        scope.kind = PatientScope::Kind::kAreaSubtree;
        scope.area_code = caller.scope_area_code;
      }
      break;
    case rehab::v1::ROLE_FAMILY_DOCTOR:
      if (!caller.scope_id.empty()) {
        scope.kind = PatientScope::Kind::kPractitioner;
        scope.practitioner_id = caller.scope_id;
        scope.team = caller.scope_team;
      }
      break;
    case rehab::v1::ROLE_FACILITY_STAFF:
    case rehab::v1::ROLE_KIOSK:
      if (!caller.scope_id.empty()) {
        scope.kind = PatientScope::Kind::kFacility;
        scope.facility_id = caller.scope_id;
      }
      break;
    case rehab::v1::ROLE_PATIENT:
      if (!caller.scope_id.empty()) {
        scope.patient_ids.push_back(caller.scope_id);
      }
      for (const std::string& ward : caller.ward_ids) {
        if (!ward.empty()) scope.patient_ids.push_back(ward);
      }
      if (!scope.patient_ids.empty()) {
        scope.kind = PatientScope::Kind::kPatients;
      }
      break;
    default:
      break;
  }
  return scope;
}

absl::Status AccessPolicy::RequireRole(const Caller& caller,
                                       std::initializer_list<Role> roles,
                                       std::string_view action) {
  if (caller.role != rehab::v1::ROLE_UNSPECIFIED &&
      std::find(roles.begin(), roles.end(), caller.role) != roles.end()) {
    return absl::OkStatus();
  }
  return ErrorWithReason(absl::StatusCode::kPermissionDenied,
                         absl::StrCat(rehab::v1::Role_Name(caller.role),
                                      " may not ", std::string(action)),
                         kReasonPermissionDenied);
}

absl::StatusOr<bool> AccessPolicy::MaySeePatient(
    ReadTxn& txn, const Caller& caller, const std::string& patient_id) {
  if (patient_id.empty()) return false;
  const PatientScope scope = PatientScopeFor(caller);
  if (scope.kind != PatientScope::Kind::kNone) {
    ASSIGN_OR_RETURN(const bool in_scope,
                     txn.PatientInScope(patient_id, scope));
    if (in_scope) return true;
  }
  if (!HasBreakGlass(caller, patient_id)) return false;
  ASSIGN_OR_RETURN(auto patient, txn.GetPatient(patient_id));
  return patient.has_value();
}

absl::StatusOr<rehab::v1::Patient> AccessPolicy::LoadVisiblePatient(
    ReadTxn& txn, const Caller& caller, const std::string& patient_id) {
  ASSIGN_OR_RETURN(std::optional<rehab::v1::Patient> patient,
                   txn.GetPatient(patient_id));
  if (!patient.has_value()) return absl::NotFoundError("patient not found");
  ASSIGN_OR_RETURN(bool visible, MaySeePatient(txn, caller, patient_id));
  if (!visible) return absl::NotFoundError("patient not found");
  return *std::move(patient);
}

absl::Status AccessPolicy::RequireRegistryWriter(const Caller& caller) {
  return RequireRole(caller,
                     {rehab::v1::ROLE_ADMIN, rehab::v1::ROLE_SUPERVISOR,
                      rehab::v1::ROLE_FACILITY_STAFF},
                     "write patient records");
}

bool AccessPolicy::MustPseudonymise(const Caller& caller,
                                    const rehab::v1::Patient& patient,
                                    bool psychiatric) {
  if (caller.role != rehab::v1::ROLE_SUPERVISOR) return false;
  const bool sensitive =
      psychiatric || patient.disability_category() ==
                         rehab::v1::DISABILITY_CATEGORY_PSYCHIATRIC;
  return sensitive && !caller.psychiatric_identity &&
         !HasBreakGlass(caller, patient.id());
}

void AccessPolicy::Pseudonymise(rehab::v1::Patient& patient) {
  patient.set_name(PseudonymFor(patient.id()));
  patient.clear_id_number();
  patient.clear_disability_card_number();
  patient.clear_address();
  patient.clear_phone();
  patient.clear_guardian();
  if (patient.birth_date().size() > 4) {
    patient.set_birth_date(patient.birth_date().substr(0, 4));
  }
  patient.set_pseudonymised(true);
}

}  // namespace rehab
