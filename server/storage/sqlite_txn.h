// The repositories of server/domain/store.h on one SQLite connection: every
// ReadTxn and WriteTxn method as SQL. The same class serves the readers
// (bound to a read-only connection, used through ReadTxn) and the writer
// (bound to the write connection). The caller owns the transaction around
// it (SqliteStore::Read and the WriteQueue); this class only runs
// statements.
//
// Storage rules beyond store.h:
//   - Put* write the body and its index columns in one upsert by id, stamp
//     `change_seq` from the counter in `meta`, and move the record to the
//     end of the change feed (one row per record in `changes`).
//   - A facility's and a patient's area code is copied from its area at Put
//     time (for subtree queries), so the area must exist: FAILED_PRECONDITION
//     otherwise. References to other records (facility, patient, account)
//     are foreign keys: a missing one is FAILED_PRECONDITION too. Changing
//     an area's code rewrites the copies.
//   - Contracts, visits, follow-ups and alerts name their patient (and a
//     visit or follow-up its contract) by foreign key; a missing one is
//     INVALID_ARGUMENT naming the field (e.g. "contract.patient_id"), as is
//     a visit whose patient is not its contract's, a follow-up whose id is
//     not its patient's, and a stored contract put with another patient.
//   - Unique keys: area code, account username (ALREADY_EXISTS, reason
//     ALREADY_EXISTS); patient ID number (ALREADY_EXISTS, reason
//     DUPLICATE_ID_NUMBER) and card number (reason ALREADY_EXISTS); one
//     open enrollment per patient and program (ALREADY_EXISTS, reason
//     ENROLLMENT_ALREADY_OPEN); one ACTIVE contract per patient
//     (FAILED_PRECONDITION, reason CONTRACT_ALREADY_ACTIVE); a visit id
//     (PutVisit only inserts: ALREADY_EXISTS, reason ALREADY_EXISTS); one
//     alert per (kind, source_id, finding_date) (ALREADY_EXISTS, reason
//     ALREADY_EXISTS).
//   - A visit supersedes (amends or voids) one stored visit at most once:
//     naming a visit that is not stored is INVALID_ARGUMENT, one already
//     superseded FAILED_PRECONDITION. A contract's delivered visits are
//     counted on every PutVisit; the date of the latest one is not kept
//     (dates are in county time, which storage does not know): it is the
//     first of ListVisits by contract.
//   - PatientScope: kAll everything; kNone nothing (no query runs);
//     kAreaSubtree patients whose area code starts with `area_code` (an
//     empty code matches nothing); kFacility home facility `facility_id`;
//     kPatients exactly `patient_ids`; kPractitioner patients with an
//     ACTIVE contract whose doctor is `practitioner_id` or, when `team` is
//     not empty, whose team is `team` (an empty practitioner_id matches
//     nothing). Contracts, visits, follow-ups and alerts are in a scope
//     when their patient is.
//   - Prefix filters (area code, name) are exact, case-sensitive byte
//     prefixes; '%' and '_' have no special meaning.
//   - A list whose limit is 0 or less is empty.
//   - One break-glass grant per account and patient: a new grant replaces
//     the old one. Audit time filters are [start_time, end_time).
//   - The feed: `changes` holds each record once, at its latest position,
//     with the patient it hangs on (a patient's own id for a patient; none
//     for areas, facilities, practitioners and accounts, which the feed
//     never lists). A patient's placement is its area code, its home
//     facility and the doctor and team of its ACTIVE contract. When
//     PutPatient changes a stored patient's area code or home facility, or
//     PutContract changes the doctor or team of the patient's ACTIVE
//     contract (or gives it one, or leaves it none), the patient and each
//     record hanging on it (the collections listed in kPatientBound in the
//     .cc: enrollments, contracts, visits, follow-ups, removed ones too,
//     and alerts) get a row in `feed_exits` holding the whole placement
//     left, and those records move to new positions (the Put's own record
//     has one already); each exit and each position has its own
//     change_seq. ListFeed shows a record's latest exit from a placement in
//     the scope (kRemovedFromScope) unless its patient lies in the scope
//     now; kAreaSubtree, kFacility and kPractitioner scopes can be left.
//     RemoveFollowUp tombstones the follow-up's entry. TouchFeed and
//     VoidInFeed are NOT_FOUND for a record with no feed entry.
//   - Nested is a savepoint inside the writer's transaction (and inside the
//     write queue's savepoint for the job; SQLite resolves each to the
//     innermost).
//   - PutAppliedMutation of a stored mutation id is ALREADY_EXISTS (reason
//     ALREADY_EXISTS); PruneAppliedMutations deletes the oldest by
//     apply_time first (ties by mutation id).
//
// Not thread-safe: used by the thread that holds its connection.
#ifndef REHAB_SERVER_STORAGE_SQLITE_TXN_H_
#define REHAB_SERVER_STORAGE_SQLITE_TXN_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/domain/store.h"
#include "server/storage/connection.h"

namespace rehab::storage {

class SqliteTxn final : public WriteTxn {
 public:
  // `connection` must outlive this object.
  explicit SqliteTxn(Connection* connection) : connection_(connection) {}

  absl::StatusOr<std::optional<rehab::v1::Area>> GetArea(
      const std::string& id) override;
  absl::StatusOr<std::optional<rehab::v1::Area>> GetAreaByCode(
      const std::string& code) override;
  absl::StatusOr<std::vector<rehab::v1::Area>> ListAreas(
      const AreaQuery& query) override;

  absl::StatusOr<std::optional<rehab::v1::Facility>> GetFacility(
      const std::string& id) override;
  absl::StatusOr<std::vector<rehab::v1::Facility>> ListFacilities(
      const FacilityQuery& query) override;

  absl::StatusOr<std::optional<rehab::v1::Practitioner>> GetPractitioner(
      const std::string& id) override;
  absl::StatusOr<std::vector<rehab::v1::Practitioner>> ListPractitioners(
      const PractitionerQuery& query) override;

  absl::StatusOr<std::optional<rehab::v1::Account>> GetAccount(
      const std::string& id) override;
  absl::StatusOr<std::optional<rehab::v1::Account>> GetAccountByUsername(
      const std::string& username) override;
  absl::StatusOr<std::vector<rehab::v1::Account>> ListAccounts(
      const AccountQuery& query) override;
  absl::StatusOr<std::optional<std::string>> GetPasswordHash(
      const std::string& account_id) override;

  absl::StatusOr<std::optional<TokenRecord>> GetToken(
      const std::string& token_hash) override;
  absl::StatusOr<std::vector<BreakGlassGrant>> ListBreakGlassGrants(
      const std::string& account_id, absl::Time now) override;

  absl::StatusOr<std::optional<rehab::v1::Patient>> GetPatient(
      const std::string& id) override;
  absl::StatusOr<std::optional<rehab::v1::Patient>> GetPatientByIdNumber(
      const std::string& id_number) override;
  absl::StatusOr<std::optional<rehab::v1::Patient>> GetPatientByCardNumber(
      const std::string& card_number) override;
  absl::StatusOr<std::vector<rehab::v1::Patient>> ListPatients(
      const PatientQuery& query) override;
  absl::StatusOr<bool> PatientInScope(const std::string& patient_id,
                                      const PatientScope& scope) override;
  absl::StatusOr<int64_t> CountPatients() override;

  absl::StatusOr<std::optional<rehab::v1::Enrollment>> GetEnrollment(
      const std::string& id) override;
  absl::StatusOr<std::optional<rehab::v1::Enrollment>> GetOpenEnrollment(
      const std::string& patient_id, rehab::v1::Program program) override;
  absl::StatusOr<std::vector<rehab::v1::Enrollment>> ListEnrollments(
      const EnrollmentQuery& query) override;

  absl::StatusOr<std::vector<rehab::v1::AuditEvent>> ListAuditEvents(
      const AuditQuery& query) override;

  absl::StatusOr<std::optional<rehab::v1::Contract>> GetContract(
      const std::string& id) override;
  absl::StatusOr<std::optional<rehab::v1::Contract>> GetActiveContract(
      const std::string& patient_id) override;
  absl::StatusOr<std::vector<rehab::v1::Contract>> ListContracts(
      const ContractQuery& query) override;
  absl::StatusOr<std::optional<rehab::v1::Visit>> GetVisit(
      const std::string& id) override;
  absl::StatusOr<std::vector<rehab::v1::Visit>> ListVisits(
      const VisitQuery& query) override;
  absl::StatusOr<std::optional<rehab::v1::FollowUp>> GetFollowUp(
      const std::string& patient_id) override;
  absl::StatusOr<std::vector<rehab::v1::FollowUp>> ListFollowUps(
      const FollowUpQuery& query) override;
  absl::StatusOr<std::optional<rehab::v1::Alert>> GetAlert(
      const std::string& id) override;
  absl::StatusOr<std::optional<rehab::v1::Alert>> FindAlert(
      rehab::v1::AlertKind kind, const std::string& source_id,
      const std::string& finding_date) override;
  absl::StatusOr<std::vector<rehab::v1::Alert>> ListAlerts(
      const AlertQuery& query) override;

  absl::Status PutArea(rehab::v1::Area& area) override;
  absl::Status PutFacility(rehab::v1::Facility& facility) override;
  absl::Status PutPractitioner(rehab::v1::Practitioner& p) override;
  absl::Status PutAccount(
      rehab::v1::Account& account,
      const std::optional<std::string>& password_hash) override;
  absl::Status PutPatient(rehab::v1::Patient& patient) override;
  absl::Status PutEnrollment(rehab::v1::Enrollment& enrollment) override;
  absl::Status PutContract(rehab::v1::Contract& contract) override;
  absl::Status PutVisit(rehab::v1::Visit& visit) override;
  absl::Status PutFollowUp(rehab::v1::FollowUp& follow_up) override;
  absl::Status RemoveFollowUp(const std::string& patient_id) override;
  absl::Status PutAlert(rehab::v1::Alert& alert) override;

  absl::Status PutToken(const TokenRecord& token) override;
  absl::Status RevokeTokenFamily(const std::string& family_id) override;
  absl::Status RevokeAccountTokens(const std::string& account_id) override;
  absl::Status PutBreakGlassGrant(const BreakGlassGrant& grant) override;

  absl::Status AppendAudit(rehab::v1::AuditEvent& event) override;

  absl::StatusOr<std::vector<FeedEntry>> ListFeed(
      const FeedQuery& query) override;
  absl::StatusOr<int64_t> LastChangeSeq() override;
  absl::StatusOr<std::optional<AppliedMutation>> GetAppliedMutation(
      const std::string& mutation_id) override;
  absl::StatusOr<std::optional<std::string>> GetSecret(
      const std::string& name) override;

  absl::Status Nested(
      const std::function<absl::Status(WriteTxn&)>& fn) override;
  absl::Status TouchFeed(const std::string& collection,
                         const std::string& record_id) override;
  absl::Status VoidInFeed(const std::string& collection,
                          const std::string& record_id) override;
  absl::Status PutAppliedMutation(const AppliedMutation& m) override;
  absl::StatusOr<int64_t> PruneAppliedMutations(absl::Time before,
                                                int32_t limit) override;
  absl::StatusOr<std::string> PutSecretIfAbsent(
      const std::string& name, const std::string& value) override;

  // True when a write through this object since the last call changed
  // something authentication reads (an account, a token, a break-glass
  // grant or an area), whether or not it was kept; clears the mark. Every
  // write method touching those tables must set it: the credentials cache
  // (AuthManager) is only as exact as this mark.
  bool TakeCredentialsWritten();

 private:
  // Where a patient stands for the scopes that can lose it: its area and
  // home facility, and the doctor and team of its ACTIVE contract (empty
  // when it has none).
  struct Placement {
    std::string area_code;
    std::string facility_id;  // empty: none
    std::string contract_id;  // the ACTIVE contract; empty: none
    std::string doctor_id;
    std::string team;
  };

  // Stamps `record` with the next change_seq, writes it with `upsert_sql`
  // (the common columns bound here, the record's own by `bind_rest`, which
  // returns how many it bound, then the body) and moves it to the end of
  // the change feed under `collection`. On failure the record's change_seq
  // is restored and the status is the raw one (see Explain in the .cc).
  template <typename Record, typename BindRest>
  absl::Status PutRecord(const char* upsert_sql, const char* collection,
                         Record& record, const std::string& patient_id,
                         BindRest bind_rest);
  // The change_seq the next change gets (the counter moves in
  // RecordChange, so a failed write hands out nothing).
  absl::StatusOr<int64_t> NextChangeSeq();
  // Sets the counter to `change_seq`, the last value handed out.
  absl::Status SetChangeSeq(int64_t change_seq);
  // Advances the counter to `change_seq` and moves (`collection`, `id`) to
  // that position of the feed.
  absl::Status RecordChange(const char* collection, const std::string& id,
                            int64_t change_seq, const std::string& patient_id);
  // Moves the feed entry of (`collection`, `id`) to `change_seq`, as `kind`
  // when given; the counter is the caller's. NOT_FOUND when it has none.
  absl::Status MoveChange(int64_t change_seq, const char* collection,
                          const std::string& id, std::optional<int64_t> kind);
  // Moves the entry to the next change_seq (TouchFeed, VoidInFeed).
  absl::Status MoveInFeed(const char* collection, const std::string& id,
                          std::optional<int64_t> kind);
  // The placement of patient `patient_id`; nullopt when it is not stored.
  absl::StatusOr<std::optional<Placement>> PlacementOf(
      const std::string& patient_id);
  // After the Put of (`put_collection`, `put_id`) that took patient
  // `patient_id` out of the placement `left`: an exit keeping `left` for
  // the patient and each record hanging on it, and new positions for those
  // records (the Put gave its own record one).
  absl::Status MoveWithPatient(const std::string& patient_id,
                               const Placement& left,
                               const char* put_collection,
                               const std::string& put_id);
  // Recomputes the delivered visits of contract `contract_id`.
  absl::Status RecountDelivered(const std::string& contract_id);
  // The code of area `area_id`; FAILED_PRECONDITION when there is none.
  absl::StatusOr<std::string> AreaCodeOf(const std::string& area_id,
                                         const char* field);

  Connection* const connection_;
  // Reused for every serialised body, so a writer allocates once.
  std::string body_;
  bool credentials_written_ = false;
};

}  // namespace rehab::storage

#endif  // REHAB_SERVER_STORAGE_SQLITE_TXN_H_
