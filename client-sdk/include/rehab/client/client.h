// rehab::client::Client: the online connection to rehabd.
//
// One Client per server and login. It holds the session (the access and
// refresh tokens) and offers one typed call per API method: the request
// message in, the response message (or an error) out. Every call has a
// deadline (ClientOptions::default_deadline).
//
//   absl::StatusOr<std::unique_ptr<rehab::client::Client>> client =
//       rehab::client::Client::Create(rehab::client::ClientOptions{});
//   if (!client.ok()) return client.status();
//   absl::StatusOr<rehab::v1::LoginResponse> login =
//       (*client)->Login("doctor.wang", password);
//   rehab::v1::LookupPatientRequest lookup;
//   lookup.set_disability_card_number(card);
//   absl::StatusOr<rehab::v1::Patient> patient =
//       (*client)->LookupPatient(lookup);
//
// Errors: the server's status code and message, with its reason and field
// violations readable through rehab/client/errors.h. A server that cannot
// be reached is UNAVAILABLE; a call that ran out of time DEADLINE_EXCEEDED.
// Both are safe to retry for reads and for creates (creates are idempotent
// by id, so give the record an id before the first attempt).
//
// Tokens: when a call fails UNAUTHENTICATED because the access token has
// expired (reason TOKEN_EXPIRED) and a refresh token is held, the client
// exchanges the refresh token once and repeats the call once. Concurrent
// calls that meet the expiry share one exchange. When the exchange itself
// is refused (the refresh token expired or was revoked), the session is
// cleared and the refusal returned: the user must log in again.
//
// Offline work (ClientOptions::local_db_path set): Create/Update put the
// write into the local outbox and the local cache and return the record id
// at once, online or not; Sync() pushes the outbox, then pulls the changes
// in the account's scope into the cache (DESIGN.md section 6); the
// GetLocal/ListLocal/FindLocal queries answer from the cache without a
// network. Everything local is in one SQLite file and survives a crash: a
// write returned OK is in the outbox; each pulled page is kept together
// with its position.
//
// Thread-safe: any number of threads may call one Client at once.
#ifndef REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_CLIENT_H_
#define REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "rehab/client/client_options.h"
#include "rehab/client/session.h"
#include "rehab/client/sync.h"
#include "rehab/v1/admin.pb.h"
#include "rehab/v1/auth.pb.h"
#include "rehab/v1/contract.pb.h"
#include "rehab/v1/directory.pb.h"
#include "rehab/v1/patient.pb.h"
#include "rehab/v1/report.pb.h"
#include "rehab/v1/sync.pb.h"

namespace rehab::client {

namespace internal {
class AuthSession;
class Stub;
class SyncEngine;
}  // namespace internal

class Client final {
 public:
  // A client for `options.target`. The connection is made lazily (by the
  // first call), so a server that is down is reported by the calls, as
  // UNAVAILABLE, not here. INVALID_ARGUMENT for unusable options: an empty
  // target, a non-positive deadline, a client certificate without its key
  // (or the other way round), a time zone that does not load.
  static absl::StatusOr<std::unique_ptr<Client>> Create(ClientOptions options);

  // A client over `stub`. Applications call Create(); this constructor is
  // for the SDK's own tests, which pass a fake stub.
  // REQUIRES: stub non-null; options valid (see Create).
  Client(ClientOptions options, std::shared_ptr<internal::Stub> stub);
  ~Client();

  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const ClientOptions& options() const { return options_; }

  // --- Session -------------------------------------------------------------

  // Logs in and keeps the tokens returned (replacing any session held).
  // UNAUTHENTICATED (reason BAD_CREDENTIALS or ACCOUNT_DISABLED) for a
  // wrong name or password or a disabled account, RESOURCE_EXHAUSTED
  // (reason LOGIN_RATE_LIMITED) after too many failures; the session held
  // before is kept then.
  absl::StatusOr<rehab::v1::LoginResponse> Login(const std::string& username,
                                                 const std::string& password);

  // Revokes the session on the server and forgets it here. The session is
  // forgotten even when the server cannot be told (the status says so);
  // the tokens then expire by themselves. OK when not logged in.
  absl::Status Logout();

  // Exchanges the refresh token for a new token pair now and keeps it.
  // FAILED_PRECONDITION when no refresh token is held; a refusal
  // (UNAUTHENTICATED) clears the session.
  absl::StatusOr<rehab::v1::LoginResponse> RefreshToken();

  // Adopts tokens saved from an earlier run (a tool that keeps its session
  // in a file). Either may be empty.
  void SetSession(std::string access_token, std::string refresh_token);

  // The tokens held now (they change when a call refreshes them, so save
  // them again after calls when they are kept across runs).
  Session session() const;

  // --- AuthService ---------------------------------------------------------

  absl::StatusOr<rehab::v1::WhoAmIResponse> WhoAmI();
  absl::StatusOr<rehab::v1::BreakGlassResponse> BreakGlass(
      const rehab::v1::BreakGlassRequest& request);

  // --- DirectoryService ----------------------------------------------------

  absl::StatusOr<rehab::v1::Area> CreateArea(
      const rehab::v1::CreateAreaRequest& request);
  absl::StatusOr<rehab::v1::ListAreasResponse> ListAreas(
      const rehab::v1::ListAreasRequest& request);
  absl::StatusOr<rehab::v1::Facility> CreateFacility(
      const rehab::v1::CreateFacilityRequest& request);
  absl::StatusOr<rehab::v1::ListFacilitiesResponse> ListFacilities(
      const rehab::v1::ListFacilitiesRequest& request);
  absl::StatusOr<rehab::v1::Practitioner> CreatePractitioner(
      const rehab::v1::CreatePractitionerRequest& request);
  absl::StatusOr<rehab::v1::ListPractitionersResponse> ListPractitioners(
      const rehab::v1::ListPractitionersRequest& request);
  absl::StatusOr<rehab::v1::Account> CreateAccount(
      const rehab::v1::CreateAccountRequest& request);
  absl::StatusOr<rehab::v1::ListAccountsResponse> ListAccounts(
      const rehab::v1::ListAccountsRequest& request);
  absl::StatusOr<rehab::v1::Account> DisableAccount(
      const rehab::v1::DisableAccountRequest& request);

  // --- PatientService ------------------------------------------------------

  absl::StatusOr<rehab::v1::Patient> CreatePatient(
      const rehab::v1::CreatePatientRequest& request);
  absl::StatusOr<rehab::v1::Patient> GetPatient(
      const rehab::v1::GetPatientRequest& request);
  absl::StatusOr<rehab::v1::Patient> UpdatePatient(
      const rehab::v1::UpdatePatientRequest& request);
  absl::StatusOr<rehab::v1::ListPatientsResponse> ListPatients(
      const rehab::v1::ListPatientsRequest& request);
  absl::StatusOr<rehab::v1::Patient> LookupPatient(
      const rehab::v1::LookupPatientRequest& request);
  absl::StatusOr<rehab::v1::Enrollment> CreateEnrollment(
      const rehab::v1::CreateEnrollmentRequest& request);
  absl::StatusOr<rehab::v1::Enrollment> EndEnrollment(
      const rehab::v1::EndEnrollmentRequest& request);
  absl::StatusOr<rehab::v1::ListEnrollmentsResponse> ListEnrollments(
      const rehab::v1::ListEnrollmentsRequest& request);

  // --- ContractService -----------------------------------------------------

  // Creates are idempotent by id (give the record an id before the first
  // attempt); RenewContract by `new_id`. A second ACTIVE contract of a
  // patient is FAILED_PRECONDITION (reason CONTRACT_ALREADY_ACTIVE).
  absl::StatusOr<rehab::v1::Contract> CreateContract(
      const rehab::v1::CreateContractRequest& request);
  absl::StatusOr<rehab::v1::Contract> GetContract(
      const rehab::v1::GetContractRequest& request);
  absl::StatusOr<rehab::v1::ListContractsResponse> ListContracts(
      const rehab::v1::ListContractsRequest& request);
  // Online only (a lifecycle change): the new contract; the old one becomes
  // RENEWED. A stale `version` is ABORTED.
  absl::StatusOr<rehab::v1::Contract> RenewContract(
      const rehab::v1::RenewContractRequest& request);
  absl::StatusOr<rehab::v1::Contract> TerminateContract(
      const rehab::v1::TerminateContractRequest& request);
  // A visit recorded online; a phone records them offline with
  // Create(rehab::v1::Visit) instead.
  absl::StatusOr<rehab::v1::Visit> CreateVisit(
      const rehab::v1::CreateVisitRequest& request);
  absl::StatusOr<rehab::v1::ListVisitsResponse> ListVisits(
      const rehab::v1::ListVisitsRequest& request);
  absl::StatusOr<rehab::v1::ListDueFollowUpsResponse> ListDueFollowUps(
      const rehab::v1::ListDueFollowUpsRequest& request);

  // --- ReportService -------------------------------------------------------

  absl::StatusOr<rehab::v1::ListAlertsResponse> ListAlerts(
      const rehab::v1::ListAlertsRequest& request);
  absl::StatusOr<rehab::v1::Alert> AcknowledgeAlert(
      const rehab::v1::AcknowledgeAlertRequest& request);

  // --- AdminService --------------------------------------------------------

  absl::StatusOr<rehab::v1::ListAuditEventsResponse> ListAuditEvents(
      const rehab::v1::ListAuditEventsRequest& request);
  // Writes a copy of the database to `request.path()` on the server host.
  // Not idempotent: a retry after a lost answer finds the file written and
  // fails INVALID_ARGUMENT (it already exists).
  absl::StatusOr<rehab::v1::BackupResponse> Backup(
      const rehab::v1::BackupRequest& request);

  // --- Offline writes (the outbox) ------------------------------------------
  // Each queues one mutation (a fresh mutation_id, device_time from the
  // clock) and applies it to the local cache in one local transaction, then
  // returns the record's id (a new UUID when the record had none). Works
  // offline; nothing is sent until Sync(). INVALID_ARGUMENT (field named)
  // for a record that cannot be queued: a malformed id, no record; the
  // server checks the rest and parks what it refuses.
  // FAILED_PRECONDITION without ClientOptions::local_db_path, or before the
  // first login on this device's database.
  absl::StatusOr<std::string> Create(rehab::v1::Patient patient);
  absl::StatusOr<std::string> Create(rehab::v1::Enrollment enrollment);
  // A contract signed on the device (contracts are created from a device
  // but changed only online: RenewContract, TerminateContract). The
  // server-set fields (status, fulfilment ...) come with the next sync.
  // ClientOptions::device_id fills an empty device_id.
  absl::StatusOr<std::string> Create(rehab::v1::Contract contract);
  // A visit: a fact, pushed once as a create and never edited (a correction
  // is a new visit with `amends_id`, a cancellation one with `voids_id`).
  // Filled in here when empty: contract_id with the patient's cached
  // contract whose term (start_date to end_date, or to an earlier
  // ended_date) holds the county day of start_time, ACTIVE preferred, then
  // RENEWED, then any status (the server picks by the term the same way);
  // INVALID_ARGUMENT "visit.contract_id" when none covers that day,
  // "visit.start_time" when there is no start time. patient_id from the
  // cached contract (the server sets it from the contract either way),
  // device_id from ClientOptions, and device_time from the device clock.
  // ListLocalVisits shows it at once.
  absl::StatusOr<std::string> Create(rehab::v1::Visit visit);
  // An edit of a cached patient: `patient.version()` is the version the edit
  // started from (the server answers CONFLICT when it has moved on); 0 for
  // a patient created on this device and not yet synced.
  absl::StatusOr<std::string> Update(rehab::v1::Patient patient);
  // Any mutation, for record types without a typed method. Missing
  // mutation_id and device_time are filled in.
  absl::StatusOr<std::string> Enqueue(rehab::v1::Mutation mutation);

  // --- Sync ------------------------------------------------------------------
  // Pushes the outbox (in batches, retried per ClientOptions::retry), then
  // pulls until caught up. Concurrent calls share one run. On
  // ACCOUNT_DISABLED the local database is wiped (outbox included) and the
  // error returned; on TOKEN_EXPIRED/TOKEN_REVOKED without a usable refresh
  // token the error is returned and the outbox kept (log in, sync again).
  absl::StatusOr<SyncReport> Sync();
  SyncStatus sync_status() const;
  // Called whenever the status changes, on the thread that changed it (the
  // syncing thread, or one whose write changed the pending count), one call
  // at a time. Replaces any listener set before; an empty function removes
  // it.
  void SetSyncListener(std::function<void(const SyncStatus&)> listener);
  // Syncs every `interval` on a background thread until
  // StopBackgroundSync() or destruction (an explicit Sync() meanwhile
  // shares the run). INVALID_ARGUMENT for a non-positive interval.
  absl::Status StartBackgroundSync(absl::Duration interval);
  void StopBackgroundSync();

  // --- Local queries (offline) ----------------------------------------------
  // From the cache: records pulled, plus local writes not yet sent.
  absl::StatusOr<std::optional<rehab::v1::Patient>> GetLocalPatient(
      const std::string& id);
  absl::StatusOr<std::vector<rehab::v1::Patient>> ListLocalPatients(
      const LocalPatientQuery& query);
  absl::StatusOr<std::optional<rehab::v1::Patient>> FindLocalPatientByCard(
      const std::string& disability_card_number);
  absl::StatusOr<std::vector<rehab::v1::Enrollment>> ListLocalEnrollments(
      const std::string& patient_id);

  // Contracts: the cached one with this id.
  absl::StatusOr<std::optional<rehab::v1::Contract>> GetLocalContract(
      const std::string& id);
  // The patient's contracts (every cached contract when `patient_id` is
  // empty), the latest start first, then by id.
  absl::StatusOr<std::vector<rehab::v1::Contract>> ListLocalContracts(
      const std::string& patient_id);
  // The patient's visits, the latest start first (then the latest made),
  // visits queued here included. Left out: visits amended or voided (by the
  // server, or by a visit queued here) and the voids themselves.
  absl::StatusOr<std::vector<rehab::v1::Visit>> ListLocalVisits(
      const std::string& patient_id);
  // Due follow-ups (see LocalFollowUpQuery). The server's `overdue` is as
  // of when it was read, so overdue, days_overdue, missed_visits and
  // lost_to_follow_up are worked out again here from due_date and
  // interval_days as of the device's today. A due date that does not
  // parse is left out. INVALID_ARGUMENT for negative numbers in `query`.
  absl::StatusOr<std::vector<rehab::v1::FollowUp>> ListLocalDueFollowUps(
      const LocalFollowUpQuery& query);
  // The patient's follow-up (worked out again as above), nullopt when the
  // cache holds none (no ACTIVE contract in the account's scope).
  absl::StatusOr<std::optional<rehab::v1::FollowUp>> GetLocalFollowUp(
      const std::string& patient_id);
  // Alerts that reached this device through the feed (the patient's
  // contracted doctor's, a supervisor's area's).
  absl::StatusOr<std::vector<rehab::v1::Alert>> ListLocalAlerts(
      const LocalAlertQuery& query);
  // The county's date today by the device clock (ClientOptions::time_zone
  // and ::clock).
  absl::StatusOr<std::string> LocalToday() const;

  // --- The outbox ------------------------------------------------------------
  // Mutations queued and not yet answered by the server.
  absl::StatusOr<int64_t> PendingCount();
  // Conflicts and rejections, oldest first.
  absl::StatusOr<std::vector<ParkedMutation>> ListParked();
  // Forgets a parked mutation (NOT_FOUND when none has the id).
  absl::Status DiscardParked(const std::string& mutation_id);
  // Erases every local record, the outbox and the sync position.
  absl::Status WipeLocalData();

 private:
  const ClientOptions options_;
  const std::shared_ptr<internal::Stub> stub_;
  const std::unique_ptr<internal::AuthSession> auth_;
  // Null without ClientOptions::local_db_path, or when it could not be
  // opened (local_db_status_ says why).
  std::unique_ptr<internal::SyncEngine> sync_;
  absl::Status local_db_status_;
  // ClientOptions::time_zone loaded; zone_status_ says why not.
  absl::TimeZone zone_;
  absl::Status zone_status_;
};

}  // namespace rehab::client

#endif  // REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_CLIENT_H_
