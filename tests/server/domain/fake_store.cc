#include "tests/server/domain/fake_store.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "server/common/dates.h"
#include "server/common/errors.h"
#include "server/common/log.h"
#include "server/common/status_macros.h"
#include "server/domain/validation.h"

namespace rehab {
namespace {

using ::rehab::v1::Account;
using ::rehab::v1::Alert;
using ::rehab::v1::Area;
using ::rehab::v1::AuditEvent;
using ::rehab::v1::Contract;
using ::rehab::v1::Enrollment;
using ::rehab::v1::Facility;
using ::rehab::v1::FollowUp;
using ::rehab::v1::Patient;
using ::rehab::v1::Practitioner;
using ::rehab::v1::Visit;

// Where a patient lies, as scopes see it: its area code, home facility
// (empty: none) and the holder of its ACTIVE contract (empty doctor: none).
struct Placement {
  std::string area_code;
  std::string facility_id;
  std::string doctor_id;
  std::string team;
};

// The store that the current thread is writing to, so that a WriteAsync
// from inside a write function is run after it instead of deadlocking.
thread_local const FakeStore* writing_store = nullptr;

bool StartsWith(const std::string& text, const std::string& prefix) {
  return absl::StartsWith(text, prefix);
}

template <typename T>
std::optional<T> Find(const std::map<std::string, T>& rows,
                      const std::string& id) {
  auto it = rows.find(id);
  if (it == rows.end()) return std::nullopt;
  return it->second;
}

// The row that `index` names under `key`; nullopt when it names none.
template <typename T, typename Key>
std::optional<T> FindByKey(const std::map<std::string, T>& rows,
                           const std::map<Key, std::string>& index,
                           const Key& key) {
  auto it = index.find(key);
  if (it == index.end()) return std::nullopt;
  return Find(rows, it->second);
}

// True when `index` gives `key` to a record other than `id`.
bool HeldByOther(const std::map<std::string, std::string>& index,
                 const std::string& key, const std::string& id) {
  auto it = index.find(key);
  return it != index.end() && it->second != id;
}

// Rows after `after_key` in key order, filtered, at most `limit`.
template <typename T, typename Pred>
std::vector<T> Page(const std::map<std::string, T>& rows,
                    const std::string& after_key, int32_t limit, Pred keep) {
  std::vector<T> out;
  for (auto it = rows.upper_bound(after_key);
       it != rows.end() && static_cast<int32_t>(out.size()) < limit; ++it) {
    if (keep(it->second)) out.push_back(it->second);
  }
  return out;
}

// The first `limit` of `rows` (none when limit <= 0).
template <typename T>
std::vector<T> FirstOf(std::vector<T> rows, int32_t limit) {
  if (limit <= 0) {
    rows.clear();
  } else if (rows.size() > static_cast<size_t>(limit)) {
    rows.resize(limit);
  }
  return rows;
}

// The errors the SQLite store gives for a broken unique key and a broken
// reference.
absl::Status AlreadyExists(std::string_view message,
                           std::string_view reason = kReasonAlreadyExists) {
  return ErrorWithReason(absl::StatusCode::kAlreadyExists, message, reason);
}

absl::Status MissingReference(const char* message) {
  return absl::FailedPreconditionError(message);
}

class FakeTxn final : public WriteTxn {
 public:
  // `state` is written only when `writable`.
  FakeTxn(FakeStore::State* state, bool writable)
      : s_(*state), writable_(writable) {}

  absl::StatusOr<std::optional<Area>> GetArea(const std::string& id) override {
    return Find(s_.areas, id);
  }

  absl::StatusOr<std::optional<Area>> GetAreaByCode(
      const std::string& code) override {
    for (const auto& [id, area] : s_.areas) {
      if (area.code() == code) return area;
    }
    return std::nullopt;
  }

  absl::StatusOr<std::vector<Area>> ListAreas(const AreaQuery& q) override {
    std::map<std::string, Area> by_code;
    for (const auto& [id, area] : s_.areas) {
      if (q.parent_id.empty() || area.parent_id() == q.parent_id) {
        by_code[area.code()] = area;
      }
    }
    return Page(by_code, q.after_code, q.limit,
                [](const Area&) { return true; });
  }

  absl::StatusOr<std::optional<Facility>> GetFacility(
      const std::string& id) override {
    return Find(s_.facilities, id);
  }

  absl::StatusOr<std::vector<Facility>> ListFacilities(
      const FacilityQuery& q) override {
    return Page(s_.facilities, q.after_id, q.limit, [&](const Facility& f) {
      if (q.type != rehab::v1::FACILITY_TYPE_UNSPECIFIED && f.type() != q.type)
        return false;
      return q.area_code_prefix.empty() ||
             StartsWith(AreaCode(f.area_id()), q.area_code_prefix);
    });
  }

  absl::StatusOr<std::optional<Practitioner>> GetPractitioner(
      const std::string& id) override {
    return Find(s_.practitioners, id);
  }

  absl::StatusOr<std::vector<Practitioner>> ListPractitioners(
      const PractitionerQuery& q) override {
    return Page(
        s_.practitioners, q.after_id, q.limit, [&](const Practitioner& p) {
          return (q.facility_id.empty() || p.facility_id() == q.facility_id) &&
                 (q.kind == rehab::v1::PRACTITIONER_KIND_UNSPECIFIED ||
                  p.kind() == q.kind) &&
                 (q.team.empty() || p.team() == q.team);
        });
  }

  absl::StatusOr<std::optional<Account>> GetAccount(
      const std::string& id) override {
    return Find(s_.accounts, id);
  }

  absl::StatusOr<std::optional<Account>> GetAccountByUsername(
      const std::string& username) override {
    for (const auto& [id, account] : s_.accounts) {
      if (account.username() == username) return account;
    }
    return std::nullopt;
  }

  absl::StatusOr<std::vector<Account>> ListAccounts(
      const AccountQuery& q) override {
    std::map<std::string, Account> by_name;
    for (const auto& [id, a] : s_.accounts) {
      if ((q.role == rehab::v1::ROLE_UNSPECIFIED || a.role() == q.role) &&
          (q.scope_id.empty() || a.scope_id() == q.scope_id)) {
        by_name[a.username()] = a;
      }
    }
    return Page(by_name, q.after_username, q.limit,
                [](const Account&) { return true; });
  }

  absl::StatusOr<std::optional<std::string>> GetPasswordHash(
      const std::string& account_id) override {
    return Find(s_.password_hashes, account_id);
  }

  absl::StatusOr<std::optional<TokenRecord>> GetToken(
      const std::string& token_hash) override {
    return Find(s_.tokens, token_hash);
  }

  absl::StatusOr<std::vector<BreakGlassGrant>> ListBreakGlassGrants(
      const std::string& account_id, absl::Time now) override {
    std::vector<BreakGlassGrant> out;
    for (const auto& [key, g] : s_.grants) {
      if (g.account_id == account_id && g.expire_time > now) out.push_back(g);
    }
    return out;
  }

  absl::StatusOr<std::optional<Patient>> GetPatient(
      const std::string& id) override {
    return Find(s_.patients, id);
  }

  absl::StatusOr<std::optional<Patient>> GetPatientByIdNumber(
      const std::string& id_number) override {
    return FindByKey(s_.patients, s_.patient_by_id_number, id_number);
  }

  absl::StatusOr<std::optional<Patient>> GetPatientByCardNumber(
      const std::string& card_number) override {
    return FindByKey(s_.patients, s_.patient_by_card_number, card_number);
  }

  absl::StatusOr<std::vector<Patient>> ListPatients(
      const PatientQuery& q) override {
    return Page(s_.patients, q.after_id, q.limit, [&](const Patient& p) {
      if (!InScope(p, q.scope)) return false;
      if (!q.area_code_prefix.empty() &&
          !StartsWith(AreaCode(p.area_id()), q.area_code_prefix))
        return false;
      if (q.category != rehab::v1::DISABILITY_CATEGORY_UNSPECIFIED &&
          p.disability_category() != q.category)
        return false;
      if (q.grade != 0 && p.disability_grade() != q.grade) return false;
      if (q.program != rehab::v1::PROGRAM_UNSPECIFIED &&
          !OpenEnrollment(p.id(), q.program).has_value())
        return false;
      if (!q.name_prefix.empty() && !StartsWith(p.name(), q.name_prefix))
        return false;
      return q.facility_id.empty() || p.facility_id() == q.facility_id;
    });
  }

  absl::StatusOr<bool> PatientInScope(const std::string& patient_id,
                                      const PatientScope& scope) override {
    return InScopeNow(patient_id, scope);
  }

  absl::StatusOr<int64_t> CountPatients() override {
    return static_cast<int64_t>(s_.patients.size());
  }

  absl::StatusOr<std::optional<Enrollment>> GetEnrollment(
      const std::string& id) override {
    return Find(s_.enrollments, id);
  }

  absl::StatusOr<std::optional<Enrollment>> GetOpenEnrollment(
      const std::string& patient_id, rehab::v1::Program program) override {
    return OpenEnrollment(patient_id, program);
  }

  absl::StatusOr<std::vector<Enrollment>> ListEnrollments(
      const EnrollmentQuery& q) override {
    return Page(s_.enrollments, q.after_id, q.limit, [&](const Enrollment& e) {
      auto patient = s_.patients.find(e.patient_id());
      if (patient == s_.patients.end() || !InScope(patient->second, q.scope))
        return false;
      if (!q.patient_id.empty() && e.patient_id() != q.patient_id) return false;
      if (q.program != rehab::v1::PROGRAM_UNSPECIFIED &&
          e.program() != q.program)
        return false;
      return !q.open_only || IsOpenEnrollmentStatus(e.status());
    });
  }

  absl::StatusOr<std::vector<AuditEvent>> ListAuditEvents(
      const AuditQuery& q) override {
    std::vector<AuditEvent> out;
    for (auto it = s_.audit.rbegin();
         it != s_.audit.rend() && static_cast<int32_t>(out.size()) < q.limit;
         ++it) {
      const AuditEvent& e = *it;
      if (q.before_seq != 0 && e.seq() >= q.before_seq) continue;
      if (!q.patient_id.empty() && e.patient_id() != q.patient_id) continue;
      if (!q.account_id.empty() && e.account_id() != q.account_id) continue;
      const absl::Time time = FromProto(e.time());
      if (q.start_time.has_value() && time < *q.start_time) continue;
      if (q.end_time.has_value() && time >= *q.end_time) continue;
      out.push_back(e);
    }
    return out;
  }

  absl::StatusOr<std::optional<Contract>> GetContract(
      const std::string& id) override {
    std::optional<Contract> contract = Find(s_.contracts, id);
    if (contract.has_value()) FillFulfilment(*contract);
    return contract;
  }

  absl::StatusOr<std::optional<Contract>> GetActiveContract(
      const std::string& patient_id) override {
    std::optional<Contract> contract = ActiveContract(patient_id);
    if (contract.has_value()) FillFulfilment(*contract);
    return contract;
  }

  absl::StatusOr<std::vector<Contract>> ListContracts(
      const ContractQuery& q) override {
    std::vector<Contract> out =
        Page(s_.contracts, q.after_id, q.limit, [&](const Contract& c) {
          auto patient = s_.patients.find(c.patient_id());
          if (patient == s_.patients.end() ||
              !InScope(patient->second, q.scope))
            return false;
          if (!q.patient_id.empty() && c.patient_id() != q.patient_id)
            return false;
          if (!q.doctor_id.empty() && c.doctor_id() != q.doctor_id)
            return false;
          if (!q.area_code_prefix.empty() &&
              !StartsWith(AreaCode(patient->second.area_id()),
                          q.area_code_prefix))
            return false;
          if (q.status != rehab::v1::CONTRACT_STATUS_UNSPECIFIED &&
              c.status() != q.status)
            return false;
          // YYYY-MM-DD dates order as strings.
          return q.end_date_until.empty() || c.end_date() <= q.end_date_until;
        });
    for (Contract& c : out) FillFulfilment(c);
    return out;
  }

  absl::StatusOr<std::optional<Visit>> GetVisit(
      const std::string& id) override {
    std::optional<Visit> visit = Find(s_.visits, id);
    if (visit.has_value()) FillSupersededBy(*visit);
    return visit;
  }

  absl::StatusOr<std::vector<Visit>> ListVisits(const VisitQuery& q) override {
    std::vector<Visit> out;
    for (const auto& [id, stored] : s_.visits) {
      if (!InScopeNow(PatientOfVisit(stored), q.scope)) continue;
      if (!q.patient_id.empty() && PatientOfVisit(stored) != q.patient_id)
        continue;
      if (!q.contract_id.empty() && stored.contract_id() != q.contract_id)
        continue;
      if (!q.doctor_id.empty() && stored.doctor_id() != q.doctor_id) continue;
      const absl::Time start = FromProto(stored.start_time());
      if (q.start_from.has_value() && start < *q.start_from) continue;
      if (q.start_before.has_value() && start >= *q.start_before) continue;
      if (!q.include_superseded &&
          (!stored.voids_id().empty() || s_.superseded_by.count(id) > 0))
        continue;
      if (!q.after_id.empty() &&
          !(start < q.after_start_time ||
            (start == q.after_start_time && id < q.after_id)))
        continue;
      out.push_back(stored);
    }
    std::sort(out.begin(), out.end(), [](const Visit& a, const Visit& b) {
      const absl::Time a_start = FromProto(a.start_time());
      const absl::Time b_start = FromProto(b.start_time());
      if (a_start != b_start) return a_start > b_start;
      return a.id() > b.id();
    });
    out = FirstOf(std::move(out), q.limit);
    for (Visit& v : out) FillSupersededBy(v);
    return out;
  }

  absl::StatusOr<std::optional<FollowUp>> GetFollowUp(
      const std::string& patient_id) override {
    return Find(s_.follow_ups, patient_id);
  }

  absl::StatusOr<std::vector<FollowUp>> ListFollowUps(
      const FollowUpQuery& q) override {
    std::vector<FollowUp> out;
    for (const auto& [patient_id, f] : s_.follow_ups) {
      auto patient = s_.patients.find(patient_id);
      if (patient == s_.patients.end() || !InScope(patient->second, q.scope))
        continue;
      if (!q.doctor_id.empty() && f.doctor_id() != q.doctor_id) continue;
      if (!q.area_code_prefix.empty() &&
          !StartsWith(AreaCode(patient->second.area_id()), q.area_code_prefix))
        continue;
      if (!q.due_until.empty() && f.due_date() > q.due_until) continue;
      // An empty keyset precedes every row, so it needs no case of its own.
      if (std::make_pair(f.due_date(), patient_id) <=
          std::make_pair(q.after_due_date, q.after_patient_id))
        continue;
      out.push_back(f);
    }
    std::sort(out.begin(), out.end(), [](const FollowUp& a, const FollowUp& b) {
      return std::make_pair(a.due_date(), a.id()) <
             std::make_pair(b.due_date(), b.id());
    });
    return FirstOf(std::move(out), q.limit);
  }

  absl::StatusOr<std::optional<Alert>> GetAlert(
      const std::string& id) override {
    return Find(s_.alerts, id);
  }

  absl::StatusOr<std::optional<Alert>> FindAlert(
      rehab::v1::AlertKind kind, const std::string& source_id,
      const std::string& finding_date) override {
    return FindByKey(s_.alerts, s_.alert_by_finding,
                     std::make_tuple(kind, source_id, finding_date));
  }

  absl::StatusOr<std::vector<Alert>> ListAlerts(const AlertQuery& q) override {
    std::vector<Alert> out;
    for (const auto& [id, a] : s_.alerts) {
      auto patient = s_.patients.find(a.patient_id());
      if (patient == s_.patients.end() || !InScope(patient->second, q.scope))
        continue;
      if (!q.patient_id.empty() && a.patient_id() != q.patient_id) continue;
      if (!q.doctor_id.empty() && a.doctor_id() != q.doctor_id) continue;
      if (!q.area_code_prefix.empty() &&
          !StartsWith(AreaCode(patient->second.area_id()), q.area_code_prefix))
        continue;
      if (q.kind != rehab::v1::ALERT_KIND_UNSPECIFIED && a.kind() != q.kind)
        continue;
      if (q.state != rehab::v1::ALERT_STATE_UNSPECIFIED && a.state() != q.state)
        continue;
      const absl::Time created = FromProto(a.create_time());
      if (!q.before_id.empty() &&
          !(created < q.before_create_time ||
            (created == q.before_create_time && id < q.before_id)))
        continue;
      out.push_back(a);
    }
    std::sort(out.begin(), out.end(), [](const Alert& a, const Alert& b) {
      const absl::Time a_created = FromProto(a.create_time());
      const absl::Time b_created = FromProto(b.create_time());
      if (a_created != b_created) return a_created > b_created;
      return a.id() > b.id();
    });
    return FirstOf(std::move(out), q.limit);
  }

  absl::Status PutArea(Area& area) override {
    RETURN_IF_ERROR(CheckWritable());
    if (!area.parent_id().empty() && !s_.areas.count(area.parent_id())) {
      return MissingReference("area.parent_id names no stored area");
    }
    for (const auto& [id, other] : s_.areas) {
      if (id != area.id() && other.code() == area.code()) {
        return AlreadyExists("an area with this code exists");
      }
    }
    area.set_change_seq(NextChange("areas", area.id(), ""));
    s_.areas[area.id()] = area;
    return absl::OkStatus();
  }

  absl::Status PutFacility(Facility& facility) override {
    RETURN_IF_ERROR(CheckWritable());
    if (!s_.areas.count(facility.area_id())) {
      return MissingReference("facility.area_id names no stored area");
    }
    facility.set_change_seq(NextChange("facilities", facility.id(), ""));
    s_.facilities[facility.id()] = facility;
    return absl::OkStatus();
  }

  absl::Status PutPractitioner(Practitioner& p) override {
    RETURN_IF_ERROR(CheckWritable());
    if (!s_.facilities.count(p.facility_id())) {
      return MissingReference(
          "practitioner.facility_id names no stored facility");
    }
    p.set_change_seq(NextChange("practitioners", p.id(), ""));
    s_.practitioners[p.id()] = p;
    return absl::OkStatus();
  }

  absl::Status PutAccount(
      Account& account,
      const std::optional<std::string>& password_hash) override {
    RETURN_IF_ERROR(CheckWritable());
    for (const auto& [id, other] : s_.accounts) {
      if (id != account.id() && other.username() == account.username()) {
        return AlreadyExists("the username is taken");
      }
    }
    account.set_change_seq(NextChange("accounts", account.id(), ""));
    s_.accounts[account.id()] = account;
    if (password_hash.has_value()) {
      s_.password_hashes[account.id()] = *password_hash;
    }
    return absl::OkStatus();
  }

  absl::Status PutPatient(Patient& patient) override {
    RETURN_IF_ERROR(CheckWritable());
    if (!s_.areas.count(patient.area_id())) {
      return MissingReference("patient.area_id names no stored area");
    }
    if (!patient.facility_id().empty() &&
        !s_.facilities.count(patient.facility_id())) {
      return MissingReference("patient.facility_id names no stored facility");
    }
    if (HeldByOther(s_.patient_by_id_number, patient.id_number(),
                    patient.id())) {
      return AlreadyExists("a patient with this ID number exists",
                           kReasonDuplicateIdNumber);
    }
    if (HeldByOther(s_.patient_by_card_number, patient.disability_card_number(),
                    patient.id())) {
      return AlreadyExists("a patient with this disability card number exists");
    }
    patient.set_change_seq(NextChange("patients", patient.id(), patient.id()));
    auto stored = s_.patients.find(patient.id());
    if (stored != s_.patients.end()) {
      const Placement old = PlacementOf(stored->second);
      if (old.area_code != AreaCode(patient.area_id()) ||
          old.facility_id != patient.facility_id()) {
        MoveWithPatient(patient.id(), old, "patients");
      }
      // Keys are unique, so the stored version's are its own to drop.
      s_.patient_by_id_number.erase(stored->second.id_number());
      s_.patient_by_card_number.erase(stored->second.disability_card_number());
    }
    s_.patient_by_id_number[patient.id_number()] = patient.id();
    if (!patient.disability_card_number().empty()) {
      s_.patient_by_card_number[patient.disability_card_number()] =
          patient.id();
    }
    s_.patients[patient.id()] = patient;
    return absl::OkStatus();
  }

  absl::Status PutEnrollment(Enrollment& enrollment) override {
    RETURN_IF_ERROR(CheckWritable());
    if (!s_.patients.count(enrollment.patient_id())) {
      return MissingReference("enrollment.patient_id names no stored patient");
    }
    if (IsOpenEnrollmentStatus(enrollment.status())) {
      std::optional<Enrollment> open =
          OpenEnrollment(enrollment.patient_id(), enrollment.program());
      if (open.has_value() && open->id() != enrollment.id()) {
        return AlreadyExists(
            "the patient already has an open enrollment in the program",
            kReasonEnrollmentAlreadyOpen);
      }
    }
    enrollment.set_change_seq(
        NextChange("enrollments", enrollment.id(), enrollment.patient_id()));
    auto stored = s_.enrollments.find(enrollment.id());
    if (stored != s_.enrollments.end() &&
        IsOpenEnrollmentStatus(stored->second.status())) {
      s_.open_enrollment.erase(
          {stored->second.patient_id(), stored->second.program()});
    }
    if (IsOpenEnrollmentStatus(enrollment.status())) {
      s_.open_enrollment[{enrollment.patient_id(), enrollment.program()}] =
          enrollment.id();
    }
    s_.enrollments[enrollment.id()] = enrollment;
    return absl::OkStatus();
  }

  absl::Status PutContract(Contract& contract) override {
    RETURN_IF_ERROR(CheckWritable());
    if (!s_.patients.count(contract.patient_id())) {
      return MissingReference("contract.patient_id names no stored patient");
    }
    if (!s_.practitioners.count(contract.doctor_id())) {
      return MissingReference(
          "contract.doctor_id names no stored practitioner");
    }
    const bool active = contract.status() == rehab::v1::CONTRACT_STATUS_ACTIVE;
    std::optional<Contract> held = ActiveContract(contract.patient_id());
    if (active && held.has_value() && held->id() != contract.id()) {
      return ErrorWithReason(absl::StatusCode::kFailedPrecondition,
                             "the patient already has an ACTIVE contract",
                             kReasonContractAlreadyActive);
    }
    // The patients whose holder this Put may change: the contract's, and
    // the stored version's when it named another.
    std::map<std::string, Placement> before;
    before[contract.patient_id()] =
        PlacementOf(s_.patients.at(contract.patient_id()));
    auto stored = s_.contracts.find(contract.id());
    if (stored != s_.contracts.end()) {
      const std::string& old_patient = stored->second.patient_id();
      auto patient = s_.patients.find(old_patient);
      if (patient != s_.patients.end() && !before.count(old_patient)) {
        before[old_patient] = PlacementOf(patient->second);
      }
      auto index = s_.active_contract.find(old_patient);
      if (index != s_.active_contract.end() && index->second == contract.id()) {
        s_.active_contract.erase(index);
      }
    }
    contract.set_change_seq(
        NextChange("contracts", contract.id(), contract.patient_id()));
    if (active) s_.active_contract[contract.patient_id()] = contract.id();
    Contract row = contract;
    row.clear_fulfilment();
    s_.contracts[contract.id()] = std::move(row);
    for (const auto& [patient_id, old] : before) {
      const Placement now = PlacementOf(s_.patients.at(patient_id));
      if (now.doctor_id != old.doctor_id || now.team != old.team) {
        MoveWithPatient(patient_id, old, "contracts", contract.id());
      }
    }
    return absl::OkStatus();
  }

  absl::Status PutVisit(Visit& visit) override {
    RETURN_IF_ERROR(CheckWritable());
    if (s_.visits.count(visit.id())) {
      return AlreadyExists("a visit with this id is stored");
    }
    if (!s_.contracts.count(visit.contract_id())) {
      return MissingReference("visit.contract_id names no stored contract");
    }
    std::vector<std::string> superseded;
    for (const std::string* target : {&visit.amends_id(), &visit.voids_id()}) {
      if (target->empty()) continue;
      if (!s_.visits.count(*target)) {
        return MissingReference(
            "visit.amends_id or visit.voids_id names no stored visit");
      }
      superseded.push_back(*target);
    }
    for (const std::string& target : superseded) {
      s_.superseded_by[target] = visit.id();
      NextChange("visits", target, PatientOfVisit(s_.visits.at(target)),
                 FeedEntry::Kind::kTombstone);
    }
    visit.set_change_seq(
        NextChange("visits", visit.id(), PatientOfVisit(visit)));
    Visit row = visit;
    row.clear_superseded_by_id();
    s_.visits[visit.id()] = std::move(row);
    return absl::OkStatus();
  }

  absl::Status PutFollowUp(FollowUp& follow_up) override {
    RETURN_IF_ERROR(CheckWritable());
    if (follow_up.id() != follow_up.patient_id()) {
      return absl::FailedPreconditionError(
          "follow_up.id is not its patient_id");
    }
    if (!s_.patients.count(follow_up.patient_id())) {
      return MissingReference("follow_up.patient_id names no stored patient");
    }
    if (!s_.contracts.count(follow_up.contract_id())) {
      return MissingReference("follow_up.contract_id names no stored contract");
    }
    follow_up.set_change_seq(
        NextChange("follow_ups", follow_up.id(), follow_up.patient_id()));
    FollowUp row = follow_up;
    row.clear_overdue();
    row.clear_missed_visits();
    row.clear_lost_to_follow_up();
    row.clear_days_overdue();
    s_.follow_ups[follow_up.id()] = std::move(row);
    return absl::OkStatus();
  }

  absl::Status RemoveFollowUp(const std::string& patient_id) override {
    RETURN_IF_ERROR(CheckWritable());
    if (s_.follow_ups.erase(patient_id) == 0) return absl::OkStatus();
    NextChange("follow_ups", patient_id, patient_id,
               FeedEntry::Kind::kTombstone);
    return absl::OkStatus();
  }

  absl::Status PutAlert(Alert& alert) override {
    RETURN_IF_ERROR(CheckWritable());
    if (!s_.patients.count(alert.patient_id())) {
      return MissingReference("alert.patient_id names no stored patient");
    }
    const auto finding =
        std::make_tuple(alert.kind(), alert.source_id(), alert.finding_date());
    auto holder = s_.alert_by_finding.find(finding);
    if (holder != s_.alert_by_finding.end() && holder->second != alert.id()) {
      return AlreadyExists("an alert for this finding exists");
    }
    alert.set_change_seq(NextChange("alerts", alert.id(), alert.patient_id()));
    auto stored = s_.alerts.find(alert.id());
    if (stored != s_.alerts.end()) {
      // Findings are unique, so the stored version's is its own to drop.
      s_.alert_by_finding.erase(std::make_tuple(stored->second.kind(),
                                                stored->second.source_id(),
                                                stored->second.finding_date()));
    }
    s_.alert_by_finding[finding] = alert.id();
    s_.alerts[alert.id()] = alert;
    return absl::OkStatus();
  }

  absl::Status PutToken(const TokenRecord& token) override {
    RETURN_IF_ERROR(CheckWritable());
    if (!s_.accounts.count(token.account_id)) {
      return MissingReference("token account names no stored account");
    }
    s_.tokens[token.token_hash] = token;
    return absl::OkStatus();
  }

  absl::Status RevokeTokenFamily(const std::string& family_id) override {
    RETURN_IF_ERROR(CheckWritable());
    for (auto& [hash, token] : s_.tokens) {
      if (token.family_id == family_id) token.revoked = true;
    }
    return absl::OkStatus();
  }

  absl::Status RevokeAccountTokens(const std::string& account_id) override {
    RETURN_IF_ERROR(CheckWritable());
    for (auto& [hash, token] : s_.tokens) {
      if (token.account_id == account_id) token.revoked = true;
    }
    return absl::OkStatus();
  }

  absl::Status PutBreakGlassGrant(const BreakGlassGrant& grant) override {
    RETURN_IF_ERROR(CheckWritable());
    if (!s_.accounts.count(grant.account_id) ||
        !s_.patients.count(grant.patient_id)) {
      return MissingReference("the grant names no stored account or patient");
    }
    // One grant per account and patient; a new one replaces it.
    s_.grants[{grant.account_id, grant.patient_id}] = grant;
    return absl::OkStatus();
  }

  absl::Status AppendAudit(AuditEvent& event) override {
    RETURN_IF_ERROR(CheckWritable());
    event.set_seq(++s_.last_audit_seq);
    s_.audit.push_back(event);
    return absl::OkStatus();
  }

  // --- Sync ---

  absl::StatusOr<std::vector<FeedEntry>> ListFeed(const FeedQuery& q) override {
    std::vector<FeedEntry> out;
    if (q.limit <= 0) return out;
    for (const auto& [key, c] : LatestPositions()) {
      if (c->change_seq <= q.after_seq || c->patient_id.empty() ||
          !InScopeNow(c->patient_id, q.scope)) {
        continue;
      }
      out.push_back(
          {c->change_seq, c->kind, c->collection, c->id, c->patient_id});
    }
    // Per record, the latest exit from a placement in the scope.
    std::map<std::pair<std::string, std::string>, const FakeStore::Exit*> exits;
    for (const FakeStore::Exit& x : s_.exits) {
      const Placement old{x.old_area_code, x.old_facility_id, x.old_doctor_id,
                          x.old_team};
      if (InScope(x.patient_id, old, q.scope)) {
        exits[{x.collection, x.id}] = &x;
      }
    }
    for (const auto& [key, x] : exits) {
      if (x->change_seq <= q.after_seq || InScopeNow(x->patient_id, q.scope)) {
        continue;
      }
      out.push_back({x->change_seq, FeedEntry::Kind::kRemovedFromScope,
                     x->collection, x->id, x->patient_id});
    }
    std::sort(out.begin(), out.end(),
              [](const FeedEntry& a, const FeedEntry& b) {
                return a.change_seq < b.change_seq;
              });
    if (out.size() > static_cast<size_t>(q.limit)) out.resize(q.limit);
    return out;
  }

  absl::StatusOr<int64_t> LastChangeSeq() override {
    return s_.last_change_seq;
  }

  absl::StatusOr<std::optional<AppliedMutation>> GetAppliedMutation(
      const std::string& mutation_id) override {
    return Find(s_.applied_mutations, mutation_id);
  }

  absl::StatusOr<std::optional<std::string>> GetSecret(
      const std::string& name) override {
    return Find(s_.secrets, name);
  }

  absl::Status Nested(
      const std::function<absl::Status(WriteTxn&)>& fn) override {
    RETURN_IF_ERROR(CheckWritable());
    FakeStore::State copy = s_;
    FakeTxn nested(&copy, /*writable=*/true);
    RETURN_IF_ERROR(fn(nested));
    s_ = std::move(copy);
    return absl::OkStatus();
  }

  absl::Status TouchFeed(const std::string& collection,
                         const std::string& record_id) override {
    RETURN_IF_ERROR(CheckWritable());
    ASSIGN_OR_RETURN(const FakeStore::Change latest,
                     LatestPosition(collection, record_id));
    NextChange(collection, record_id, latest.patient_id, latest.kind);
    return absl::OkStatus();
  }

  absl::Status VoidInFeed(const std::string& collection,
                          const std::string& record_id) override {
    RETURN_IF_ERROR(CheckWritable());
    ASSIGN_OR_RETURN(const FakeStore::Change latest,
                     LatestPosition(collection, record_id));
    NextChange(collection, record_id, latest.patient_id,
               FeedEntry::Kind::kTombstone);
    return absl::OkStatus();
  }

  absl::Status PutAppliedMutation(const AppliedMutation& m) override {
    RETURN_IF_ERROR(CheckWritable());
    if (!s_.applied_mutations.emplace(m.mutation_id, m).second) {
      return AlreadyExists("the mutation id is stored");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> PruneAppliedMutations(absl::Time before,
                                                int32_t limit) override {
    RETURN_IF_ERROR(CheckWritable());
    std::vector<std::pair<absl::Time, std::string>> old;
    for (const auto& [id, m] : s_.applied_mutations) {
      if (m.apply_time < before) old.emplace_back(m.apply_time, id);
    }
    std::sort(old.begin(), old.end());
    int64_t deleted = 0;
    for (const auto& [time, id] : old) {
      if (deleted >= limit) break;
      s_.applied_mutations.erase(id);
      ++deleted;
    }
    return deleted;
  }

  absl::StatusOr<std::string> PutSecretIfAbsent(
      const std::string& name, const std::string& value) override {
    RETURN_IF_ERROR(CheckWritable());
    return s_.secrets.emplace(name, value).first->second;
  }

 private:
  absl::Status CheckWritable() const {
    if (!writable_) {
      return absl::FailedPreconditionError("write inside a read transaction");
    }
    return absl::OkStatus();
  }

  // Appends a position of record (`collection`, `id`) to the feed.
  int64_t NextChange(const std::string& collection, const std::string& id,
                     const std::string& patient_id,
                     FeedEntry::Kind kind = FeedEntry::Kind::kUpsert) {
    const int64_t seq = ++s_.last_change_seq;
    s_.changes.push_back({seq, collection, id, kind, patient_id});
    return seq;
  }

  // The latest position of every record, by collection and id.
  std::map<std::pair<std::string, std::string>, const FakeStore::Change*>
  LatestPositions() const {
    std::map<std::pair<std::string, std::string>, const FakeStore::Change*>
        latest;
    for (const FakeStore::Change& c : s_.changes) {
      latest[{c.collection, c.id}] = &c;
    }
    return latest;
  }

  absl::StatusOr<FakeStore::Change> LatestPosition(
      const std::string& collection, const std::string& id) const {
    for (auto it = s_.changes.rbegin(); it != s_.changes.rend(); ++it) {
      if (it->collection == collection && it->id == id) return *it;
    }
    return absl::NotFoundError("the record has no feed entry");
  }

  // Patient `patient_id` left the placement `old`: an exit for it and for
  // each record hanging on it, and new positions for those records but the
  // one just Put (`put_collection`, `put_id`; empty id: the patient), whose
  // Put gave it one.
  void MoveWithPatient(const std::string& patient_id, const Placement& old,
                       const std::string& put_collection,
                       const std::string& put_id = "") {
    const std::string& moved_id = put_id.empty() ? patient_id : put_id;
    std::vector<FakeStore::Change> bound;  // the patient first
    for (const auto& [key, c] : LatestPositions()) {
      if (c->patient_id != patient_id) continue;
      if (c->collection == "patients") {
        bound.insert(bound.begin(), *c);
      } else {
        bound.push_back(*c);
      }
    }
    for (const FakeStore::Change& c : bound) {
      s_.exits.push_back({++s_.last_change_seq, c.collection, c.id, patient_id,
                          old.area_code, old.facility_id, old.doctor_id,
                          old.team});
      if (c.collection != put_collection || c.id != moved_id) {
        NextChange(c.collection, c.id, patient_id, c.kind);
      }
    }
  }

  // The code of area `area_id`; "" when there is no such area.
  std::string AreaCode(const std::string& area_id) const {
    auto it = s_.areas.find(area_id);
    return it == s_.areas.end() ? std::string() : it->second.code();
  }

  std::optional<Enrollment> OpenEnrollment(const std::string& patient_id,
                                           rehab::v1::Program program) const {
    return FindByKey(s_.enrollments, s_.open_enrollment,
                     std::make_pair(patient_id, program));
  }

  std::optional<Contract> ActiveContract(const std::string& patient_id) const {
    return FindByKey(s_.contracts, s_.active_contract, patient_id);
  }

  // The count of the contract's visits that are neither superseded nor
  // voids, and the start of the latest of them. The last visit date is left
  // to the domain: it needs the county's zone.
  void FillFulfilment(Contract& contract) const {
    int32_t delivered = 0;
    const Visit* latest = nullptr;
    for (const auto& [id, v] : s_.visits) {
      if (v.contract_id() == contract.id() && v.voids_id().empty() &&
          !s_.superseded_by.count(id)) {
        ++delivered;
        if (latest == nullptr ||
            FromProto(v.start_time()) > FromProto(latest->start_time())) {
          latest = &v;
        }
      }
    }
    contract.mutable_fulfilment()->set_visits_delivered(delivered);
    if (latest != nullptr) {
      *contract.mutable_fulfilment()->mutable_last_visit_time() =
          latest->start_time();
    }
  }

  void FillSupersededBy(Visit& visit) const {
    auto it = s_.superseded_by.find(visit.id());
    if (it != s_.superseded_by.end()) visit.set_superseded_by_id(it->second);
  }

  // A void may carry no patient id; its contract names the patient.
  std::string PatientOfVisit(const Visit& visit) const {
    if (!visit.patient_id().empty()) return visit.patient_id();
    auto contract = s_.contracts.find(visit.contract_id());
    return contract == s_.contracts.end() ? std::string()
                                          : contract->second.patient_id();
  }

  Placement PlacementOf(const Patient& p) const {
    Placement placement{AreaCode(p.area_id()), p.facility_id(), "", ""};
    std::optional<Contract> active = ActiveContract(p.id());
    if (active.has_value()) {
      placement.doctor_id = active->doctor_id();
      placement.team = active->team();
    }
    return placement;
  }

  bool InScope(const Patient& p, const PatientScope& scope) const {
    return InScope(p.id(), PlacementOf(p), scope);
  }

  // True when a stored patient `patient_id` lies in `scope` now.
  bool InScopeNow(const std::string& patient_id,
                  const PatientScope& scope) const {
    auto it = s_.patients.find(patient_id);
    return it != s_.patients.end() && InScope(it->second, scope);
  }

  // True when patient `patient_id` placed at `placement` lies in `scope`.
  bool InScope(const std::string& patient_id, const Placement& placement,
               const PatientScope& scope) const {
    const std::string& area_code = placement.area_code;
    switch (scope.kind) {
      case PatientScope::Kind::kAll:
        return true;
      case PatientScope::Kind::kNone:
        return false;
      case PatientScope::Kind::kAreaSubtree:
        // An empty code would be a prefix of every code; fail closed.
        if (scope.area_code.empty()) return false;
        return !area_code.empty() && StartsWith(area_code, scope.area_code);
      case PatientScope::Kind::kFacility:
        return !scope.facility_id.empty() &&
               placement.facility_id == scope.facility_id;
      case PatientScope::Kind::kPatients:
        return std::find(scope.patient_ids.begin(), scope.patient_ids.end(),
                         patient_id) != scope.patient_ids.end();
      case PatientScope::Kind::kPractitioner:
        // Empty ids match nothing: a scope never widens by omission.
        if (placement.doctor_id.empty()) return false;  // no ACTIVE contract
        return (!scope.practitioner_id.empty() &&
                placement.doctor_id == scope.practitioner_id) ||
               (!scope.team.empty() && placement.team == scope.team);
    }
    return false;
  }

  FakeStore::State& s_;
  const bool writable_;
};

// The serialized size of every record `state` holds.
int64_t SerializedSize(const FakeStore::State& state) {
  int64_t size = 0;
  auto add = [&size](const auto& rows) {
    for (const auto& [key, row] : rows) {
      size += static_cast<int64_t>(row.ByteSizeLong());
    }
  };
  add(state.areas);
  add(state.facilities);
  add(state.practitioners);
  add(state.accounts);
  add(state.patients);
  add(state.enrollments);
  add(state.contracts);
  add(state.visits);
  add(state.follow_ups);
  add(state.alerts);
  for (const AuditEvent& event : state.audit) {
    size += static_cast<int64_t>(event.ByteSizeLong());
  }
  return size;
}

}  // namespace

FakeStore::FakeStore() : state_(std::make_shared<State>()) {}

FakeStore::~FakeStore() = default;

std::shared_ptr<const FakeStore::State> FakeStore::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

absl::Status FakeStore::Read(const std::function<absl::Status(ReadTxn&)>& fn) {
  std::shared_ptr<const State> snapshot = Snapshot();
  // A read transaction never writes (CheckWritable), so the shared snapshot
  // is not modified through this pointer.
  FakeTxn txn(const_cast<State*>(snapshot.get()), /*writable=*/false);
  return fn(txn);
}

absl::Status FakeStore::Write(std::function<absl::Status(WriteTxn&)> fn) {
  if (writing_store == this) {
    return absl::InternalError("FakeStore: Write called inside a Write");
  }
  {
    absl::MutexLock lock(&mu_);
    if (!write_failure_.ok()) return write_failure_;
  }
  absl::Status status;
  {
    absl::MutexLock writer(&write_mu_);
    auto next = std::make_shared<State>(*Snapshot());
    FakeTxn txn(next.get(), /*writable=*/true);
    writing_store = this;
    status = fn(txn);
    writing_store = nullptr;
    if (status.ok()) {
      absl::MutexLock lock(&mu_);
      state_ = std::move(next);
      ++commit_count_;
    }
  }
  std::vector<std::function<absl::Status(WriteTxn&)>> deferred;
  {
    absl::MutexLock lock(&mu_);
    deferred.swap(deferred_);
  }
  for (auto& later : deferred) WriteAsync(std::move(later));
  return status;
}

void FakeStore::WriteAsync(std::function<absl::Status(WriteTxn&)> fn) {
  if (writing_store == this) {
    absl::MutexLock lock(&mu_);
    deferred_.push_back(std::move(fn));
    return;
  }
  absl::Status status = Write(std::move(fn));
  if (!status.ok()) {
    log::Warn("fake_store_async_write_failed", {{"status", status.ToString()}});
  }
}

absl::StatusOr<BackupInfo> FakeStore::Backup(const std::string& dest_path) {
  if (dest_path.empty()) {
    return absl::InvalidArgumentError("the backup path is empty");
  }
  std::shared_ptr<const State> snapshot = Snapshot();
  absl::MutexLock lock(&mu_);
  if (!backup_failure_.ok()) return backup_failure_;
  if (backups_.count(dest_path) > 0) {
    return absl::AlreadyExistsError("a file already exists at " + dest_path);
  }
  backups_[dest_path] = snapshot;
  BackupInfo info;
  info.size_bytes = SerializedSize(*snapshot);
  info.change_seq = snapshot->last_change_seq;
  return info;
}

void FakeStore::SetBackupFailure(absl::Status status) {
  absl::MutexLock lock(&mu_);
  backup_failure_ = std::move(status);
}

std::shared_ptr<const FakeStore::State> FakeStore::backup(
    const std::string& path) const {
  absl::MutexLock lock(&mu_);
  auto it = backups_.find(path);
  return it == backups_.end() ? nullptr : it->second;
}

void FakeStore::SetWriteFailure(absl::Status status) {
  absl::MutexLock lock(&mu_);
  write_failure_ = std::move(status);
}

std::vector<rehab::v1::AuditEvent> FakeStore::audit_events() const {
  return Snapshot()->audit;
}

std::vector<FakeStore::Change> FakeStore::changes() const {
  return Snapshot()->changes;
}

std::vector<FakeStore::Exit> FakeStore::exits() const {
  return Snapshot()->exits;
}

std::vector<TokenRecord> FakeStore::tokens() const {
  std::vector<TokenRecord> out;
  for (const auto& [hash, token] : Snapshot()->tokens) out.push_back(token);
  return out;
}

int64_t FakeStore::commit_count() const {
  absl::MutexLock lock(&mu_);
  return commit_count_;
}

}  // namespace rehab
