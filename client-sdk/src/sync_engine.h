// The offline part of a Client: local writes into the outbox, the sync run
// (push the outbox, then pull the feed; DESIGN.md section 6), the sync
// status and its listener, the background loop, and the account the local
// database belongs to.
//
// A sync run, in order:
//   1. the account: a session adopted without a login (SetSession) is
//      checked with WhoAmI once, and the database bound to it;
//   2. push: the outbox in queue order, in batches of push_batch_size.
//      UNAVAILABLE, DEADLINE_EXCEEDED and RESOURCE_EXHAUSTED are retried
//      per ClientOptions::retry; RESOURCE_EXHAUSTED halves the batch, and a
//      single mutation still too large is parked as REJECTED;
//   3. pull: pages of pull_page_size until caught up, each page kept with
//      its sync token in one local transaction. RESYNC_REQUIRED clears the
//      cache (not the outbox) and the token, and pulls from the beginning.
// Every answer's server_time is compared with the device clock.
//
// An expired access token is refreshed once, shared with concurrent calls
// (AuthSession). A refused refresh or a revoked token ends the run with
// that error; the outbox stays. ACCOUNT_DISABLED from any call wipes the
// local database.
//
// Thread-safe.
#ifndef REHAB_CLIENT_SDK_SRC_SYNC_ENGINE_H_
#define REHAB_CLIENT_SDK_SRC_SYNC_ENGINE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client-sdk/src/auth_session.h"
#include "client-sdk/src/local_store.h"
#include "client-sdk/src/stub.h"
#include "rehab/client/client_options.h"
#include "rehab/client/sync.h"
#include "rehab/v1/auth.pb.h"
#include "rehab/v1/sync.pb.h"

namespace rehab::client::internal {

class SyncEngine {
 public:
  using Listener = std::function<void(const SyncStatus&)>;

  // Opens `options.local_db_path`. `stub` and `auth` must outlive the
  // engine; the engine listens to `auth` for ACCOUNT_DISABLED.
  static absl::StatusOr<std::unique_ptr<SyncEngine>> Open(
      const ClientOptions& options, Stub& stub, AuthSession& auth);
  // Stops the background loop (interrupting its waits) and stops listening
  // to the session.
  ~SyncEngine();

  SyncEngine(const SyncEngine&) = delete;
  SyncEngine& operator=(const SyncEngine&) = delete;

  // --- Session events (from the Client) -------------------------------------
  // A login answered OK: binds the database to its account
  // (LocalStore::Bind). FAILED_PRECONDITION when another account's unsent
  // changes are here; the caller must then not adopt the tokens.
  absl::Status OnLogin(const std::string& username,
                       const rehab::v1::LoginResponse& response);
  // A refused login: ACCOUNT_DISABLED for the user the database belongs
  // to wipes it.
  void OnLoginRefused(const std::string& username, const absl::Status& status);
  // Tokens adopted or dropped without a login: whose they are is checked
  // at the next sync.
  void OnSessionChanged();

  // --- Local writes
  // -------------------------------------------------------------- Queues
  // `mutation` (see Client::Enqueue): fills in the record's id (a new UUID when
  // empty), the mutation_id and the device_time; returns the id.
  // INVALID_ARGUMENT (field named) for no record, a malformed id or
  // mutation_id, a negative base_version.
  absl::StatusOr<std::string> Enqueue(rehab::v1::Mutation mutation);

  // --- Sync ------------------------------------------------------------------
  // Runs the steps above; concurrent calls share one run and its outcome.
  // CANCELLED when StopBackground or destruction interrupted a retry wait.
  absl::StatusOr<SyncReport> Sync();
  SyncStatus status() const;
  // The listener runs on the thread that changed the status, one call at a
  // time, in order.
  void SetListener(Listener listener);
  // INVALID_ARGUMENT for a non-positive interval. Replaces a loop running.
  absl::Status StartBackground(absl::Duration interval);
  void StopBackground();

  // --- The outbox and the cache ----------------------------------------------
  LocalStore& store() { return *store_; }
  absl::Status DiscardParked(const std::string& mutation_id);
  absl::Status Wipe();

 private:
  SyncEngine(const ClientOptions& options, Stub& stub, AuthSession& auth,
             std::unique_ptr<LocalStore> store);

  absl::Status RunSteps(SyncReport& report);
  // The account the run syncs for (checking an adopted session first).
  absl::StatusOr<std::string> CheckAccount();
  absl::Status PushAll(const std::string& account_id, SyncReport& report);
  absl::Status ApplyResults(const std::string& account_id,
                            const std::vector<OutboxItem>& batch,
                            const rehab::v1::PushResponse& response,
                            SyncReport& report);
  absl::Status ParkTooLarge(const std::string& account_id,
                            const OutboxItem& item, const absl::Status& error,
                            SyncReport& report);
  absl::Status PullAll(const std::string& account_id, SyncReport& report);
  // Calls `call` until it succeeds, fails for good, or ClientOptions::retry
  // runs out.
  template <typename Call>
  auto WithRetry(Call call) -> decltype(call());
  // Waits `wait` unless a stop interrupts it (CANCELLED).
  absl::Status Pause(absl::Duration wait);
  // Measures the device clock against the server's.
  void NoteServerTime(absl::Time server_time, SyncReport& report);

  // The account was disabled: erase everything, state kWiped.
  void OnAccountDisabled();
  void SetState(SyncState state, absl::Status error);
  // Sets the state the run's outcome leaves (unless a wipe meanwhile set
  // it).
  void Finish(const absl::Status& outcome, uint64_t wipes_before);
  // Re-reads the pending and parked counts into the status, then
  // publishes.
  void RefreshCounts();
  void Publish();
  void StopBackgroundLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(background_mu_);

  const ClientOptions options_;
  Stub& stub_;
  AuthSession& auth_;
  const std::unique_ptr<LocalStore> store_;
  const std::function<absl::Time()> clock_;

  // Sync runs: one at a time, shared by the callers that arrive meanwhile.
  absl::Mutex run_mu_;
  absl::CondVar run_done_;
  bool running_ ABSL_GUARDED_BY(run_mu_) = false;
  uint64_t runs_finished_ ABSL_GUARDED_BY(run_mu_) = 0;
  absl::StatusOr<SyncReport> last_run_ ABSL_GUARDED_BY(run_mu_);

  mutable absl::Mutex mu_;
  absl::CondVar wake_;  // a stop was asked for
  SyncStatus status_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const Listener> listener_ ABSL_GUARDED_BY(mu_);
  // The session's account is the one the database is bound to.
  bool account_checked_ ABSL_GUARDED_BY(mu_) = false;
  // Bumped when the session changes, so a check made meanwhile is void.
  uint64_t session_epoch_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t wipes_ ABSL_GUARDED_BY(mu_) = 0;
  bool cancel_waits_ ABSL_GUARDED_BY(mu_) = false;
  bool background_stop_ ABSL_GUARDED_BY(mu_) = false;

  // Serialises listener calls.
  absl::Mutex publish_mu_;

  absl::Mutex background_mu_;
  std::thread background_ ABSL_GUARDED_BY(background_mu_);
};

}  // namespace rehab::client::internal

#endif  // REHAB_CLIENT_SDK_SRC_SYNC_ENGINE_H_
