// Family-doctor contracts, the follow-up visits doctors log, and the
// follow-up schedule derived from them (DOMAIN.md sections 3 and 4).
//
// Every method applies the access policy: a patient outside the caller's
// scope is NOT_FOUND (never PERMISSION_DENIED) and absent from lists;
// PERMISSION_DENIED is for what the role may never do (a kiosk logging a
// visit) and for a doctor writing a visit under a contract that is not
// theirs or their team's. Each method reports the patient it touched
// through `audit_patient_id` (when not null), for the audit trail.
//
// Who may do what:
//   sign, renew, terminate: ADMIN, SUPERVISOR (patients of their subtree),
//     FAMILY_DOCTOR (as the contract's doctor or a member of its team; a
//     doctor signs new contracts with patients of their own facility's
//     area subtree, since no contract makes the patient theirs yet);
//   visits: the contract's doctor or a member of its team (ADMIN too, for
//     data entry on a doctor's behalf);
//   reads: administrators, supervisors and doctors who see the patient (a
//     doctor also the contracts they or their team hold after they end);
//     supervisors without the psychiatric identity flag get visits without
//     location and free text.
//
// Writes keep the schedule current in the same transaction: every write
// that changes a patient's ACTIVE contract or latest visit recomputes the
// patient's FollowUp (and removes it when no contract is ACTIVE); a visit
// at or above the rules' alert risk level raises an ALERT_KIND_HIGH_RISK_VISIT
// alert; a visit under psychiatric management moves the patient's open
// PSYCHIATRIC_MANAGEMENT enrollment from REGISTERED or LOST_TO_FOLLOW_UP to
// UNDER_MANAGEMENT.
#ifndef REHAB_SERVER_DOMAIN_CONTRACT_MANAGER_H_
#define REHAB_SERVER_DOMAIN_CONTRACT_MANAGER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "rehab/v1/contract.pb.h"
#include "server/common/clock.h"
#include "server/domain/caller.h"
#include "server/domain/follow_up_rules.h"
#include "server/domain/store.h"

namespace rehab {

// The change-feed collections of the records this manager keeps.
inline constexpr char kContractsCollection[] = "contracts";
inline constexpr char kVisitsCollection[] = "visits";
inline constexpr char kFollowUpsCollection[] = "follow_ups";

struct ContractManagerOptions {
  FollowUpRules rules;
  // How far ahead of the server's clock a device may date a visit.
  absl::Duration clock_skew_tolerance = absl::Minutes(10);
  // ListContracts' unserved_only threshold when the request gives none.
  double unserved_below = 0.5;
};

// A contract written inside a transaction (see CreateContractInTxn).
struct ContractWrite {
  rehab::v1::Contract contract;  // as stored
  bool created = false;          // false: an idempotent repeat of a create
};

// A visit written inside a transaction (see CreateVisitInTxn).
struct VisitWrite {
  rehab::v1::Visit visit;  // as stored
  bool created = false;    // false: an idempotent repeat of a create
};

// What one RunMaintenance pass did.
struct MaintenanceReport {
  int64_t contracts_expired = 0;
  int64_t overdue_alerts = 0;
  int64_t lost_to_follow_up = 0;  // enrollments moved to LOST_TO_FOLLOW_UP
};

// Thread-safe.
class ContractManager {
 public:
  // `county_zone` decides what "today" is and which day a visit falls on.
  ContractManager(Store* store, const Clock* clock, absl::TimeZone county_zone,
                  ContractManagerOptions options);

  // Validates (ValidateContract) and stores an ACTIVE contract. The doctor
  // must be a stored FAMILY_DOCTOR practitioner, and `team`, when given,
  // their team. Idempotent by id. A patient with an ACTIVE contract
  // already: FAILED_PRECONDITION, reason CONTRACT_ALREADY_ACTIVE (also for
  // concurrent creates: the store's writer decides). A term already over
  // (end_date before today) is INVALID_ARGUMENT.
  absl::StatusOr<rehab::v1::Contract> CreateContract(
      const Caller& caller, const rehab::v1::CreateContractRequest& request,
      std::string* audit_patient_id = nullptr);
  absl::StatusOr<rehab::v1::Contract> GetContract(
      const Caller& caller, const rehab::v1::GetContractRequest& request,
      std::string* audit_patient_id = nullptr);
  absl::StatusOr<rehab::v1::ListContractsResponse> ListContracts(
      const Caller& caller, const rehab::v1::ListContractsRequest& request,
      std::string* audit_patient_id = nullptr);
  // The old contract (ACTIVE, or EXPIRED and not yet continued) becomes
  // RENEWED and a new ACTIVE one continues it from the day after its end
  // (same patient, doctor, team; items from the request or the old ones).
  // A stale version: ABORTED (VERSION_CONFLICT). Idempotent by new_id.
  absl::StatusOr<rehab::v1::Contract> RenewContract(
      const Caller& caller, const rehab::v1::RenewContractRequest& request,
      std::string* audit_patient_id = nullptr);
  // An ACTIVE contract becomes TERMINATED as of end_date (today by
  // default; not in the future, not before the start); reason required.
  // The patient leaves the doctor's scope (and their devices' caches).
  absl::StatusOr<rehab::v1::Contract> TerminateContract(
      const Caller& caller, const rehab::v1::TerminateContractRequest& request,
      std::string* audit_patient_id = nullptr);

  // Stores a visit (a new one, an amendment or a void). Idempotent by id;
  // a repeat with other content is ALREADY_EXISTS (visits are facts). The
  // answer carries next_due_date.
  absl::StatusOr<rehab::v1::Visit> CreateVisit(
      const Caller& caller, const rehab::v1::CreateVisitRequest& request,
      std::string* audit_patient_id = nullptr);
  absl::StatusOr<rehab::v1::ListVisitsResponse> ListVisits(
      const Caller& caller, const rehab::v1::ListVisitsRequest& request,
      std::string* audit_patient_id = nullptr);
  absl::StatusOr<rehab::v1::ListDueFollowUpsResponse> ListDueFollowUps(
      const Caller& caller, const rehab::v1::ListDueFollowUpsRequest& request);

  // --- The steps of the write methods (see PatientManager) ----------------
  absl::StatusOr<rehab::v1::Contract> PrepareCreateContract(
      const Caller& caller, const rehab::v1::Contract& contract,
      absl::Time now) const;
  absl::StatusOr<ContractWrite> CreateContractInTxn(
      WriteTxn& txn, const Caller& caller, const rehab::v1::Contract& prepared,
      absl::Time now) const;
  absl::StatusOr<rehab::v1::Visit> PrepareCreateVisit(
      const Caller& caller, const rehab::v1::Visit& visit,
      absl::Time now) const;
  absl::StatusOr<VisitWrite> CreateVisitInTxn(WriteTxn& txn,
                                              const Caller& caller,
                                              const rehab::v1::Visit& prepared,
                                              absl::Time now) const;

  // --- Views for the change feed ------------------------------------------
  // The stored record as `caller` may read it (contracts with fulfilment,
  // follow-ups with their standing, as of the clock's now); nullopt when
  // absent or when the role reads no such records (see above). Scope is not
  // checked here (the feed is scoped by the store).
  static bool ReadsContracts(const Caller& caller);
  absl::StatusOr<std::optional<rehab::v1::Contract>> ReadContractAs(
      ReadTxn& txn, const Caller& caller, const std::string& id) const;
  absl::StatusOr<std::optional<rehab::v1::Visit>> ReadVisitAs(
      ReadTxn& txn, const Caller& caller, const std::string& id) const;
  absl::StatusOr<std::optional<rehab::v1::FollowUp>> ReadFollowUpAs(
      ReadTxn& txn, const Caller& caller, const std::string& patient_id) const;

  // Recomputes the patient's FollowUp from their ACTIVE contract and its
  // latest visit (removes it when no contract is ACTIVE).
  absl::Status RefreshFollowUp(WriteTxn& txn, const std::string& patient_id,
                               absl::Time now) const;

  // What time alone changes, as of `now`: ACTIVE contracts past their end
  // date become EXPIRED (the patient leaves the doctor's scope); each
  // overdue follow-up raises one ALERT_KIND_FOLLOW_UP_OVERDUE alert per
  // due date; a psychiatric patient lost to follow-up gets one
  // ALERT_KIND_LOST_TO_FOLLOW_UP alert and their open PSYCHIATRIC_MANAGEMENT
  // enrollment moves to LOST_TO_FOLLOW_UP. Safe to run at any time and as
  // often as wanted: a pass that finds nothing new writes nothing.
  absl::StatusOr<MaintenanceReport> RunMaintenance(absl::Time now);

  const FollowUpRules& rules() const { return options_.rules; }

 private:
  // The patient a new contract is signed with, if `caller` may sign it:
  // visible to them, or for a doctor signing for themselves or their team,
  // living in the area their health center serves.
  absl::StatusOr<rehab::v1::Patient> LoadSignablePatient(
      WriteTxn& txn, const Caller& caller, const rehab::v1::Contract& contract,
      const rehab::v1::Practitioner& doctor) const;
  // Expires the patient's ACTIVE contract when its end date has passed
  // (maintenance may not have run yet); true when it did.
  absl::StatusOr<bool> ExpireIfOver(WriteTxn& txn,
                                    const std::string& patient_id,
                                    absl::Time now) const;
  // `contract` with its fulfilment as of `now`.
  rehab::v1::Contract WithFulfilment(rehab::v1::Contract contract,
                                     absl::Time now) const;
  // The stored copy of a just-written contract, with its fulfilment.
  absl::StatusOr<rehab::v1::Contract> FinishContractRead(
      rehab::v1::Contract contract, absl::Time now);
  // Signed but not served: no visit, or fulfilment below `below`.
  static bool IsUnserved(const rehab::v1::Contract& contract, double below);
  // The visit's contract (named, or the patient's whose term holds the
  // visit's day), visible to `caller`.
  absl::StatusOr<rehab::v1::Contract> ContractOfVisit(
      WriteTxn& txn, const Caller& caller, const rehab::v1::Visit& visit) const;
  // The visit's doctor is the contract's, or a member of its team.
  absl::Status CheckVisitDoctor(ReadTxn& txn, const rehab::v1::Visit& visit,
                                const rehab::v1::Contract& contract) const;
  // The due date the rules give after `visit`.
  std::string NextDueAfter(const rehab::v1::Visit& visit,
                           const rehab::v1::Contract& contract) const;
  absl::Status MarkUnderManagement(WriteTxn& txn, const std::string& patient_id,
                                   absl::Time now) const;
  // The id of the visit a chain of amendments began with.
  absl::StatusOr<std::string> FirstOfCorrections(
      ReadTxn& txn, const rehab::v1::Visit& visit) const;
  // Settles the open high-risk alert a voided visit raised, if any.
  absl::Status SettleHighRiskAlert(WriteTxn& txn,
                                   const rehab::v1::Visit& voided,
                                   const std::string& first_id,
                                   absl::Time now) const;
  // Marks a psychiatric patient lost to follow-up (enrollment and alert);
  // false when there was nothing to mark.
  absl::StatusOr<bool> MarkLost(WriteTxn& txn,
                                const rehab::v1::FollowUp& follow_up,
                                absl::Time now) const;

  Store* const store_;
  const Clock* const clock_;
  const absl::TimeZone zone_;
  const ContractManagerOptions options_;
};

}  // namespace rehab

#endif  // REHAB_SERVER_DOMAIN_CONTRACT_MANAGER_H_
