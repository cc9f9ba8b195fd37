#include "server/domain/contract_manager.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/common/dates.h"
#include "server/common/errors.h"
#include "server/common/ids.h"
#include "server/common/status_macros.h"
#include "server/domain/access_policy.h"
#include "server/domain/alert_manager.h"
#include "server/domain/contract_validation.h"
#include "server/domain/list_filters.h"
#include "server/domain/page_token.h"
#include "server/domain/patient_manager.h"
#include "server/domain/resource.h"
#include "server/domain/validation.h"

namespace rehab {
namespace {

using rehab::v1::Contract;
using rehab::v1::Enrollment;
using rehab::v1::FollowUp;
using rehab::v1::Patient;
using rehab::v1::Visit;

// Page-token names: a token of one list is refused by another.
constexpr char kListContracts[] = "ListContracts";
constexpr char kListVisits[] = "ListVisits";
constexpr char kListDueFollowUps[] = "ListDueFollowUps";

constexpr int32_t kDefaultDueWithinDays = 14;
constexpr int32_t kMaxDueWithinDays = 366;
constexpr int32_t kMaxExpiringWithinDays = 366;
// Rows one maintenance transaction handles: large enough to be quick,
// small enough not to hold the writer for long.
constexpr int32_t kMaintenanceBatch = 200;

// One message for "absent" and "not yours".
absl::Status ContractNotFound() {
  return absl::NotFoundError("contract not found");
}
absl::Status VisitNotFound() { return absl::NotFoundError("visit not found"); }

absl::Status PermissionDenied(const std::string& message) {
  return ErrorWithReason(absl::StatusCode::kPermissionDenied, message,
                         kReasonPermissionDenied);
}

absl::Status NotActive(const std::string& message) {
  return ErrorWithReason(absl::StatusCode::kFailedPrecondition, message,
                         kReasonContractNotActive);
}

// Contracts and visits (the psychiatric follow-up form among them) are
// read by those who serve or supervise the patient: doctors, supervisors,
// administrators.
absl::Status RequireReader(const Caller& caller, std::string_view action) {
  return AccessPolicy::RequireRole(
      caller,
      {rehab::v1::ROLE_ADMIN, rehab::v1::ROLE_SUPERVISOR,
       rehab::v1::ROLE_FAMILY_DOCTOR},
      action);
}

// A supervisor who may not see psychiatric identities sees no visit's free
// text or location either: a home visit's GPS is the home address, and
// notes name people.
void RedactVisitFor(const Caller& caller, Visit& visit) {
  if (caller.role != rehab::v1::ROLE_SUPERVISOR ||
      caller.psychiatric_identity) {
    return;
  }
  visit.clear_location();
  visit.clear_notes();
  visit.clear_void_reason();
  visit.clear_adverse_reaction_detail();
  visit.mutable_referral()->clear_reason();
  visit.mutable_referral()->clear_to_facility();
  if (!visit.referral().referred()) visit.clear_referral();
}

absl::Status RequireContractWriter(const Caller& caller,
                                   std::string_view action) {
  return AccessPolicy::RequireRole(
      caller,
      {rehab::v1::ROLE_ADMIN, rehab::v1::ROLE_SUPERVISOR,
       rehab::v1::ROLE_FAMILY_DOCTOR},
      action);
}

bool IsDoctor(const Caller& caller) {
  return caller.role == rehab::v1::ROLE_FAMILY_DOCTOR;
}

// True when the doctor `caller` serves `contract`: its doctor, or a member
// of its team.
bool ServesContract(const Caller& caller, const Contract& contract) {
  if (contract.doctor_id() == caller.scope_id) return true;
  return !contract.team().empty() && contract.team() == caller.scope_team;
}

// The server-set fields of a contract, which a client's copy never sets.
void ClearContractServerFields(Contract& contract) {
  ClearServerFields(contract);
  contract.clear_status();
  contract.clear_renews_id();
  contract.clear_renewed_by_id();
  contract.clear_end_reason();
  contract.clear_ended_date();
  contract.clear_fulfilment();
}

void ClearVisitServerFields(Visit& visit) {
  ClearServerFields(visit);
  visit.clear_superseded_by_id();
  visit.clear_next_due_date();
}

// The contract if it exists and `caller` may see it: its patient is
// visible to them, or (a doctor) they or their team hold it, also once it
// has ended (to renew it, or to deliver visits made in its term); NOT_FOUND
// otherwise.
absl::StatusOr<Contract> LoadVisibleContract(ReadTxn& txn, const Caller& caller,
                                             const std::string& id) {
  ASSIGN_OR_RETURN(std::optional<Contract> contract, txn.GetContract(id));
  if (!contract.has_value()) return ContractNotFound();
  if (IsDoctor(caller) && ServesContract(caller, *contract)) return *contract;
  ASSIGN_OR_RETURN(bool visible, AccessPolicy::MaySeePatient(
                                     txn, caller, contract->patient_id()));
  if (!visible) return ContractNotFound();
  return *std::move(contract);
}

absl::StatusOr<bool> InPsychiatricManagement(ReadTxn& txn,
                                             const std::string& patient_id) {
  ASSIGN_OR_RETURN(std::optional<Enrollment> open,
                   txn.GetOpenEnrollment(
                       patient_id, rehab::v1::PROGRAM_PSYCHIATRIC_MANAGEMENT));
  return open.has_value();
}

// The latest visit of the patient that counts (neither superseded nor a
// void), or nullopt.
absl::StatusOr<std::optional<Visit>> LatestVisit(
    ReadTxn& txn, const std::string& patient_id) {
  VisitQuery query;
  query.scope.kind = PatientScope::Kind::kAll;
  query.patient_id = patient_id;
  query.limit = 1;
  ASSIGN_OR_RETURN(std::vector<Visit> visits, txn.ListVisits(query));
  if (visits.empty()) return std::optional<Visit>();
  return std::optional<Visit>(std::move(visits.front()));
}

// The last day a contract serves: its ended_date once it stopped being
// active early, else its end date.
absl::CivilDay LastDayOf(const Contract& contract) {
  const std::optional<absl::CivilDay> end = ParseDate(contract.end_date());
  const std::optional<absl::CivilDay> ended = ParseDate(contract.ended_date());
  if (ended.has_value() && (!end.has_value() || *ended < *end)) return *ended;
  return end.value_or(absl::CivilDay());
}

// Whether `follow_up` says the same as `stored` (nothing for devices to
// learn: no write, no feed churn).
bool SameSchedule(const FollowUp& a, const FollowUp& b) {
  return a.contract_id() == b.contract_id() && a.doctor_id() == b.doctor_id() &&
         a.team() == b.team() && a.due_date() == b.due_date() &&
         a.reason() == b.reason() && a.interval_days() == b.interval_days() &&
         a.last_visit_date() == b.last_visit_date() &&
         a.last_visit_class() == b.last_visit_class() &&
         a.has_last_risk_level() == b.has_last_risk_level() &&
         a.last_risk_level() == b.last_risk_level() &&
         a.psychiatric() == b.psychiatric();
}

absl::Status CheckDate(const std::string& text, std::string_view field) {
  if (!text.empty() && !ParseDate(text).has_value()) {
    return InvalidArgumentError(field, "not a date (YYYY-MM-DD)");
  }
  return absl::OkStatus();
}

}  // namespace

ContractManager::ContractManager(Store* store, const Clock* clock,
                                 absl::TimeZone county_zone,
                                 ContractManagerOptions options)
    : store_(store),
      clock_(clock),
      zone_(county_zone),
      options_(std::move(options)) {}

// --- Contracts -------------------------------------------------------------

absl::StatusOr<Contract> ContractManager::CreateContract(
    const Caller& caller, const rehab::v1::CreateContractRequest& request,
    std::string* audit_patient_id) {
  if (audit_patient_id != nullptr) {
    *audit_patient_id = CanonicalizeUuid(request.contract().patient_id());
  }
  const absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(Contract prepared,
                   PrepareCreateContract(caller, request.contract(), now));
  Contract result;
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(ContractWrite written,
                     CreateContractInTxn(txn, caller, prepared, now));
    result = std::move(written.contract);
    return absl::OkStatus();
  }));
  return FinishContractRead(result, now);
}

absl::StatusOr<Contract> ContractManager::PrepareCreateContract(
    const Caller& caller, const Contract& contract, absl::Time now) const {
  RETURN_IF_ERROR(RequireContractWriter(caller, "sign contracts"));
  Contract prepared = contract;
  ClearContractServerFields(prepared);
  prepared.set_patient_id(CanonicalizeUuid(prepared.patient_id()));
  if (prepared.doctor_id().empty() && IsDoctor(caller)) {
    prepared.set_doctor_id(caller.scope_id);
  }
  prepared.set_doctor_id(CanonicalizeUuid(prepared.doctor_id()));
  const absl::CivilDay today = DayOf(now, zone_);
  RETURN_IF_ERROR(ValidateContract(prepared, today));
  if (ParseDate(prepared.end_date()).value() < today) {
    return InvalidArgumentError("contract.end_date",
                                "the term is over already");
  }
  prepared.set_status(rehab::v1::CONTRACT_STATUS_ACTIVE);
  RETURN_IF_ERROR(StampCreate(prepared, caller, now, "contract"));
  return prepared;
}

absl::StatusOr<ContractWrite> ContractManager::CreateContractInTxn(
    WriteTxn& txn, const Caller& caller, const Contract& prepared,
    absl::Time now) const {
  ASSIGN_OR_RETURN(std::optional<rehab::v1::Practitioner> doctor,
                   txn.GetPractitioner(prepared.doctor_id()));
  if (!doctor.has_value() ||
      doctor->kind() != rehab::v1::PRACTITIONER_KIND_FAMILY_DOCTOR) {
    return InvalidArgumentError("contract.doctor_id",
                                "names no stored family doctor");
  }
  if (!prepared.team().empty() && prepared.team() != doctor->team()) {
    return InvalidArgumentError("contract.team", "is not the doctor's team");
  }
  ASSIGN_OR_RETURN(Patient patient,
                   LoadSignablePatient(txn, caller, prepared, *doctor));

  ContractWrite out;
  ASSIGN_OR_RETURN(std::optional<Contract> stored,
                   txn.GetContract(prepared.id()));
  if (stored.has_value()) {
    // Whether the id is taken tells nothing about a patient out of scope.
    RETURN_IF_ERROR(LoadVisibleContract(txn, caller, prepared.id()).status());
    // Only what the client wrote is compared: the lifecycle may have
    // moved the stored contract on since.
    Contract sent = prepared;
    Contract kept = *stored;
    ClearContractServerFields(sent);
    ClearContractServerFields(kept);
    RETURN_IF_ERROR(CheckRepeatedCreate(sent, kept, "contract"));
    out.contract = *std::move(stored);
    return out;
  }
  RETURN_IF_ERROR(ExpireIfOver(txn, patient.id(), now).status());
  out.contract = prepared;
  RETURN_IF_ERROR(txn.PutContract(out.contract));
  RETURN_IF_ERROR(RefreshFollowUp(txn, patient.id(), now));
  out.created = true;
  return out;
}

absl::StatusOr<Patient> ContractManager::LoadSignablePatient(
    WriteTxn& txn, const Caller& caller, const Contract& contract,
    const rehab::v1::Practitioner& doctor) const {
  if (!IsDoctor(caller)) {
    return AccessPolicy::LoadVisiblePatient(txn, caller, contract.patient_id());
  }
  // No contract makes the patient the doctor's yet: a doctor signs, for
  // themselves or their team, with patients living in the area their
  // health center serves.
  if (!ServesContract(caller, contract)) {
    return PermissionDenied(
        "a family doctor signs contracts for themselves or their team only");
  }
  ASSIGN_OR_RETURN(std::optional<Patient> patient,
                   txn.GetPatient(contract.patient_id()));
  if (!patient.has_value()) return absl::NotFoundError("patient not found");
  ASSIGN_OR_RETURN(std::optional<rehab::v1::Facility> facility,
                   txn.GetFacility(doctor.facility_id()));
  ASSIGN_OR_RETURN(std::optional<rehab::v1::Area> served,
                   facility.has_value() ? txn.GetArea(facility->area_id())
                                        : std::optional<rehab::v1::Area>());
  ASSIGN_OR_RETURN(std::optional<rehab::v1::Area> home,
                   txn.GetArea(patient->area_id()));
  const bool local = served.has_value() && home.has_value() &&
                     home->code().rfind(served->code(), 0) == 0;
  if (!local) {
    ASSIGN_OR_RETURN(bool visible, AccessPolicy::MaySeePatient(
                                       txn, caller, contract.patient_id()));
    if (!visible) return absl::NotFoundError("patient not found");
  }
  return *std::move(patient);
}

absl::StatusOr<bool> ContractManager::ExpireIfOver(
    WriteTxn& txn, const std::string& patient_id, absl::Time now) const {
  ASSIGN_OR_RETURN(std::optional<Contract> active,
                   txn.GetActiveContract(patient_id));
  if (!active.has_value()) return false;
  const std::optional<absl::CivilDay> end = ParseDate(active->end_date());
  if (!end.has_value() || *end >= DayOf(now, zone_)) return false;
  active->set_status(rehab::v1::CONTRACT_STATUS_EXPIRED);
  active->set_ended_date(active->end_date());
  active->clear_fulfilment();
  StampUpdate(*active, Caller::System(), now);
  RETURN_IF_ERROR(txn.PutContract(*active));
  return true;
}

absl::StatusOr<Contract> ContractManager::GetContract(
    const Caller& caller, const rehab::v1::GetContractRequest& request,
    std::string* audit_patient_id) {
  RETURN_IF_ERROR(RequireReader(caller, "read contracts"));
  const std::string id = CanonicalizeUuid(request.id());
  if (id.empty()) return InvalidArgumentError("id", "required");
  const absl::Time now = clock_->Now();
  Contract result;
  RETURN_IF_ERROR(store_->Read([&](ReadTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(result, LoadVisibleContract(txn, caller, id));
    result = WithFulfilment(std::move(result), now);
    return absl::OkStatus();
  }));
  if (audit_patient_id != nullptr) *audit_patient_id = result.patient_id();
  return result;
}

absl::StatusOr<rehab::v1::ListContractsResponse> ContractManager::ListContracts(
    const Caller& caller, const rehab::v1::ListContractsRequest& request,
    std::string* audit_patient_id) {
  RETURN_IF_ERROR(RequireReader(caller, "list contracts"));
  ASSIGN_OR_RETURN(int32_t page_size, EffectivePageSize(request.page_size()));
  if (!rehab::v1::ContractStatus_IsValid(request.status())) {
    return InvalidArgumentError("status", "unknown contract status");
  }
  if (request.expiring_within_days() < 0 ||
      request.expiring_within_days() > kMaxExpiringWithinDays) {
    return InvalidArgumentError(
        "expiring_within_days",
        absl::StrCat("must be 0..", kMaxExpiringWithinDays));
  }
  if (request.unserved_below() < 0 || request.unserved_below() > 1) {
    return InvalidArgumentError("unserved_below", "must be 0..1");
  }
  const absl::Time now = clock_->Now();
  const absl::CivilDay today = DayOf(now, zone_);
  ContractQuery query;
  ASSIGN_OR_RETURN(query.after_id,
                   DecodePageToken(kListContracts, request.page_token()));
  query.scope = AccessPolicy::PatientScopeFor(caller);
  query.patient_id = CanonicalizeUuid(request.patient_id());
  if (audit_patient_id != nullptr) *audit_patient_id = query.patient_id;
  query.doctor_id = CanonicalizeUuid(request.doctor_id());
  query.status = request.status();
  if (request.expiring_within_days() > 0) {
    query.status = rehab::v1::CONTRACT_STATUS_ACTIVE;
    query.end_date_until = FormatDate(today + request.expiring_within_days());
  }
  if (request.unserved_only()) {
    query.status = rehab::v1::CONTRACT_STATUS_ACTIVE;
  }
  const double below = request.unserved_below() > 0 ? request.unserved_below()
                                                    : options_.unserved_below;
  // Unserved contracts are told by their fulfilment, which the store does
  // not compute: read on until a page is full of them.
  query.limit =
      request.unserved_only() ? std::max(page_size + 1, 200) : page_size + 1;

  std::vector<Contract> rows;
  RETURN_IF_ERROR(store_->Read([&](ReadTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(query.area_code_prefix,
                     AreaCodeFilter(txn, request.area_id()));
    for (;;) {
      ASSIGN_OR_RETURN(std::vector<Contract> batch, txn.ListContracts(query));
      const bool more = static_cast<int32_t>(batch.size()) == query.limit;
      for (Contract& contract : batch) {
        query.after_id = contract.id();
        contract = WithFulfilment(std::move(contract), now);
        if (request.unserved_only() && !IsUnserved(contract, below)) {
          continue;
        }
        rows.push_back(std::move(contract));
        if (static_cast<int32_t>(rows.size()) > page_size) break;
      }
      if (!more || static_cast<int32_t>(rows.size()) > page_size) break;
    }
    return absl::OkStatus();
  }));
  rehab::v1::ListContractsResponse response;
  response.set_next_page_token(
      TrimPage(rows, page_size, kListContracts,
               [](const Contract& c) { return c.id(); }));
  for (Contract& contract : rows) {
    *response.add_contracts() = std::move(contract);
  }
  return response;
}

bool ContractManager::IsUnserved(const Contract& contract, double below) {
  const rehab::v1::Fulfilment& f = contract.fulfilment();
  if (f.visits_delivered() == 0) return true;
  return f.visits_required() > 0 && f.rate() < below;
}

absl::StatusOr<Contract> ContractManager::RenewContract(
    const Caller& caller, const rehab::v1::RenewContractRequest& request,
    std::string* audit_patient_id) {
  RETURN_IF_ERROR(RequireContractWriter(caller, "renew contracts"));
  const std::string id = CanonicalizeUuid(request.id());
  if (id.empty()) return InvalidArgumentError("id", "required");
  if (request.version() <= 0)
    return InvalidArgumentError("version", "required");
  RETURN_IF_ERROR(CheckDate(request.signed_date(), "signed_date"));
  const std::string new_id = CanonicalizeUuid(request.new_id());
  if (!new_id.empty() && !IsCanonicalUuid(new_id)) {
    return InvalidArgumentError("new_id", "not a UUID");
  }
  const absl::Time now = clock_->Now();
  const absl::CivilDay today = DayOf(now, zone_);
  if (!request.signed_date().empty() &&
      *ParseDate(request.signed_date()) > today) {
    return InvalidArgumentError("signed_date", "may not be in the future");
  }
  Contract result;
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(Contract old, LoadVisibleContract(txn, caller, id));
    if (audit_patient_id != nullptr) *audit_patient_id = old.patient_id();
    if (IsDoctor(caller) && !ServesContract(caller, old)) {
      return PermissionDenied("the contract is another doctor's");
    }
    if (!new_id.empty()) {
      ASSIGN_OR_RETURN(std::optional<Contract> repeat, txn.GetContract(new_id));
      if (repeat.has_value()) {
        if (repeat->renews_id() != old.id()) {
          return ErrorWithReason(absl::StatusCode::kAlreadyExists,
                                 "new_id names another contract",
                                 kReasonAlreadyExists);
        }
        result = *std::move(repeat);
        return absl::OkStatus();
      }
    }
    if (old.version() != request.version()) {
      return ErrorWithReason(absl::StatusCode::kAborted,
                             "the contract changed since it was read",
                             kReasonVersionConflict);
    }
    ASSIGN_OR_RETURN(bool expired_now,
                     ExpireIfOver(txn, old.patient_id(), now));
    if (expired_now) {
      ASSIGN_OR_RETURN(old, LoadVisibleContract(txn, caller, id));
    }
    const bool renewable =
        old.status() == rehab::v1::CONTRACT_STATUS_ACTIVE ||
        (old.status() == rehab::v1::CONTRACT_STATUS_EXPIRED &&
         old.renewed_by_id().empty());
    if (!renewable) {
      return NotActive(
          absl::StrCat("a ", rehab::v1::ContractStatus_Name(old.status()),
                       " contract cannot be renewed"));
    }
    RETURN_IF_ERROR(ValidateRenewal(old, request.end_date(), request.items()));

    Contract renewal;
    renewal.set_id(new_id);
    renewal.set_patient_id(old.patient_id());
    renewal.set_doctor_id(old.doctor_id());
    renewal.set_team(old.team());
    if (request.items().empty()) {
      *renewal.mutable_items() = old.items();
    } else {
      *renewal.mutable_items() = request.items();
    }
    // A lapsed contract is renewed from today: the gap stays uncovered.
    renewal.set_start_date(
        FormatDate(std::max(ParseDate(old.end_date()).value() + 1, today)));
    renewal.set_end_date(request.end_date());
    renewal.set_signed_date(request.signed_date().empty()
                                ? FormatDate(today)
                                : request.signed_date());
    // Signed ahead of the new term, never after its start.
    if (ParseDate(renewal.signed_date()).value() >
        ParseDate(renewal.start_date()).value()) {
      renewal.set_signed_date(renewal.start_date());
    }
    // The renewal's own checks named the request's fields; what is left
    // to find here was derived from the old contract.
    RETURN_IF_ERROR(ValidateContract(renewal, today));
    if (ParseDate(renewal.end_date()).value() < today) {
      return InvalidArgumentError("end_date", "the new term is over already");
    }
    renewal.set_status(rehab::v1::CONTRACT_STATUS_ACTIVE);
    renewal.set_renews_id(old.id());
    RETURN_IF_ERROR(StampCreate(renewal, caller, now, "new"));

    old.set_status(rehab::v1::CONTRACT_STATUS_RENEWED);
    old.set_renewed_by_id(renewal.id());
    old.set_ended_date(old.end_date());
    old.clear_fulfilment();
    StampUpdate(old, caller, now);
    RETURN_IF_ERROR(txn.PutContract(old));
    RETURN_IF_ERROR(txn.PutContract(renewal));
    RETURN_IF_ERROR(RefreshFollowUp(txn, old.patient_id(), now));
    result = std::move(renewal);
    return absl::OkStatus();
  }));
  return FinishContractRead(result, now);
}

absl::StatusOr<Contract> ContractManager::TerminateContract(
    const Caller& caller, const rehab::v1::TerminateContractRequest& request,
    std::string* audit_patient_id) {
  RETURN_IF_ERROR(RequireContractWriter(caller, "terminate contracts"));
  const std::string id = CanonicalizeUuid(request.id());
  FieldViolations violations;
  if (id.empty()) violations.Add("id", "required");
  if (request.version() <= 0) violations.Add("version", "required");
  if (request.reason().empty()) {
    violations.Add("reason", "required");
  } else if (request.reason().size() > kMaxTextLength) {
    violations.Add("reason", "too long");
  }
  if (!request.end_date().empty() &&
      !ParseDate(request.end_date()).has_value()) {
    violations.Add("end_date", "not a date (YYYY-MM-DD)");
  }
  RETURN_IF_ERROR(violations.ToStatus());
  const absl::Time now = clock_->Now();
  const absl::CivilDay today = DayOf(now, zone_);
  const absl::CivilDay end_day = request.end_date().empty()
                                     ? today
                                     : ParseDate(request.end_date()).value();
  if (end_day > today) {
    return InvalidArgumentError("end_date", "may not be in the future");
  }
  Contract result;
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(Contract contract, LoadVisibleContract(txn, caller, id));
    if (audit_patient_id != nullptr) *audit_patient_id = contract.patient_id();
    if (IsDoctor(caller) && !ServesContract(caller, contract)) {
      return PermissionDenied("the contract is another doctor's");
    }
    if (contract.version() != request.version()) {
      return ErrorWithReason(absl::StatusCode::kAborted,
                             "the contract changed since it was read",
                             kReasonVersionConflict);
    }
    if (contract.status() != rehab::v1::CONTRACT_STATUS_ACTIVE) {
      return NotActive(
          absl::StrCat("a ", rehab::v1::ContractStatus_Name(contract.status()),
                       " contract cannot be terminated"));
    }
    // A term that has not begun (a renewal) may end before it starts.
    const absl::CivilDay start = ParseDate(contract.start_date()).value();
    if (end_day < start && start <= today) {
      return InvalidArgumentError("end_date", "is before the contract's start");
    }
    contract.set_status(rehab::v1::CONTRACT_STATUS_TERMINATED);
    contract.set_end_reason(request.reason());
    contract.set_ended_date(FormatDate(end_day));
    contract.clear_fulfilment();
    StampUpdate(contract, caller, now);
    RETURN_IF_ERROR(txn.PutContract(contract));
    // Terminating a renewal before its term begins cancels it: the term it
    // was to continue runs on to its end.
    if (start > today && !contract.renews_id().empty()) {
      ASSIGN_OR_RETURN(std::optional<Contract> renewed,
                       txn.GetContract(contract.renews_id()));
      if (renewed.has_value() &&
          renewed->status() == rehab::v1::CONTRACT_STATUS_RENEWED &&
          ParseDate(renewed->end_date()).value() >= today) {
        renewed->set_status(rehab::v1::CONTRACT_STATUS_ACTIVE);
        renewed->clear_renewed_by_id();
        renewed->clear_ended_date();
        renewed->clear_fulfilment();
        StampUpdate(*renewed, caller, now);
        RETURN_IF_ERROR(txn.PutContract(*renewed));
      }
    }
    RETURN_IF_ERROR(RefreshFollowUp(txn, contract.patient_id(), now));
    result = std::move(contract);
    return absl::OkStatus();
  }));
  return FinishContractRead(result, now);
}

absl::StatusOr<Contract> ContractManager::FinishContractRead(Contract contract,
                                                             absl::Time now) {
  Contract out;
  RETURN_IF_ERROR(store_->Read([&](ReadTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<Contract> stored,
                     txn.GetContract(contract.id()));
    out = WithFulfilment(stored.value_or(contract), now);
    return absl::OkStatus();
  }));
  return out;
}

Contract ContractManager::WithFulfilment(Contract contract,
                                         absl::Time now) const {
  const absl::CivilDay today = DayOf(now, zone_);
  const absl::CivilDay last = LastDayOf(contract);
  const absl::CivilDay as_of = std::min(today, last);
  const FulfilmentFigures figures = ComputeFulfilment(
      ParseDate(contract.start_date()).value_or(today), last,
      VisitsPerYear(contract), contract.fulfilment().visits_delivered(), as_of);
  rehab::v1::Fulfilment& f = *contract.mutable_fulfilment();
  f.set_visits_required(figures.visits_required);
  f.set_visits_delivered(figures.visits_delivered);
  f.set_rate(figures.rate);
  f.set_as_of_date(FormatDate(as_of));
  if (f.has_last_visit_time()) {
    f.set_last_visit_date(
        FormatDate(DayOf(FromProto(f.last_visit_time()), zone_)));
  }
  return contract;
}

// --- Visits ------------------------------------------------------------------

absl::StatusOr<Visit> ContractManager::CreateVisit(
    const Caller& caller, const rehab::v1::CreateVisitRequest& request,
    std::string* audit_patient_id) {
  const absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(Visit prepared,
                   PrepareCreateVisit(caller, request.visit(), now));
  Visit result;
  absl::Status status = store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(VisitWrite written,
                     CreateVisitInTxn(txn, caller, prepared, now));
    result = std::move(written.visit);
    return absl::OkStatus();
  });
  if (audit_patient_id != nullptr) {
    *audit_patient_id =
        status.ok() ? result.patient_id() : prepared.patient_id();
  }
  RETURN_IF_ERROR(status);
  return result;
}

absl::StatusOr<Visit> ContractManager::PrepareCreateVisit(
    const Caller& caller, const Visit& visit, absl::Time now) const {
  RETURN_IF_ERROR(AccessPolicy::RequireRole(
      caller, {rehab::v1::ROLE_ADMIN, rehab::v1::ROLE_FAMILY_DOCTOR},
      "log visits"));
  Visit prepared = visit;
  ClearVisitServerFields(prepared);
  prepared.set_contract_id(CanonicalizeUuid(prepared.contract_id()));
  prepared.set_patient_id(CanonicalizeUuid(prepared.patient_id()));
  prepared.set_amends_id(CanonicalizeUuid(prepared.amends_id()));
  prepared.set_voids_id(CanonicalizeUuid(prepared.voids_id()));
  if (prepared.doctor_id().empty() && IsDoctor(caller)) {
    prepared.set_doctor_id(caller.scope_id);
  }
  prepared.set_doctor_id(CanonicalizeUuid(prepared.doctor_id()));
  if (IsDoctor(caller) && prepared.doctor_id() != caller.scope_id) {
    return PermissionDenied("a family doctor logs their own visits");
  }
  if (!prepared.voids_id().empty()) {
    RETURN_IF_ERROR(ValidateVisitVoid(prepared));
  } else if (prepared.contract_id().empty() && prepared.patient_id().empty()) {
    return InvalidArgumentError("visit.contract_id",
                                "required (or visit.patient_id)");
  }
  RETURN_IF_ERROR(StampCreate(prepared, caller, now, "visit"));
  return prepared;
}

absl::StatusOr<VisitWrite> ContractManager::CreateVisitInTxn(
    WriteTxn& txn, const Caller& caller, const Visit& prepared,
    absl::Time now) const {
  VisitWrite out;
  ASSIGN_OR_RETURN(std::optional<Visit> stored, txn.GetVisit(prepared.id()));
  if (stored.has_value()) {
    // A repeat compares what the client sent, not what the server filled.
    Visit sent = prepared;
    Visit kept = *stored;
    for (Visit* v : {&sent, &kept}) {
      ClearVisitServerFields(*v);
      v->clear_patient_id();
      v->clear_contract_id();
    }
    // Whether the id is taken tells nothing about a patient out of scope.
    ASSIGN_OR_RETURN(bool visible, AccessPolicy::MaySeePatient(
                                       txn, caller, stored->patient_id()));
    if (!visible &&
        !(IsDoctor(caller) && stored->doctor_id() == caller.scope_id)) {
      return VisitNotFound();
    }
    if (prepared.contract_id().empty() ||
        prepared.contract_id() == stored->contract_id()) {
      RETURN_IF_ERROR(CheckRepeatedCreate(sent, kept, "visit"));
    } else {
      RETURN_IF_ERROR(CheckRepeatedCreate(prepared, *stored, "visit"));
    }
    out.visit = *std::move(stored);
    return out;
  }

  Visit visit = prepared;
  std::optional<Visit> replaced;
  const std::string& replaced_id =
      !visit.voids_id().empty() ? visit.voids_id() : visit.amends_id();
  const std::string replaced_field =
      !visit.voids_id().empty() ? "visit.voids_id" : "visit.amends_id";
  if (!replaced_id.empty()) {
    ASSIGN_OR_RETURN(replaced, txn.GetVisit(replaced_id));
    if (!replaced.has_value()) {
      return InvalidArgumentError(replaced_field,
                                  "names no visit of this contract");
    }
    if (visit.contract_id().empty()) {
      visit.set_contract_id(replaced->contract_id());
    }
    // A correction an administrator enters is the visiting doctor's.
    if (visit.doctor_id().empty()) visit.set_doctor_id(replaced->doctor_id());
  }
  ASSIGN_OR_RETURN(Contract contract, ContractOfVisit(txn, caller, visit));
  if (!visit.patient_id().empty() &&
      visit.patient_id() != contract.patient_id()) {
    return InvalidArgumentError("visit.patient_id",
                                "is not the contract's patient");
  }
  visit.set_patient_id(contract.patient_id());
  if (IsDoctor(caller) && !ServesContract(caller, contract)) {
    return PermissionDenied(
        "visits are logged by the contracted doctor or their team");
  }
  RETURN_IF_ERROR(CheckVisitDoctor(txn, visit, contract));

  if (replaced.has_value()) {
    if (replaced->contract_id() != contract.id()) {
      return InvalidArgumentError(replaced_field,
                                  "names no visit of this contract");
    }
    if (!replaced->voids_id().empty()) {
      return InvalidArgumentError(replaced_field, "names a void");
    }
    if (!replaced->superseded_by_id().empty()) {
      return ErrorWithReason(absl::StatusCode::kFailedPrecondition,
                             absl::StrCat("visit ", replaced->id(),
                                          " was amended or voided already (by ",
                                          replaced->superseded_by_id(), ")"),
                             kReasonInvalidArgument);
    }
  }

  ASSIGN_OR_RETURN(const bool psychiatric,
                   InPsychiatricManagement(txn, contract.patient_id()));
  if (visit.voids_id().empty()) {
    VisitContext context;
    context.contract = &contract;
    context.psychiatric = psychiatric;
    context.now = now;
    context.zone = zone_;
    context.clock_skew_tolerance = options_.clock_skew_tolerance;
    RETURN_IF_ERROR(ValidateVisit(visit, context));
    visit.set_next_due_date(NextDueAfter(visit, contract));
  }

  out.visit = visit;
  RETURN_IF_ERROR(txn.PutVisit(out.visit));
  if (psychiatric && visit.voids_id().empty()) {
    RETURN_IF_ERROR(MarkUnderManagement(txn, contract.patient_id(), now));
  }
  RETURN_IF_ERROR(RefreshFollowUp(txn, contract.patient_id(), now));
  // An alert is about the visit as first written: its amendments do not
  // raise it again, and a void settles it.
  ASSIGN_OR_RETURN(
      const std::string first_id,
      FirstOfCorrections(txn, replaced.has_value() ? *replaced : visit));
  if (!visit.voids_id().empty()) {
    RETURN_IF_ERROR(SettleHighRiskAlert(txn, *replaced, first_id, now));
  } else if (visit.has_risk_level() &&
             visit.risk_level() >= options_.rules.alert_risk_level) {
    AlertFinding finding;
    finding.kind = rehab::v1::ALERT_KIND_HIGH_RISK_VISIT;
    finding.patient_id = contract.patient_id();
    finding.source_collection = kVisitsCollection;
    finding.source_id = first_id;
    finding.finding_date =
        FormatDate(DayOf(FromProto(visit.start_time()), zone_));
    finding.detail = absl::StrCat("risk level ", visit.risk_level());
    finding.doctor_id = contract.doctor_id();
    RETURN_IF_ERROR(AlertManager::RaiseInTxn(txn, finding, now).status());
  }
  out.created = true;
  return out;
}

absl::StatusOr<std::string> ContractManager::FirstOfCorrections(
    ReadTxn& txn, const Visit& visit) const {
  Visit first = visit;
  for (int hops = 0; !first.amends_id().empty() && hops < 100; ++hops) {
    ASSIGN_OR_RETURN(std::optional<Visit> earlier,
                     txn.GetVisit(first.amends_id()));
    if (!earlier.has_value()) break;
    first = *std::move(earlier);
  }
  return first.id();
}

absl::Status ContractManager::SettleHighRiskAlert(WriteTxn& txn,
                                                  const Visit& voided,
                                                  const std::string& first_id,
                                                  absl::Time now) const {
  ASSIGN_OR_RETURN(
      std::optional<rehab::v1::Alert> alert,
      txn.FindAlert(rehab::v1::ALERT_KIND_HIGH_RISK_VISIT, first_id,
                    FormatDate(DayOf(FromProto(voided.start_time()), zone_))));
  if (!alert.has_value() || alert->state() != rehab::v1::ALERT_STATE_OPEN) {
    return absl::OkStatus();
  }
  alert->set_state(rehab::v1::ALERT_STATE_ACKNOWLEDGED);
  alert->set_acknowledged_by(Caller::System().account_id);
  *alert->mutable_acknowledge_time() = ToProto(now);
  alert->set_acknowledge_note("the visit was voided");
  StampUpdate(*alert, Caller::System(), now);
  return txn.PutAlert(*alert);
}

absl::StatusOr<Contract> ContractManager::ContractOfVisit(
    WriteTxn& txn, const Caller& caller, const Visit& visit) const {
  if (!visit.contract_id().empty()) {
    return LoadVisibleContract(txn, caller, visit.contract_id());
  }
  // No contract named: the patient's contract whose term holds the visit's
  // day (an app need not know which term a renewal started).
  RETURN_IF_ERROR(
      AccessPolicy::LoadVisiblePatient(txn, caller, visit.patient_id())
          .status());
  if (!visit.has_start_time()) {
    return InvalidArgumentError("visit.start_time", "required");
  }
  const absl::CivilDay day = DayOf(FromProto(visit.start_time()), zone_);
  ContractQuery query;
  query.scope.kind = PatientScope::Kind::kAll;
  query.patient_id = visit.patient_id();
  query.limit = 1000;
  ASSIGN_OR_RETURN(std::vector<Contract> contracts, txn.ListContracts(query));
  const Contract* best = nullptr;
  for (const Contract& contract : contracts) {
    const std::optional<absl::CivilDay> start =
        ParseDate(contract.start_date());
    if (!start.has_value() || day < *start || day > LastDayOf(contract)) {
      continue;
    }
    if (best == nullptr ||
        contract.status() == rehab::v1::CONTRACT_STATUS_ACTIVE) {
      best = &contract;
    }
  }
  if (best == nullptr) {
    return InvalidArgumentError(
        "visit.contract_id",
        "no contract of the patient covers the visit's day");
  }
  return *best;
}

absl::Status ContractManager::CheckVisitDoctor(ReadTxn& txn, const Visit& visit,
                                               const Contract& contract) const {
  if (visit.doctor_id().empty()) {
    return InvalidArgumentError("visit.doctor_id", "required");
  }
  if (visit.doctor_id() == contract.doctor_id()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::optional<rehab::v1::Practitioner> doctor,
                   txn.GetPractitioner(visit.doctor_id()));
  if (!doctor.has_value()) {
    return InvalidArgumentError("visit.doctor_id", "names no practitioner");
  }
  if (contract.team().empty() || doctor->team() != contract.team()) {
    return PermissionDenied(
        "visits are logged by the contracted doctor or their team");
  }
  return absl::OkStatus();
}

std::string ContractManager::NextDueAfter(const Visit& visit,
                                          const Contract& contract) const {
  FollowUp schedule = BuildFollowUp(options_.rules, contract, &visit, zone_);
  return schedule.due_date();
}

absl::Status ContractManager::MarkUnderManagement(WriteTxn& txn,
                                                  const std::string& patient_id,
                                                  absl::Time now) const {
  ASSIGN_OR_RETURN(std::optional<Enrollment> open,
                   txn.GetOpenEnrollment(
                       patient_id, rehab::v1::PROGRAM_PSYCHIATRIC_MANAGEMENT));
  if (!open.has_value() ||
      open->status() == rehab::v1::ENROLLMENT_STATUS_UNDER_MANAGEMENT) {
    return absl::OkStatus();
  }
  open->set_status(rehab::v1::ENROLLMENT_STATUS_UNDER_MANAGEMENT);
  open->clear_end_reason();
  StampUpdate(*open, Caller::System(), now);
  return txn.PutEnrollment(*open);
}

absl::StatusOr<rehab::v1::ListVisitsResponse> ContractManager::ListVisits(
    const Caller& caller, const rehab::v1::ListVisitsRequest& request,
    std::string* audit_patient_id) {
  RETURN_IF_ERROR(RequireReader(caller, "list visits"));
  ASSIGN_OR_RETURN(int32_t page_size, EffectivePageSize(request.page_size()));
  FieldViolations violations;
  const std::optional<absl::CivilDay> from = ParseDate(request.start_date());
  const std::optional<absl::CivilDay> to = ParseDate(request.end_date());
  if (!request.start_date().empty() && !from.has_value()) {
    violations.Add("start_date", "not a date (YYYY-MM-DD)");
  }
  if (!request.end_date().empty() && !to.has_value()) {
    violations.Add("end_date", "not a date (YYYY-MM-DD)");
  }
  RETURN_IF_ERROR(violations.ToStatus());
  VisitQuery query;
  ASSIGN_OR_RETURN(const std::string token,
                   DecodePageToken(kListVisits, request.page_token()));
  ASSIGN_OR_RETURN(const TimeIdKey after, ParseTimeIdKey(token));
  query.after_start_time = after.time;
  query.after_id = after.id;
  query.scope = AccessPolicy::PatientScopeFor(caller);
  query.patient_id = CanonicalizeUuid(request.patient_id());
  query.contract_id = CanonicalizeUuid(request.contract_id());
  query.doctor_id = CanonicalizeUuid(request.doctor_id());
  if (from.has_value()) query.start_from = absl::FromCivil(*from, zone_);
  if (to.has_value()) query.start_before = absl::FromCivil(*to + 1, zone_);
  query.include_superseded = request.include_superseded();
  query.limit = page_size + 1;
  if (audit_patient_id != nullptr) *audit_patient_id = query.patient_id;

  std::vector<Visit> rows;
  RETURN_IF_ERROR(store_->Read([&](ReadTxn& txn) -> absl::Status {
    if (!query.patient_id.empty()) {
      ASSIGN_OR_RETURN(std::optional<PatientScope> one,
                       ScopeOfOnePatient(txn, caller, query.patient_id));
      if (!one.has_value()) return absl::OkStatus();
      query.scope = *std::move(one);
    }
    ASSIGN_OR_RETURN(rows, txn.ListVisits(query));
    return absl::OkStatus();
  }));
  rehab::v1::ListVisitsResponse response;
  response.set_next_page_token(
      TrimPage(rows, page_size, kListVisits, [](const Visit& v) {
        return FormatTimeIdKey(FromProto(v.start_time()), v.id());
      }));
  for (Visit& visit : rows) {
    RedactVisitFor(caller, visit);
    *response.add_visits() = std::move(visit);
  }
  return response;
}

// --- Follow-ups --------------------------------------------------------------

absl::Status ContractManager::RefreshFollowUp(WriteTxn& txn,
                                              const std::string& patient_id,
                                              absl::Time now) const {
  ASSIGN_OR_RETURN(std::optional<Contract> active,
                   txn.GetActiveContract(patient_id));
  if (!active.has_value()) return txn.RemoveFollowUp(patient_id);
  ASSIGN_OR_RETURN(std::optional<Visit> latest, LatestVisit(txn, patient_id));
  Contract basis = *active;
  if (!latest.has_value()) {
    // Never visited: the first visit was due from the start of the first
    // term, however often the contract was renewed since (a renewal must
    // not hide a contract signed but never served).
    std::string earlier = basis.renews_id();
    for (int hops = 0; !earlier.empty() && hops < 100; ++hops) {
      ASSIGN_OR_RETURN(std::optional<Contract> renewed,
                       txn.GetContract(earlier));
      if (!renewed.has_value()) break;
      basis.set_start_date(renewed->start_date());
      earlier = renewed->renews_id();
    }
  }
  FollowUp follow_up = BuildFollowUp(
      options_.rules, basis, latest.has_value() ? &*latest : nullptr, zone_);
  ASSIGN_OR_RETURN(std::optional<FollowUp> stored, txn.GetFollowUp(patient_id));
  if (stored.has_value() && SameSchedule(*stored, follow_up)) {
    return absl::OkStatus();
  }
  follow_up.set_version(stored.has_value() ? stored->version() + 1 : 1);
  *follow_up.mutable_update_time() = ToProto(now);
  return txn.PutFollowUp(follow_up);
}

absl::StatusOr<rehab::v1::ListDueFollowUpsResponse>
ContractManager::ListDueFollowUps(
    const Caller& caller, const rehab::v1::ListDueFollowUpsRequest& request) {
  RETURN_IF_ERROR(AccessPolicy::RequireRole(
      caller,
      {rehab::v1::ROLE_ADMIN, rehab::v1::ROLE_SUPERVISOR,
       rehab::v1::ROLE_FAMILY_DOCTOR},
      "list due follow-ups"));
  ASSIGN_OR_RETURN(int32_t page_size, EffectivePageSize(request.page_size()));
  if (request.within_days() < 0 || request.within_days() > kMaxDueWithinDays) {
    return InvalidArgumentError("within_days",
                                absl::StrCat("must be 0..", kMaxDueWithinDays));
  }
  const absl::Time now = clock_->Now();
  const absl::CivilDay today = DayOf(now, zone_);
  const int32_t within =
      request.within_days() > 0 ? request.within_days() : kDefaultDueWithinDays;
  FollowUpQuery query;
  ASSIGN_OR_RETURN(const std::string token,
                   DecodePageToken(kListDueFollowUps, request.page_token()));
  if (!token.empty()) {
    const size_t space = token.find(' ');
    if (space == std::string::npos) {
      return InvalidArgumentError("page_token", "malformed");
    }
    query.after_due_date = token.substr(0, space);
    query.after_patient_id = token.substr(space + 1);
  }
  query.scope = AccessPolicy::PatientScopeFor(caller);
  query.doctor_id = CanonicalizeUuid(request.doctor_id());
  query.due_until = FormatDate(today + within);
  // Lost patients are told by their standing, which the store does not
  // compute: read on until a page is full of them.
  query.limit =
      request.lost_only() ? std::max(page_size + 1, 200) : page_size + 1;
  std::vector<FollowUp> rows;
  RETURN_IF_ERROR(store_->Read([&](ReadTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(query.area_code_prefix,
                     AreaCodeFilter(txn, request.area_id()));
    for (;;) {
      ASSIGN_OR_RETURN(std::vector<FollowUp> batch, txn.ListFollowUps(query));
      const bool more = static_cast<int32_t>(batch.size()) == query.limit;
      for (FollowUp& follow_up : batch) {
        query.after_due_date = follow_up.due_date();
        query.after_patient_id = follow_up.patient_id();
        FillStanding(options_.rules, today, follow_up);
        if (request.lost_only() && !follow_up.lost_to_follow_up()) continue;
        rows.push_back(std::move(follow_up));
        if (static_cast<int32_t>(rows.size()) > page_size) break;
      }
      if (!more || static_cast<int32_t>(rows.size()) > page_size) break;
    }
    return absl::OkStatus();
  }));
  rehab::v1::ListDueFollowUpsResponse response;
  response.set_next_page_token(
      TrimPage(rows, page_size, kListDueFollowUps, [](const FollowUp& f) {
        return absl::StrCat(f.due_date(), " ", f.patient_id());
      }));
  for (FollowUp& follow_up : rows) {
    *response.add_follow_ups() = std::move(follow_up);
  }
  return response;
}

// --- Views for the change feed ---------------------------------------------

bool ContractManager::ReadsContracts(const Caller& caller) {
  return caller.role == rehab::v1::ROLE_ADMIN ||
         caller.role == rehab::v1::ROLE_SUPERVISOR ||
         caller.role == rehab::v1::ROLE_FAMILY_DOCTOR;
}

absl::StatusOr<std::optional<Contract>> ContractManager::ReadContractAs(
    ReadTxn& txn, const Caller& caller, const std::string& id) const {
  if (!ReadsContracts(caller)) return std::optional<Contract>();
  ASSIGN_OR_RETURN(std::optional<Contract> contract, txn.GetContract(id));
  if (!contract.has_value()) return contract;
  Contract out = WithFulfilment(*std::move(contract), clock_->Now());
  return std::optional<Contract>(std::move(out));
}

absl::StatusOr<std::optional<Visit>> ContractManager::ReadVisitAs(
    ReadTxn& txn, const Caller& caller, const std::string& id) const {
  if (!ReadsContracts(caller)) return std::optional<Visit>();
  ASSIGN_OR_RETURN(std::optional<Visit> visit, txn.GetVisit(id));
  if (visit.has_value()) RedactVisitFor(caller, *visit);
  return visit;
}

absl::StatusOr<std::optional<FollowUp>> ContractManager::ReadFollowUpAs(
    ReadTxn& txn, const Caller& caller, const std::string& patient_id) const {
  if (!ReadsContracts(caller)) return std::optional<FollowUp>();
  ASSIGN_OR_RETURN(std::optional<FollowUp> follow_up,
                   txn.GetFollowUp(patient_id));
  if (follow_up.has_value()) {
    FillStanding(options_.rules, DayOf(clock_->Now(), zone_), *follow_up);
  }
  return follow_up;
}

// --- Maintenance -------------------------------------------------------------

absl::StatusOr<MaintenanceReport> ContractManager::RunMaintenance(
    absl::Time now) {
  MaintenanceReport report;
  const absl::CivilDay today = DayOf(now, zone_);

  // Contracts past their end date expire; each batch is its own
  // transaction, and an expired contract leaves the ACTIVE list, so the
  // next batch starts from the beginning again.
  for (;;) {
    int64_t expired = 0;
    RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
      ContractQuery query;
      query.scope.kind = PatientScope::Kind::kAll;
      query.status = rehab::v1::CONTRACT_STATUS_ACTIVE;
      query.end_date_until = FormatDate(today - 1);
      query.limit = kMaintenanceBatch;
      ASSIGN_OR_RETURN(std::vector<Contract> due, txn.ListContracts(query));
      for (const Contract& contract : due) {
        ASSIGN_OR_RETURN(bool done,
                         ExpireIfOver(txn, contract.patient_id(), now));
        if (!done) continue;
        RETURN_IF_ERROR(RefreshFollowUp(txn, contract.patient_id(), now));
        ++expired;
      }
      return absl::OkStatus();
    }));
    report.contracts_expired += expired;
    if (expired < kMaintenanceBatch) break;
  }

  // Overdue follow-ups raise their alerts, and patients lost to follow-up
  // are marked; pages of the overdue list are read and written in turn.
  FollowUpQuery query;
  query.scope.kind = PatientScope::Kind::kAll;
  query.due_until = FormatDate(today - 1);
  query.limit = kMaintenanceBatch;
  for (;;) {
    bool more = false;
    RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(std::vector<FollowUp> overdue, txn.ListFollowUps(query));
      more = static_cast<int32_t>(overdue.size()) == query.limit;
      for (FollowUp& follow_up : overdue) {
        query.after_due_date = follow_up.due_date();
        query.after_patient_id = follow_up.patient_id();
        FillStanding(options_.rules, today, follow_up);
        if (!follow_up.overdue()) continue;
        AlertFinding finding;
        finding.kind = rehab::v1::ALERT_KIND_FOLLOW_UP_OVERDUE;
        finding.patient_id = follow_up.patient_id();
        finding.source_collection = kFollowUpsCollection;
        finding.source_id = follow_up.patient_id();
        finding.finding_date = follow_up.due_date();
        finding.detail = absl::StrCat("follow-up due ", follow_up.due_date());
        finding.doctor_id = follow_up.doctor_id();
        ASSIGN_OR_RETURN(bool raised,
                         AlertManager::RaiseInTxn(txn, finding, now));
        if (raised) ++report.overdue_alerts;
        if (!follow_up.lost_to_follow_up()) continue;
        ASSIGN_OR_RETURN(bool marked, MarkLost(txn, follow_up, now));
        if (marked) ++report.lost_to_follow_up;
      }
      return absl::OkStatus();
    }));
    if (!more) break;
  }
  return report;
}

absl::StatusOr<bool> ContractManager::MarkLost(WriteTxn& txn,
                                               const FollowUp& follow_up,
                                               absl::Time now) const {
  ASSIGN_OR_RETURN(
      std::optional<Enrollment> open,
      txn.GetOpenEnrollment(follow_up.patient_id(),
                            rehab::v1::PROGRAM_PSYCHIATRIC_MANAGEMENT));
  if (!open.has_value() ||
      open->status() == rehab::v1::ENROLLMENT_STATUS_LOST_TO_FOLLOW_UP) {
    return false;
  }
  open->set_status(rehab::v1::ENROLLMENT_STATUS_LOST_TO_FOLLOW_UP);
  // The national lost-to-follow-up reason 4.
  open->set_end_reason("three follow-up visits missed in a row");
  StampUpdate(*open, Caller::System(), now);
  RETURN_IF_ERROR(txn.PutEnrollment(*open));
  AlertFinding finding;
  finding.kind = rehab::v1::ALERT_KIND_LOST_TO_FOLLOW_UP;
  finding.patient_id = follow_up.patient_id();
  finding.source_collection = kFollowUpsCollection;
  finding.source_id = follow_up.patient_id();
  finding.finding_date = follow_up.due_date();
  finding.detail =
      absl::StrCat(follow_up.missed_visits(), " follow-ups missed in a row");
  finding.doctor_id = follow_up.doctor_id();
  RETURN_IF_ERROR(AlertManager::RaiseInTxn(txn, finding, now).status());
  return true;
}

}  // namespace rehab
