#include "server/domain/patient_manager.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
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

using rehab::v1::Area;
using rehab::v1::Enrollment;
using rehab::v1::Patient;

// Page-token names: a token of one list is refused by another.
constexpr char kListPatients[] = "ListPatients";
constexpr char kListEnrollments[] = "ListEnrollments";

// One message for "absent" and "not yours", so that no one learns that a
// record outside their scope exists.
absl::Status PatientNotFound() {
  return absl::NotFoundError("patient not found");
}
absl::Status EnrollmentNotFound() {
  return absl::NotFoundError("enrollment not found");
}

absl::Status PermissionDenied(const std::string& message) {
  return ErrorWithReason(absl::StatusCode::kPermissionDenied, message,
                         kReasonPermissionDenied);
}

absl::Status AlreadyExists(const std::string& message,
                           std::string_view reason) {
  return ErrorWithReason(absl::StatusCode::kAlreadyExists, message, reason);
}

// Every role but the kiosk reads patient records (within its scope); a
// kiosk only looks patients up by card.
absl::Status RequirePatientReader(const Caller& caller,
                                  std::string_view action) {
  return AccessPolicy::RequireRole(
      caller,
      {rehab::v1::ROLE_ADMIN, rehab::v1::ROLE_SUPERVISOR,
       rehab::v1::ROLE_FAMILY_DOCTOR, rehab::v1::ROLE_FACILITY_STAFF,
       rehab::v1::ROLE_PATIENT},
      action);
}

absl::Status RequireUuid(const std::string& id, std::string_view field) {
  if (id.empty()) return InvalidArgumentError(field, "required");
  if (!IsCanonicalUuid(id)) return InvalidArgumentError(field, "not a UUID");
  return absl::OkStatus();
}

// A supervisor without the flag may neither unmask a patient by ending
// the psychiatric enrollment nor tell its former patients from others.
bool MayNotSeePsychiatricIdentities(const Caller& caller) {
  return caller.role == rehab::v1::ROLE_SUPERVISOR &&
         !caller.psychiatric_identity;
}

// Any PSYCHIATRIC_MANAGEMENT enrollment counts, ended ones too: otherwise
// ending it would unmask the patient, and ended enrollments would sit
// beside unmasked records.
absl::StatusOr<bool> IsPsychiatric(ReadTxn& txn, const Patient& patient) {
  if (patient.disability_category() ==
      rehab::v1::DISABILITY_CATEGORY_PSYCHIATRIC) {
    return true;
  }
  EnrollmentQuery query;
  query.scope.kind = PatientScope::Kind::kAll;
  query.patient_id = patient.id();
  query.program = rehab::v1::PROGRAM_PSYCHIATRIC_MANAGEMENT;
  query.limit = 1;
  ASSIGN_OR_RETURN(std::vector<Enrollment> enrollments,
                   txn.ListEnrollments(query));
  return !enrollments.empty();
}

// The enrollment lookup that decides "psychiatric" is only made for the
// callers to whom the answer matters (supervisors without the flag).
absl::StatusOr<bool> MustPseudonymise(ReadTxn& txn, const Caller& caller,
                                      const Patient& patient) {
  if (!AccessPolicy::MustPseudonymise(caller, patient, true)) return false;
  ASSIGN_OR_RETURN(bool psychiatric, IsPsychiatric(txn, patient));
  return AccessPolicy::MustPseudonymise(caller, patient, psychiatric);
}

// Every patient record handed to a caller passes through here.
absl::Status PrepareForCaller(ReadTxn& txn, const Caller& caller,
                              Patient& patient) {
  ASSIGN_OR_RETURN(bool pseudonymise, MustPseudonymise(txn, caller, patient));
  if (pseudonymise) AccessPolicy::Pseudonymise(patient);
  return absl::OkStatus();
}

// The fields AccessPolicy::Pseudonymise withholds, and the category: a
// caller who may not know who is psychiatric may not change that either.
bool SameIdentity(const Patient& a, const Patient& b) {
  return a.name() == b.name() && a.id_number() == b.id_number() &&
         a.disability_category() == b.disability_category() &&
         a.disability_card_number() == b.disability_card_number() &&
         a.birth_date() == b.birth_date() && a.address() == b.address() &&
         a.phone() == b.phone() &&
         google::protobuf::util::MessageDifferencer::Equals(a.guardian(),
                                                            b.guardian());
}

// The patient's area and facility must exist, the area be a village or a
// township. Returns the area.
absl::StatusOr<Area> CheckPlacement(ReadTxn& txn, const Patient& patient) {
  ASSIGN_OR_RETURN(std::optional<Area> area, txn.GetArea(patient.area_id()));
  if (!area.has_value()) {
    return InvalidArgumentError("patient.area_id", "no such area");
  }
  const rehab::v1::AreaLevel level = AreaLevelOfCode(area->code());
  if (level != rehab::v1::AREA_LEVEL_VILLAGE &&
      level != rehab::v1::AREA_LEVEL_TOWNSHIP) {
    return InvalidArgumentError("patient.area_id",
                                "must be a village or a township");
  }
  if (!patient.facility_id().empty()) {
    ASSIGN_OR_RETURN(std::optional<rehab::v1::Facility> facility,
                     txn.GetFacility(patient.facility_id()));
    if (!facility.has_value()) {
      return InvalidArgumentError("patient.facility_id", "no such facility");
    }
  }
  return *std::move(area);
}

// Where a registry writer may put a patient (AccessPolicy's role check
// leaves this to us): a supervisor inside their subtree, facility staff at
// their own facility.
absl::Status CheckWriteScope(const Caller& caller, const Patient& patient,
                             const Area& area) {
  switch (caller.role) {
    case rehab::v1::ROLE_SUPERVISOR:
      if (caller.scope_area_code.empty() ||
          !absl::StartsWith(area.code(), caller.scope_area_code)) {
        return PermissionDenied("patient.area_id lies outside your area");
      }
      return absl::OkStatus();
    case rehab::v1::ROLE_FACILITY_STAFF:
      if (caller.scope_id.empty() || patient.facility_id() != caller.scope_id) {
        return PermissionDenied("patient.facility_id must be your facility");
      }
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

// The storage layer enforces both with UNIQUE indexes too; checking here
// gives the client the reason.
absl::Status CheckUnique(ReadTxn& txn, const Patient& patient) {
  ASSIGN_OR_RETURN(std::optional<Patient> same_id,
                   txn.GetPatientByIdNumber(patient.id_number()));
  if (same_id.has_value() && same_id->id() != patient.id()) {
    return AlreadyExists("another patient has this ID number",
                         kReasonDuplicateIdNumber);
  }
  if (patient.disability_card_number().empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(
      std::optional<Patient> same_card,
      txn.GetPatientByCardNumber(patient.disability_card_number()));
  if (same_card.has_value() && same_card->id() != patient.id()) {
    // The card embeds the ID number: the same person registered twice.
    return AlreadyExists("another patient has this disability card number",
                         kReasonDuplicateIdNumber);
  }
  return absl::OkStatus();
}

// What a kiosk may know of the patient checking in.
Patient KioskView(const Patient& patient) {
  Patient view;
  view.set_id(patient.id());
  view.set_name(patient.name());
  view.set_facility_id(patient.facility_id());
  view.set_area_id(patient.area_id());
  view.set_disability_category(patient.disability_category());
  return view;
}

absl::Status CheckListFilters(const rehab::v1::ListPatientsRequest& request) {
  FieldViolations violations;
  if (!rehab::v1::DisabilityCategory_IsValid(request.disability_category())) {
    violations.Add("disability_category", "unknown category");
  }
  if (request.disability_grade() < 0 || request.disability_grade() > 4) {
    violations.Add("disability_grade", "must be 1 to 4 (0: any)");
  }
  if (!rehab::v1::Program_IsValid(request.program())) {
    violations.Add("program", "unknown program");
  }
  if (request.name_prefix().size() > kMaxNameLength) {
    violations.Add("name_prefix",
                   absl::StrCat("at most ", kMaxNameLength, " bytes"));
  }
  return violations.ToStatus();
}

}  // namespace

PatientManager::PatientManager(Store* store, const Clock* clock,
                               absl::TimeZone county_zone)
    : store_(store), clock_(clock), zone_(county_zone) {}

absl::StatusOr<Patient> PatientManager::CreatePatient(
    const Caller& caller, const rehab::v1::CreatePatientRequest& request,
    std::string* audit_patient_id) {
  ASSIGN_OR_RETURN(
      Patient patient,
      PrepareCreatePatient(caller, request.patient(), clock_->Now()));
  if (audit_patient_id != nullptr) *audit_patient_id = patient.id();

  Patient result;
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(PatientWrite written,
                     CreatePatientInTxn(txn, caller, patient));
    result = std::move(written.patient);
    return PrepareForCaller(txn, caller, result);
  }));
  return result;
}

absl::StatusOr<Patient> PatientManager::PrepareCreatePatient(
    const Caller& caller, const Patient& patient, absl::Time now) const {
  RETURN_IF_ERROR(AccessPolicy::RequireRegistryWriter(caller));
  Patient prepared = patient;
  ClearServerFields(prepared);
  prepared.set_area_id(CanonicalizeUuid(prepared.area_id()));
  prepared.set_facility_id(CanonicalizeUuid(prepared.facility_id()));
  RETURN_IF_ERROR(ValidatePatient(prepared, DayOf(now, zone_)));
  RETURN_IF_ERROR(StampCreate(prepared, caller, now, "patient"));
  return prepared;
}

absl::StatusOr<PatientWrite> PatientManager::CreatePatientInTxn(
    WriteTxn& txn, const Caller& caller, const Patient& prepared) const {
  ASSIGN_OR_RETURN(Area area, CheckPlacement(txn, prepared));
  RETURN_IF_ERROR(CheckWriteScope(caller, prepared, area));
  ASSIGN_OR_RETURN(std::optional<Patient> stored,
                   txn.GetPatient(prepared.id()));
  PatientWrite out;
  if (stored.has_value()) {
    RETURN_IF_ERROR(CheckRepeatedCreate(prepared, *stored, "patient"));
    out.patient = *std::move(stored);
    return out;
  }
  RETURN_IF_ERROR(CheckUnique(txn, prepared));
  out.patient = prepared;
  RETURN_IF_ERROR(txn.PutPatient(out.patient));
  out.created = true;
  return out;
}

absl::StatusOr<Patient> PatientManager::GetPatient(
    const Caller& caller, const rehab::v1::GetPatientRequest& request,
    std::string* audit_patient_id) {
  RETURN_IF_ERROR(RequirePatientReader(caller, "read patients"));
  const std::string id = CanonicalizeUuid(request.id());
  if (audit_patient_id != nullptr) *audit_patient_id = id;
  RETURN_IF_ERROR(RequireUuid(id, "id"));

  Patient result;
  RETURN_IF_ERROR(store_->Read([&](ReadTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(result, AccessPolicy::LoadVisiblePatient(txn, caller, id));
    return PrepareForCaller(txn, caller, result);
  }));
  return result;
}

absl::StatusOr<Patient> PatientManager::UpdatePatient(
    const Caller& caller, const rehab::v1::UpdatePatientRequest& request,
    std::string* audit_patient_id) {
  if (audit_patient_id != nullptr) {
    *audit_patient_id = CanonicalizeUuid(request.patient().id());
  }
  ASSIGN_OR_RETURN(Patient patch,
                   PrepareUpdatePatient(caller, request.patient()));
  const absl::Time now = clock_->Now();

  Patient result;
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(result, UpdatePatientInTxn(txn, caller, patch,
                                                request.update_mask(), now));
    // A patient withheld before the update is withheld after it too: the
    // identity, category and enrollments that decide it cannot change.
    return PrepareForCaller(txn, caller, result);
  }));
  return result;
}

absl::StatusOr<Patient> PatientManager::PrepareUpdatePatient(
    const Caller& caller, const Patient& patch) const {
  RETURN_IF_ERROR(AccessPolicy::RequireRegistryWriter(caller));
  Patient prepared = patch;
  prepared.set_id(CanonicalizeUuid(prepared.id()));
  prepared.set_area_id(CanonicalizeUuid(prepared.area_id()));
  prepared.set_facility_id(CanonicalizeUuid(prepared.facility_id()));
  RETURN_IF_ERROR(RequireUuid(prepared.id(), "patient.id"));
  if (prepared.version() == 0) {
    return InvalidArgumentError("patient.version", "required");
  }
  return prepared;
}

absl::StatusOr<Patient> PatientManager::UpdatePatientInTxn(
    WriteTxn& txn, const Caller& caller, const Patient& patch,
    const google::protobuf::FieldMask& mask, absl::Time now) const {
  ASSIGN_OR_RETURN(Patient stored,
                   AccessPolicy::LoadVisiblePatient(txn, caller, patch.id()));
  ASSIGN_OR_RETURN(std::optional<Area> stored_area,
                   txn.GetArea(stored.area_id()));
  if (stored_area.has_value()) {
    RETURN_IF_ERROR(CheckWriteScope(caller, stored, *stored_area));
  }
  if (patch.version() != stored.version()) {
    return ErrorWithReason(
        absl::StatusCode::kAborted,
        absl::StrCat("patient is at version ", stored.version(), ", not ",
                     patch.version(), "; reload and retry"),
        kReasonVersionConflict);
  }
  Patient updated = stored;
  RETURN_IF_ERROR(ApplyPatientUpdate(patch, mask, updated));
  // Checked before validation, so that a caller who sent back the
  // pseudonymised record hears why rather than "id_number required".
  ASSIGN_OR_RETURN(bool pseudonymised, MustPseudonymise(txn, caller, stored));
  if (pseudonymised && !SameIdentity(stored, updated)) {
    return PermissionDenied(
        "the identifying fields of this patient are withheld from you and "
        "cannot be changed by you");
  }
  RETURN_IF_ERROR(ValidatePatient(updated, DayOf(now, zone_)));
  ASSIGN_OR_RETURN(Area area, CheckPlacement(txn, updated));
  RETURN_IF_ERROR(CheckWriteScope(caller, updated, area));
  RETURN_IF_ERROR(CheckUnique(txn, updated));
  StampUpdate(updated, caller, now);
  RETURN_IF_ERROR(txn.PutPatient(updated));
  return updated;
}

absl::StatusOr<rehab::v1::ListPatientsResponse> PatientManager::ListPatients(
    const Caller& caller, const rehab::v1::ListPatientsRequest& request) {
  RETURN_IF_ERROR(RequirePatientReader(caller, "list patients"));
  ASSIGN_OR_RETURN(int32_t page_size, EffectivePageSize(request.page_size()));
  RETURN_IF_ERROR(CheckListFilters(request));
  PatientQuery query;
  ASSIGN_OR_RETURN(query.after_id,
                   DecodePageToken(kListPatients, request.page_token()));
  query.scope = AccessPolicy::PatientScopeFor(caller);
  query.category = request.disability_category();
  query.grade = request.disability_grade();
  query.program = request.program();
  query.name_prefix = request.name_prefix();
  query.facility_id = CanonicalizeUuid(request.facility_id());
  query.limit = page_size + 1;
  const std::string area_id = CanonicalizeUuid(request.area_id());

  rehab::v1::ListPatientsResponse response;
  RETURN_IF_ERROR(store_->Read([&](ReadTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(query.area_code_prefix, AreaCodeFilter(txn, area_id));
    // A name search answered with a withheld row would tie the name to a
    // psychiatric record, so such rows are skipped; and so that neither a
    // short page nor the token tells of them, the page is filled from
    // further store reads and the token keys on the last row returned.
    std::vector<Patient> kept;
    while (static_cast<int32_t>(kept.size()) <= page_size) {
      ASSIGN_OR_RETURN(std::vector<Patient> rows, txn.ListPatients(query));
      if (rows.empty()) break;
      const std::string last_read = rows.back().id();
      for (Patient& patient : rows) {
        if (static_cast<int32_t>(kept.size()) > page_size) break;
        ASSIGN_OR_RETURN(bool pseudonymise,
                         MustPseudonymise(txn, caller, patient));
        if (pseudonymise && !query.name_prefix.empty()) continue;
        if (pseudonymise) AccessPolicy::Pseudonymise(patient);
        kept.push_back(std::move(patient));
      }
      if (static_cast<int32_t>(rows.size()) < query.limit) break;
      query.after_id = last_read;
    }
    response.set_next_page_token(
        TrimPage(kept, page_size, kListPatients,
                 [](const Patient& p) { return p.id(); }));
    for (Patient& patient : kept) {
      *response.add_patients() = std::move(patient);
    }
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<Patient> PatientManager::LookupPatient(
    const Caller& caller, const rehab::v1::LookupPatientRequest& request,
    std::string* audit_patient_id) {
  RETURN_IF_ERROR(AccessPolicy::RequireRole(
      caller,
      {rehab::v1::ROLE_ADMIN, rehab::v1::ROLE_SUPERVISOR,
       rehab::v1::ROLE_FAMILY_DOCTOR, rehab::v1::ROLE_FACILITY_STAFF,
       rehab::v1::ROLE_PATIENT, rehab::v1::ROLE_KIOSK},
      "look up patients"));
  const bool kiosk = caller.role == rehab::v1::ROLE_KIOSK;
  const absl::CivilDay today = DayOf(clock_->Now(), zone_);
  std::string id_number;
  std::string card_number;
  switch (request.key_case()) {
    case rehab::v1::LookupPatientRequest::kIdNumber: {
      if (kiosk) {
        return PermissionDenied(
            "a kiosk looks patients up by disability card number only");
      }
      ASSIGN_OR_RETURN(IdNumber parsed,
                       ParseIdNumber(request.id_number(), today, "id_number"));
      id_number = parsed.normalized;
      break;
    }
    case rehab::v1::LookupPatientRequest::kDisabilityCardNumber: {
      ASSIGN_OR_RETURN(CardNumber parsed,
                       ParseCardNumber(request.disability_card_number(), today,
                                       "disability_card_number"));
      card_number =
          absl::StrCat(parsed.id.normalized, static_cast<int>(parsed.category),
                       parsed.grade);
      break;
    }
    default:
      return InvalidArgumentError(
          "key", "id_number or disability_card_number required");
  }

  Patient result;
  RETURN_IF_ERROR(store_->Read([&](ReadTxn& txn) -> absl::Status {
    std::optional<Patient> found;
    if (!id_number.empty()) {
      ASSIGN_OR_RETURN(found, txn.GetPatientByIdNumber(id_number));
    } else {
      ASSIGN_OR_RETURN(found, txn.GetPatientByCardNumber(card_number));
    }
    if (!found.has_value()) return PatientNotFound();
    if (audit_patient_id != nullptr) *audit_patient_id = found->id();
    if (kiosk && found->facility_id() != caller.scope_id) {
      return PatientNotFound();
    }
    ASSIGN_OR_RETURN(bool visible,
                     AccessPolicy::MaySeePatient(txn, caller, found->id()));
    if (!visible) return PatientNotFound();
    // The key names the person; a pseudonymised answer would still tell
    // that this person is a psychiatric patient.
    ASSIGN_OR_RETURN(bool pseudonymise, MustPseudonymise(txn, caller, *found));
    if (pseudonymise) return PatientNotFound();
    result = kiosk ? KioskView(*found) : *std::move(found);
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<Enrollment> PatientManager::CreateEnrollment(
    const Caller& caller, const rehab::v1::CreateEnrollmentRequest& request,
    std::string* audit_patient_id) {
  if (audit_patient_id != nullptr) {
    *audit_patient_id = CanonicalizeUuid(request.enrollment().patient_id());
  }
  ASSIGN_OR_RETURN(
      Enrollment enrollment,
      PrepareCreateEnrollment(caller, request.enrollment(), clock_->Now()));

  Enrollment result;
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(EnrollmentWrite written,
                     CreateEnrollmentInTxn(txn, caller, enrollment));
    result = std::move(written.enrollment);
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<Enrollment> PatientManager::PrepareCreateEnrollment(
    const Caller& caller, const Enrollment& enrollment, absl::Time now) const {
  RETURN_IF_ERROR(AccessPolicy::RequireRegistryWriter(caller));
  Enrollment prepared = enrollment;
  ClearServerFields(prepared);
  prepared.set_patient_id(CanonicalizeUuid(prepared.patient_id()));
  RETURN_IF_ERROR(ValidateEnrollment(prepared));
  RETURN_IF_ERROR(StampCreate(prepared, caller, now, "enrollment"));
  return prepared;
}

absl::StatusOr<EnrollmentWrite> PatientManager::CreateEnrollmentInTxn(
    WriteTxn& txn, const Caller& caller, const Enrollment& prepared) const {
  RETURN_IF_ERROR(
      AccessPolicy::LoadVisiblePatient(txn, caller, prepared.patient_id())
          .status());
  ASSIGN_OR_RETURN(std::optional<Enrollment> stored,
                   txn.GetEnrollment(prepared.id()));
  EnrollmentWrite out;
  if (stored.has_value()) {
    RETURN_IF_ERROR(CheckRepeatedCreate(prepared, *stored, "enrollment"));
    out.enrollment = *std::move(stored);
    return out;
  }
  ASSIGN_OR_RETURN(
      std::optional<Enrollment> open,
      txn.GetOpenEnrollment(prepared.patient_id(), prepared.program()));
  if (open.has_value()) {
    return AlreadyExists(
        absl::StrCat("the patient already has an open ",
                     rehab::v1::Program_Name(prepared.program()),
                     " enrollment"),
        kReasonEnrollmentAlreadyOpen);
  }
  out.enrollment = prepared;
  RETURN_IF_ERROR(txn.PutEnrollment(out.enrollment));
  if (prepared.program() == rehab::v1::PROGRAM_PSYCHIATRIC_MANAGEMENT) {
    RETURN_IF_ERROR(txn.TouchFeed(kPatientsCollection, prepared.patient_id()));
  }
  out.created = true;
  return out;
}

absl::StatusOr<Enrollment> PatientManager::EndEnrollment(
    const Caller& caller, const rehab::v1::EndEnrollmentRequest& request,
    std::string* audit_patient_id) {
  RETURN_IF_ERROR(AccessPolicy::RequireRegistryWriter(caller));
  const std::string id = CanonicalizeUuid(request.id());
  const absl::Time now = clock_->Now();
  FieldViolations violations;
  if (id.empty()) {
    violations.Add("id", "required");
  } else if (!IsCanonicalUuid(id)) {
    violations.Add("id", "not a UUID");
  }
  if (request.status() != rehab::v1::ENROLLMENT_STATUS_DECEASED &&
      request.status() != rehab::v1::ENROLLMENT_STATUS_ENDED) {
    violations.Add("status", "must be DECEASED or ENDED");
  }
  const std::optional<absl::CivilDay> end_date = ParseDate(request.end_date());
  if (!end_date.has_value()) {
    violations.Add("end_date", "required, a real date YYYY-MM-DD");
  } else if (*end_date > DayOf(now, zone_)) {
    violations.Add("end_date", "must not be in the future");
  }
  if (request.reason().size() > kMaxTextLength) {
    violations.Add("reason",
                   absl::StrCat("at most ", kMaxTextLength, " bytes"));
  }
  RETURN_IF_ERROR(violations.ToStatus());

  Enrollment result;
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<Enrollment> enrollment,
                     txn.GetEnrollment(id));
    if (!enrollment.has_value()) return EnrollmentNotFound();
    if (audit_patient_id != nullptr) {
      *audit_patient_id = enrollment->patient_id();
    }
    ASSIGN_OR_RETURN(bool visible, AccessPolicy::MaySeePatient(
                                       txn, caller, enrollment->patient_id()));
    if (!visible) return EnrollmentNotFound();
    if (enrollment->program() == rehab::v1::PROGRAM_PSYCHIATRIC_MANAGEMENT &&
        MayNotSeePsychiatricIdentities(caller)) {
      return PermissionDenied(
          "ending a psychiatric management enrollment needs the psychiatric "
          "identity permission");
    }
    if (!IsOpenEnrollmentStatus(enrollment->status())) {
      // A retry of the end that succeeded.
      if (enrollment->status() == request.status() &&
          enrollment->end_date() == FormatDate(*end_date)) {
        result = *std::move(enrollment);
        return absl::OkStatus();
      }
      return absl::FailedPreconditionError("the enrollment has already ended");
    }
    const std::optional<absl::CivilDay> start =
        ParseDate(enrollment->start_date());
    if (start.has_value() && *end_date < *start) {
      return InvalidArgumentError(
          "end_date", absl::StrCat("before the enrollment's start date ",
                                   enrollment->start_date()));
    }
    enrollment->set_status(request.status());
    enrollment->set_end_date(FormatDate(*end_date));
    enrollment->set_end_reason(request.reason());
    StampUpdate(*enrollment, caller, now);
    RETURN_IF_ERROR(txn.PutEnrollment(*enrollment));
    result = *std::move(enrollment);
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<rehab::v1::ListEnrollmentsResponse>
PatientManager::ListEnrollments(
    const Caller& caller, const rehab::v1::ListEnrollmentsRequest& request,
    std::string* audit_patient_id) {
  RETURN_IF_ERROR(RequirePatientReader(caller, "list enrollments"));
  ASSIGN_OR_RETURN(int32_t page_size, EffectivePageSize(request.page_size()));
  if (!rehab::v1::Program_IsValid(request.program())) {
    return InvalidArgumentError("program", "unknown program");
  }
  EnrollmentQuery query;
  ASSIGN_OR_RETURN(query.after_id,
                   DecodePageToken(kListEnrollments, request.page_token()));
  query.scope = AccessPolicy::PatientScopeFor(caller);
  query.patient_id = CanonicalizeUuid(request.patient_id());
  query.program = request.program();
  query.open_only = request.open_only();
  query.limit = page_size + 1;
  if (audit_patient_id != nullptr) *audit_patient_id = query.patient_id;

  std::vector<Enrollment> rows;
  RETURN_IF_ERROR(store_->Read([&](ReadTxn& txn) -> absl::Status {
    if (!query.patient_id.empty()) {
      ASSIGN_OR_RETURN(std::optional<PatientScope> one,
                       ScopeOfOnePatient(txn, caller, query.patient_id));
      if (!one.has_value()) return absl::OkStatus();
      query.scope = *std::move(one);
    }
    ASSIGN_OR_RETURN(rows, txn.ListEnrollments(query));
    return absl::OkStatus();
  }));
  rehab::v1::ListEnrollmentsResponse response;
  response.set_next_page_token(
      TrimPage(rows, page_size, kListEnrollments,
               [](const Enrollment& e) { return e.id(); }));
  for (Enrollment& enrollment : rows) {
    *response.add_enrollments() = std::move(enrollment);
  }
  return response;
}

absl::StatusOr<std::optional<Patient>> PatientManager::ReadPatientAs(
    ReadTxn& txn, const Caller& caller, const std::string& id) const {
  ASSIGN_OR_RETURN(std::optional<Patient> patient, txn.GetPatient(id));
  if (!patient.has_value()) return std::nullopt;
  if (caller.role == rehab::v1::ROLE_KIOSK) return KioskView(*patient);
  RETURN_IF_ERROR(PrepareForCaller(txn, caller, *patient));
  return patient;
}

bool PatientManager::ReadsEnrollments(const Caller& caller) {
  return RequirePatientReader(caller, "read enrollments").ok();
}

absl::StatusOr<std::optional<Enrollment>> PatientManager::ReadEnrollmentAs(
    ReadTxn& txn, const Caller& caller, const std::string& id) const {
  if (!ReadsEnrollments(caller)) return std::nullopt;
  return txn.GetEnrollment(id);
}

}  // namespace rehab
