// The repository interfaces of the domain: what the rules need to read and
// write, and nothing about how (server/storage implements them on SQLite;
// tests may implement them in memory).
//
// All work happens inside a transaction:
//   - Store::Read runs a function against a consistent snapshot.
//   - Store::Write runs a function inside the single writer's transaction.
//     Writes from concurrent callers are committed together (group commit);
//     Write returns only after the group is durable. If the function returns
//     an error, everything it wrote is rolled back and nothing else in the
//     group is affected; the error is returned.
//
// Record bodies are the generated protobuf messages. Put* stores the whole
// message as given (the domain sets version, times and author before), and
// stamps `change_seq` from the one change counter, appending the record to
// the change feed in the same transaction.
#ifndef REHAB_SERVER_DOMAIN_STORE_H_
#define REHAB_SERVER_DOMAIN_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "rehab/v1/admin.pb.h"
#include "rehab/v1/contract.pb.h"
#include "rehab/v1/directory.pb.h"
#include "rehab/v1/patient.pb.h"
#include "rehab/v1/report.pb.h"

namespace rehab {

// Which patients a query may return: the access policy's answer, applied by
// storage in the query itself (so that lists, counts and pages never include
// a patient outside it).
struct PatientScope {
  enum class Kind {
    kAll,          // administrators
    kNone,         // roles that list no patients
    kAreaSubtree,  // supervisors: patients whose area code starts with
                   // `area_code`
    kFacility,     // facility staff and kiosks: home facility `facility_id`
    kPatients,     // patients and guardians: exactly `patient_ids`
    kPractitioner  // family doctors: patients with an ACTIVE contract
                   // whose doctor is `practitioner_id`, or whose team is
                   // `team` when `team` is not empty
  };
  Kind kind = Kind::kNone;
  std::string area_code;
  std::string facility_id;
  std::vector<std::string> patient_ids;
  std::string practitioner_id;
  std::string team;
};

// Keyset pagination: rows strictly after `after` in the list's order, at most
// `limit` of them (the caller asks for one more than the page to learn
// whether another page follows).
struct PatientQuery {
  PatientScope scope;
  std::string area_code_prefix;  // empty: any area
  rehab::v1::DisabilityCategory category =
      rehab::v1::DISABILITY_CATEGORY_UNSPECIFIED;
  int32_t grade = 0;                                            // 0: any
  rehab::v1::Program program = rehab::v1::PROGRAM_UNSPECIFIED;  // open enr.
  std::string name_prefix;
  std::string facility_id;
  std::string after_id;  // order: id ascending
  int32_t limit = 100;
};

struct EnrollmentQuery {
  PatientScope scope;
  std::string patient_id;  // empty: any
  rehab::v1::Program program = rehab::v1::PROGRAM_UNSPECIFIED;
  bool open_only = false;
  std::string after_id;  // order: id ascending
  int32_t limit = 100;
};

// Contracts in `scope` (their patient's), matching every filter given.
struct ContractQuery {
  PatientScope scope;
  std::string patient_id;
  std::string doctor_id;
  std::string area_code_prefix;  // the patient's area
  rehab::v1::ContractStatus status = rehab::v1::CONTRACT_STATUS_UNSPECIFIED;
  // Contracts whose end_date <= this date (YYYY-MM-DD); empty: any.
  std::string end_date_until;
  std::string after_id;  // order: id ascending
  int32_t limit = 100;
};

// Visits in `scope`, newest start first.
struct VisitQuery {
  PatientScope scope;
  std::string patient_id;
  std::string contract_id;
  std::string doctor_id;
  std::optional<absl::Time> start_from;    // start_time >= this
  std::optional<absl::Time> start_before;  // start_time < this
  // false: only visits neither amended nor voided, and no voids.
  bool include_superseded = false;
  // Keyset: rows after (after_start_time, after_id) in the order
  // start_time descending, id descending; empty after_id: from the first.
  absl::Time after_start_time;
  std::string after_id;
  int32_t limit = 100;
};

// Follow-ups in `scope` (one per patient with an ACTIVE contract), most
// urgent first: due_date ascending, then patient id ascending.
struct FollowUpQuery {
  PatientScope scope;
  std::string doctor_id;         // the contract's doctor
  std::string area_code_prefix;  // the patient's area
  std::string due_until;         // due_date <= this (YYYY-MM-DD); empty: any
  std::string after_due_date;    // keyset: rows after (after_due_date,
  std::string after_patient_id;  // after_patient_id); empty: from the first
  int32_t limit = 100;
};

// Alerts in `scope`, newest first.
struct AlertQuery {
  PatientScope scope;
  std::string patient_id;
  std::string doctor_id;
  std::string area_code_prefix;  // the patient's area now
  rehab::v1::AlertKind kind = rehab::v1::ALERT_KIND_UNSPECIFIED;
  rehab::v1::AlertState state = rehab::v1::ALERT_STATE_UNSPECIFIED;
  // Keyset: rows after (before_create_time, before_id) in the order
  // create_time descending, id descending; empty before_id: from the first.
  absl::Time before_create_time;
  std::string before_id;
  int32_t limit = 100;
};

struct AreaQuery {
  std::string parent_id;   // empty: any
  std::string after_code;  // order: code ascending
  int32_t limit = 100;
};

struct FacilityQuery {
  std::string area_code_prefix;  // empty: any
  rehab::v1::FacilityType type = rehab::v1::FACILITY_TYPE_UNSPECIFIED;
  std::string after_id;  // order: id ascending
  int32_t limit = 100;
};

struct PractitionerQuery {
  std::string facility_id;
  rehab::v1::PractitionerKind kind = rehab::v1::PRACTITIONER_KIND_UNSPECIFIED;
  std::string team;
  std::string after_id;  // order: id ascending
  int32_t limit = 100;
};

struct AccountQuery {
  rehab::v1::Role role = rehab::v1::ROLE_UNSPECIFIED;
  std::string scope_id;
  std::string after_username;  // order: username ascending
  int32_t limit = 100;
};

struct AuditQuery {
  std::string patient_id;
  std::string account_id;
  std::optional<absl::Time> start_time;
  std::optional<absl::Time> end_time;
  int64_t before_seq = 0;  // 0: from the newest; order: seq descending
  int32_t limit = 100;
};

// A stored token: only the hash of the token is kept.
struct TokenRecord {
  enum class Kind { kAccess = 1, kRefresh = 2 };
  std::string token_hash;  // raw bytes of the hash
  Kind kind = Kind::kAccess;
  std::string account_id;
  // Both tokens issued by one login or refresh share a family id, so that
  // logout revokes the pair.
  std::string family_id;
  std::string device_id;
  absl::Time issue_time;
  absl::Time expire_time;
  bool revoked = false;
};

// A break-glass grant: `account_id` may see `patient_id` until expire_time.
struct BreakGlassGrant {
  std::string account_id;
  std::string patient_id;
  std::string reason;
  absl::Time expire_time;
};

// One entry of the change feed as a caller sees it (SyncService.Pull).
// Storage answers which records changed, in `change_seq` order; the domain
// reads the records and applies the access policy's views.
struct FeedEntry {
  enum class Kind {
    kUpsert = 1,           // the record as it is now
    kTombstone = 2,        // the record was voided
    kRemovedFromScope = 3  // the record left the scope
  };
  int64_t change_seq = 0;
  Kind kind = Kind::kUpsert;
  std::string collection;  // "patients", "enrollments", ...
  std::string record_id;
  std::string patient_id;  // the patient the record hangs on
};

// Keyset pagination over the feed: entries with change_seq > after_seq
// whose patient lies in `scope` now (kUpsert, kTombstone), or lay in it
// before a move that took it out and does not lie in it now
// (kRemovedFromScope), at most `limit` of them, in change_seq order.
struct FeedQuery {
  PatientScope scope;
  int64_t after_seq = 0;
  int32_t limit = 500;
};

// A mutation applied through SyncService.Push, kept for the idempotency
// horizon so that a retry is answered with the stored result.
struct AppliedMutation {
  std::string mutation_id;
  std::string account_id;
  // SHA-256 of the payload (record with server fields cleared, plus
  // base_version), raw bytes.
  std::string payload_hash;
  std::string collection;
  std::string record_id;
  int64_t version = 0;
  int64_t change_seq = 0;
  absl::Time apply_time;
};

// What Store::Backup wrote.
struct BackupInfo {
  int64_t size_bytes = 0;  // of the finished file
  // The last change of the change feed the copy includes (0: none).
  int64_t change_seq = 0;
};

// Read access inside one transaction. Get* return nullopt when absent.
// List* return rows in the order their query names.
class ReadTxn {
 public:
  virtual ~ReadTxn() = default;

  virtual absl::StatusOr<std::optional<rehab::v1::Area>> GetArea(
      const std::string& id) = 0;
  virtual absl::StatusOr<std::optional<rehab::v1::Area>> GetAreaByCode(
      const std::string& code) = 0;
  virtual absl::StatusOr<std::vector<rehab::v1::Area>> ListAreas(
      const AreaQuery& query) = 0;

  virtual absl::StatusOr<std::optional<rehab::v1::Facility>> GetFacility(
      const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<rehab::v1::Facility>> ListFacilities(
      const FacilityQuery& query) = 0;

  virtual absl::StatusOr<std::optional<rehab::v1::Practitioner>>
  GetPractitioner(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<rehab::v1::Practitioner>>
  ListPractitioners(const PractitionerQuery& query) = 0;

  virtual absl::StatusOr<std::optional<rehab::v1::Account>> GetAccount(
      const std::string& id) = 0;
  virtual absl::StatusOr<std::optional<rehab::v1::Account>>
  GetAccountByUsername(const std::string& username) = 0;
  virtual absl::StatusOr<std::vector<rehab::v1::Account>> ListAccounts(
      const AccountQuery& query) = 0;
  // The Argon2id hash string of the account's password; nullopt for none.
  virtual absl::StatusOr<std::optional<std::string>> GetPasswordHash(
      const std::string& account_id) = 0;

  virtual absl::StatusOr<std::optional<TokenRecord>> GetToken(
      const std::string& token_hash) = 0;
  // Unexpired grants of `account_id` at `now`.
  virtual absl::StatusOr<std::vector<BreakGlassGrant>> ListBreakGlassGrants(
      const std::string& account_id, absl::Time now) = 0;

  virtual absl::StatusOr<std::optional<rehab::v1::Patient>> GetPatient(
      const std::string& id) = 0;
  virtual absl::StatusOr<std::optional<rehab::v1::Patient>>
  GetPatientByIdNumber(const std::string& id_number) = 0;
  virtual absl::StatusOr<std::optional<rehab::v1::Patient>>
  GetPatientByCardNumber(const std::string& card_number) = 0;
  // Patients matching `query`, inside `query.scope`.
  virtual absl::StatusOr<std::vector<rehab::v1::Patient>> ListPatients(
      const PatientQuery& query) = 0;
  // True when `patient_id` lies in `scope` (the single-record form of the
  // same rule ListPatients applies).
  virtual absl::StatusOr<bool> PatientInScope(const std::string& patient_id,
                                              const PatientScope& scope) = 0;
  // Counts patients in total (demo seeding checks for an empty registry).
  virtual absl::StatusOr<int64_t> CountPatients() = 0;

  virtual absl::StatusOr<std::optional<rehab::v1::Enrollment>> GetEnrollment(
      const std::string& id) = 0;
  // The open enrollment of `patient_id` in `program`, if any.
  virtual absl::StatusOr<std::optional<rehab::v1::Enrollment>>
  GetOpenEnrollment(const std::string& patient_id,
                    rehab::v1::Program program) = 0;
  virtual absl::StatusOr<std::vector<rehab::v1::Enrollment>> ListEnrollments(
      const EnrollmentQuery& query) = 0;

  virtual absl::StatusOr<std::vector<rehab::v1::AuditEvent>> ListAuditEvents(
      const AuditQuery& query) = 0;

  // --- Contracts, visits, follow-ups, alerts --------------------------------
  // Contracts come back with fulfilment.visits_delivered and
  // fulfilment.last_visit_time (the start of the latest of those visits;
  // unset when none) filled from the aggregate PutVisit keeps; the rest of
  // `fulfilment` is the domain's to compute.
  virtual absl::StatusOr<std::optional<rehab::v1::Contract>> GetContract(
      const std::string& id) = 0;
  // The patient's ACTIVE contract, if any.
  virtual absl::StatusOr<std::optional<rehab::v1::Contract>> GetActiveContract(
      const std::string& patient_id) = 0;
  virtual absl::StatusOr<std::vector<rehab::v1::Contract>> ListContracts(
      const ContractQuery& query) = 0;

  // Visits come back with superseded_by_id filled.
  virtual absl::StatusOr<std::optional<rehab::v1::Visit>> GetVisit(
      const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<rehab::v1::Visit>> ListVisits(
      const VisitQuery& query) = 0;

  // By patient id (a follow-up's id is its patient's).
  virtual absl::StatusOr<std::optional<rehab::v1::FollowUp>> GetFollowUp(
      const std::string& patient_id) = 0;
  virtual absl::StatusOr<std::vector<rehab::v1::FollowUp>> ListFollowUps(
      const FollowUpQuery& query) = 0;

  virtual absl::StatusOr<std::optional<rehab::v1::Alert>> GetAlert(
      const std::string& id) = 0;
  // The alert raised for this finding (kind, source_id, finding_date), if
  // any: one alert per finding.
  virtual absl::StatusOr<std::optional<rehab::v1::Alert>> FindAlert(
      rehab::v1::AlertKind kind, const std::string& source_id,
      const std::string& finding_date) = 0;
  virtual absl::StatusOr<std::vector<rehab::v1::Alert>> ListAlerts(
      const AlertQuery& query) = 0;

  // --- Sync -----------------------------------------------------------------
  // The change feed in `query.scope` (see FeedQuery). A record appears once,
  // at its latest change; a patient moving into the scope re-appears with
  // every record hanging on it at new positions, and moving out leaves one
  // kRemovedFromScope entry for it and for each of its records.
  virtual absl::StatusOr<std::vector<FeedEntry>> ListFeed(
      const FeedQuery& query) = 0;
  // The last change_seq handed out (0: none yet).
  virtual absl::StatusOr<int64_t> LastChangeSeq() = 0;
  virtual absl::StatusOr<std::optional<AppliedMutation>> GetAppliedMutation(
      const std::string& mutation_id) = 0;
  // A server secret by name (e.g. the sync token key); nullopt when absent.
  virtual absl::StatusOr<std::optional<std::string>> GetSecret(
      const std::string& name) = 0;
};

// Write access inside the writer's transaction; sees its own writes.
class WriteTxn : public ReadTxn {
 public:
  // Upsert by id; stamp `change_seq` (returned in the message) and append
  // the change to the feed.
  virtual absl::Status PutArea(rehab::v1::Area& area) = 0;
  virtual absl::Status PutFacility(rehab::v1::Facility& facility) = 0;
  virtual absl::Status PutPractitioner(rehab::v1::Practitioner& p) = 0;
  // `password_hash` replaces the stored hash when given.
  virtual absl::Status PutAccount(
      rehab::v1::Account& account,
      const std::optional<std::string>& password_hash) = 0;
  virtual absl::Status PutPatient(rehab::v1::Patient& patient) = 0;
  virtual absl::Status PutEnrollment(rehab::v1::Enrollment& enrollment) = 0;
  // Upsert by id. A second ACTIVE contract for a patient is
  // FAILED_PRECONDITION with reason CONTRACT_ALREADY_ACTIVE. When the
  // patient's ACTIVE contract changes hands (a new doctor or team, or none
  // any more), the feed tells the old holders' devices REMOVED_FROM_SCOPE
  // for the patient and every record hanging on it, and re-sends them to
  // the new ones (as for a patient's move to another area).
  // `fulfilment` is not stored.
  virtual absl::Status PutContract(rehab::v1::Contract& contract) = 0;
  // Inserts a visit (facts are never replaced: ALREADY_EXISTS when the id
  // is stored). When it amends or voids another visit, marks that one
  // superseded by it (its feed entry becomes a tombstone). Keeps the
  // contract's delivered count current: its visits that are neither
  // superseded nor voids. `superseded_by_id` is not stored.
  virtual absl::Status PutVisit(rehab::v1::Visit& visit) = 0;
  // Upsert by id (= patient_id). `overdue`, `missed_visits`,
  // `lost_to_follow_up` and `days_overdue` are the domain's to compute on
  // reads and are not stored.
  virtual absl::Status PutFollowUp(rehab::v1::FollowUp& follow_up) = 0;
  // Removes the patient's follow-up (no ACTIVE contract any more): its
  // feed entry becomes a tombstone. OK when there is none.
  virtual absl::Status RemoveFollowUp(const std::string& patient_id) = 0;
  // Upsert by id; a second alert for the same finding (kind, source_id,
  // finding_date) is ALREADY_EXISTS.
  virtual absl::Status PutAlert(rehab::v1::Alert& alert) = 0;

  virtual absl::Status PutToken(const TokenRecord& token) = 0;
  // Revokes every token of the family (logout, refresh reuse).
  virtual absl::Status RevokeTokenFamily(const std::string& family_id) = 0;
  // Revokes every token of the account (disable).
  virtual absl::Status RevokeAccountTokens(const std::string& account_id) = 0;
  virtual absl::Status PutBreakGlassGrant(const BreakGlassGrant& grant) = 0;

  // Appends to the audit trail; `event.seq` is assigned.
  virtual absl::Status AppendAudit(rehab::v1::AuditEvent& event) = 0;

  // --- Sync -----------------------------------------------------------------
  // Runs `fn` in a savepoint: when it returns an error, what it wrote is
  // rolled back and the error returned, and the rest of the transaction
  // goes on (one bad item of a Push batch never fails the others).
  virtual absl::Status Nested(
      const std::function<absl::Status(WriteTxn&)>& fn) = 0;
  // Moves the record's feed entry to a new change_seq without changing the
  // record (its view changed, e.g. a patient's psychiatric enrollment makes
  // supervisors' devices need the pseudonymised copy).
  virtual absl::Status TouchFeed(const std::string& collection,
                                 const std::string& record_id) = 0;
  // Marks a record voided: its feed entry moves to a new change_seq as a
  // tombstone.
  virtual absl::Status VoidInFeed(const std::string& collection,
                                  const std::string& record_id) = 0;
  // Inserts; ALREADY_EXISTS when the mutation id is stored.
  virtual absl::Status PutAppliedMutation(const AppliedMutation& m) = 0;
  // Deletes at most `limit` applied mutations older than `before`; returns
  // how many.
  virtual absl::StatusOr<int64_t> PruneAppliedMutations(absl::Time before,
                                                        int32_t limit) = 0;
  // Stores `value` under `name` unless a value is stored already; returns
  // the stored value either way.
  virtual absl::StatusOr<std::string> PutSecretIfAbsent(
      const std::string& name, const std::string& value) = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Runs `fn` against a consistent snapshot; returns its status.
  virtual absl::Status Read(
      const std::function<absl::Status(ReadTxn&)>& fn) = 0;

  // Runs `fn` in the writer's transaction and returns its status once the
  // transaction is durable (or `fn`'s error, with its writes rolled back).
  // RESOURCE_EXHAUSTED when the write queue is full; UNAVAILABLE when the
  // store is shutting down.
  virtual absl::Status Write(std::function<absl::Status(WriteTxn&)> fn) = 0;

  // Queues `fn` for the next group without waiting for it (audit of reads);
  // a failure is logged. Dropped, and logged, when the queue is full.
  virtual void WriteAsync(std::function<absl::Status(WriteTxn&)> fn) = 0;

  // Writes an online, consistent copy of the whole store to the new file
  // `dest_path` while reads and writes go on: the copy holds exactly what
  // was committed at one instant during the call, so every write
  // acknowledged before the call began is in it. The copy is written under
  // a temporary name beside `dest_path` and renamed to `dest_path` only
  // when complete and durable, so a crash never leaves a half file under
  // the final name (it may leave the temporary one, `dest_path` plus a
  // suffix). An existing file is never replaced.
  //
  // INVALID_ARGUMENT when `dest_path` is empty; ALREADY_EXISTS when it
  // names an existing file (also when one appears there during the copy);
  // NOT_FOUND when its directory does not exist; FAILED_PRECONDITION when
  // the file cannot be written there; RESOURCE_EXHAUSTED when the disk is
  // full; UNAVAILABLE when the store is shutting down. On any error
  // `dest_path` is left as it was.
  virtual absl::StatusOr<BackupInfo> Backup(const std::string& dest_path) = 0;
};

}  // namespace rehab

#endif  // REHAB_SERVER_DOMAIN_STORE_H_
