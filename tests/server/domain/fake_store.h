// An in-memory Store for domain tests: every ReadTxn/WriteTxn method over
// ordered maps, with the semantics the SQLite store gives them.
//
//   FakeStore store;
//   ASSERT_TRUE(store.Write([&](WriteTxn& txn) {
//     return txn.PutArea(county);
//   }).ok());
//
// Semantics:
//   - Read runs against the last committed state (a snapshot; later writes
//     do not show through).
//   - Write runs its function on a private copy of the state and publishes
//     the copy only when the function returns OK, so a failing function
//     leaves nothing behind. Writes are serialised.
//   - WriteAsync runs the function synchronously as a Write, and logs a
//     failure; when called from inside a Write's function on the same
//     thread it runs right after that Write finishes.
//   - Put* stamp `change_seq` from one counter and append to the change
//     feed (see changes()). Unique keys are enforced as the schema does:
//     area code, account username, patient ID number and card number, one
//     open enrollment per patient and program (ALREADY_EXISTS, with the
//     reasons the SQLite store gives; a patient that collides on both of
//     its keys hears of the ID number). References are checked as its
//     foreign keys are (FAILED_PRECONDITION): an area's parent, a
//     facility's area, a practitioner's facility, a patient's area and
//     (when set) facility, an enrollment's patient, a token's account, a
//     grant's account and patient, a contract's patient and doctor, a
//     visit's contract and the visit it amends or voids, a follow-up's
//     patient and contract, an alert's patient. One break-glass grant per
//     account and patient (a new one replaces it); grants are listed by
//     patient id.
//   - Contracts: one ACTIVE contract per patient (FAILED_PRECONDITION with
//     reason CONTRACT_ALREADY_ACTIVE); `fulfilment` is not stored, and reads
//     fill fulfilment.visits_delivered (the contract's visits neither
//     superseded nor voids) and nothing else of it: last_visit_date is left
//     empty (a date needs the county's zone, which the store does not know).
//   - Visits are inserted only (ALREADY_EXISTS, reason ALREADY_EXISTS, for
//     a stored id). A visit that amends or voids another marks that one
//     superseded (reads fill superseded_by_id; its feed entry becomes a
//     tombstone). A visit hangs on its patient_id, or on its contract's
//     patient when it carries none (a void).
//   - Follow-ups are keyed by patient id; the fields the domain computes on
//     reads (overdue, missed_visits, lost_to_follow_up, days_overdue) are
//     not stored. RemoveFollowUp tombstones the feed entry.
//   - Alerts: one per finding (kind, source_id, finding_date), ALREADY_EXISTS
//     (reason ALREADY_EXISTS) for a second.
//   - Backup keeps a snapshot of the committed state in memory under the
//     path (no file is written; see backup()). A path backed up to before
//     is ALREADY_EXISTS; any other non-empty path is accepted. size_bytes
//     is the serialized size of the records; change_seq the last one.
//   - PatientScope is applied in ListPatients, PatientInScope,
//     ListEnrollments, ListContracts, ListVisits, ListFollowUps, ListAlerts
//     and ListFeed: kAll everything; kNone nothing; kAreaSubtree the
//     patients whose area's code starts with `area_code` (an empty code
//     matches nothing); kFacility home facility `facility_id`; kPatients
//     exactly `patient_ids`; kPractitioner the patients whose ACTIVE
//     contract's doctor is `practitioner_id` (non-empty) or, when `team` is
//     not empty, whose ACTIVE contract's team is `team`.
//   - The feed: changes() logs every position a record took (a Put, a
//     TouchFeed or VoidInFeed, a move with its patient); ListFeed shows each
//     record once, at its latest position, when its patient lies in the
//     scope now. Only records bound to a patient (patients, enrollments,
//     contracts, visits, follow_ups, alerts) are in the feed. A patient's
//     placement is its area code, its home facility and its ACTIVE
//     contract's doctor and team. When PutPatient changes an existing
//     patient's area code or home facility, or PutContract changes who
//     holds the patient's ACTIVE contract (doctor or team, or none any
//     more, or one where there was none), the patient and every record
//     whose feed position names it as their patient get an exit (see
//     exits(), each at its own change_seq, holding the old placement), and
//     those records other than the one just Put move to new positions.
//     ListFeed shows a record's latest exit whose old placement lies in the
//     scope as kRemovedFromScope, unless its patient lies in the scope
//     now.
//   - Nested runs its function on a copy of the transaction's state and
//     keeps the copy only when the function returns OK.
//   - PutAppliedMutation is ALREADY_EXISTS (reason ALREADY_EXISTS) for a
//     stored mutation id; PruneAppliedMutations deletes the oldest by
//     apply_time first (ties by mutation id).
//
// Thread-safe.
#ifndef REHAB_TESTS_SERVER_DOMAIN_FAKE_STORE_H_
#define REHAB_TESTS_SERVER_DOMAIN_FAKE_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/domain/store.h"

namespace rehab {

class FakeStore final : public Store {
 public:
  // One position a record took in the change feed.
  struct Change {
    int64_t change_seq = 0;
    std::string collection;  // "areas", "facilities", "practitioners",
                             // "accounts", "patients", "enrollments",
                             // "contracts", "visits", "follow_ups",
                             // "alerts"
    std::string id;
    FeedEntry::Kind kind = FeedEntry::Kind::kUpsert;  // or kTombstone
    std::string patient_id;  // empty for records bound to no patient
  };

  // A record leaving its patient's old placement (see the feed above).
  struct Exit {
    int64_t change_seq = 0;
    std::string collection;
    std::string id;
    std::string patient_id;
    std::string old_area_code;
    std::string old_facility_id;  // empty: none
    // The holder of the patient's ACTIVE contract; empty: none.
    std::string old_doctor_id;
    std::string old_team;
  };

  // Everything the store holds. Public so that the transactions (in the
  // .cc) can work on it; tests read it through the accessors below.
  struct State {
    std::map<std::string, rehab::v1::Area> areas;  // by id
    std::map<std::string, rehab::v1::Facility> facilities;
    std::map<std::string, rehab::v1::Practitioner> practitioners;
    std::map<std::string, rehab::v1::Account> accounts;
    std::map<std::string, std::string> password_hashes;  // by account id
    std::map<std::string, TokenRecord> tokens;           // by token hash
    // By account id and patient id.
    std::map<std::pair<std::string, std::string>, BreakGlassGrant> grants;
    std::map<std::string, rehab::v1::Patient> patients;
    std::map<std::string, rehab::v1::Enrollment> enrollments;
    // Unique keys, each mapped to the id of the one record holding it, so
    // that a Put or a lookup by key need not scan every record. The Put*
    // methods keep them in step with `patients` and `enrollments`.
    std::map<std::string, std::string> patient_by_id_number;
    std::map<std::string, std::string> patient_by_card_number;  // non-empty
    // The open enrollment (IsOpenEnrollmentStatus) by patient id and
    // program.
    std::map<std::pair<std::string, rehab::v1::Program>, std::string>
        open_enrollment;
    std::map<std::string, rehab::v1::Contract> contracts;  // no fulfilment
    std::map<std::string, std::string> active_contract;    // by patient id
    // Without superseded_by_id, which `superseded_by` holds.
    std::map<std::string, rehab::v1::Visit> visits;
    // The visit that amended or voided it, by visit id.
    std::map<std::string, std::string> superseded_by;
    std::map<std::string, rehab::v1::FollowUp> follow_ups;  // by patient id
    std::map<std::string, rehab::v1::Alert> alerts;         // by id
    // The alert of each finding: (kind, source_id, finding_date) -> id.
    std::map<std::tuple<rehab::v1::AlertKind, std::string, std::string>,
             std::string>
        alert_by_finding;
    std::vector<rehab::v1::AuditEvent> audit;  // seq ascending
    std::vector<Change> changes;               // change_seq ascending
    std::vector<Exit> exits;                   // change_seq ascending
    std::map<std::string, AppliedMutation> applied_mutations;  // by id
    std::map<std::string, std::string> secrets;                // by name
    int64_t last_change_seq = 0;
    int64_t last_audit_seq = 0;
  };

  FakeStore();
  ~FakeStore() override;

  absl::Status Read(const std::function<absl::Status(ReadTxn&)>& fn) override;
  absl::Status Write(std::function<absl::Status(WriteTxn&)> fn) override;
  void WriteAsync(std::function<absl::Status(WriteTxn&)> fn) override;
  absl::StatusOr<BackupInfo> Backup(const std::string& dest_path) override;

  // Fault injection: while `status` is not OK, Write and WriteAsync fail
  // with it without running their function (as a full write queue or a
  // shutting-down store would).
  void SetWriteFailure(absl::Status status);
  // Fault injection: while `status` is not OK, Backup fails with it (as a
  // missing directory or a full disk would).
  void SetBackupFailure(absl::Status status);

  // The state a Backup to `path` saved; null when none was made.
  std::shared_ptr<const State> backup(const std::string& path) const;

  // The committed audit trail, seq ascending.
  std::vector<rehab::v1::AuditEvent> audit_events() const;
  // Every position records took in the committed change feed,
  // change_seq ascending.
  std::vector<Change> changes() const;
  // The committed exits, change_seq ascending.
  std::vector<Exit> exits() const;
  // Every committed token (tests check what is stored, e.g. no plain
  // tokens).
  std::vector<TokenRecord> tokens() const;
  // Number of committed writes so far (each successful Write or WriteAsync).
  int64_t commit_count() const;

 private:
  std::shared_ptr<const State> Snapshot() const;

  // Serialises writers; held while a write function runs.
  absl::Mutex write_mu_;
  // Guards the published snapshot and the counters.
  mutable absl::Mutex mu_;
  std::shared_ptr<const State> state_ ABSL_GUARDED_BY(mu_);
  absl::Status write_failure_ ABSL_GUARDED_BY(mu_);
  int64_t commit_count_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status backup_failure_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<const State>> backups_
      ABSL_GUARDED_BY(mu_);
  // WriteAsync calls made from inside a write function, run after it.
  std::vector<std::function<absl::Status(WriteTxn&)>> deferred_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace rehab

#endif  // REHAB_TESTS_SERVER_DOMAIN_FAKE_STORE_H_
