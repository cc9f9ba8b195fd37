// The offline-first sync protocol of DESIGN.md section 6: Push applies the
// mutations a device made offline, Pull hands it what changed in its scope.
// The record types are those of SyncCollections.
//
// Push. A batch holds at most kMaxPushMutations mutations and
// kMaxPushRecordBytes bytes of records (RESOURCE_EXHAUSTED, reason
// BATCH_TOO_LARGE, naming the limit, with nothing applied). Each mutation
// is applied exactly as the API method that writes its record would
// (validation, normalisation, access checks, uniqueness, idempotent create
// by id) and answered in order, one bad mutation never failing the others:
//   APPLIED    written now (`id`, `version`, `change_seq` of the record).
//   DUPLICATE  nothing written: the caller applied this mutation_id before
//              with the same payload (the stored result comes back), or a
//              create repeats an existing id with the same content (the
//              stored record's id, version and change_seq).
//   CONFLICT   base_version is not the stored version: `status` is ABORTED
//              (reason VERSION_CONFLICT) and `current` the server copy as
//              the caller may read it; nothing written.
//   REJECTED   `status` says why, with the details an API error carries
//              (BadRequest field violations named from the Mutation, e.g.
//              "patient.id_number", "mutation_id", "base_version"; an
//              ErrorInfo reason). A mutation_id applied before with another
//              payload, or by another account, is ALREADY_EXISTS with
//              reason MUTATION_ID_REUSED.
// The payload is the record with the server-owned fields cleared, plus
// base_version and the record type (device_time is not part of it); its
// SHA-256 is kept with the applied mutation id for SyncOptions::horizon.
// The whole batch is one write transaction, a failed mutation's writes
// undone alone (runs of mutations share a nested transaction; a run in
// which one fails is undone and applied again one mutation to a nested
// transaction): the batch is durable when Push returns, and a crash before
// leaves none of it applied. A server fault (INTERNAL, UNAVAILABLE, ...)
// fails the whole call with nothing applied, so the device retries rather
// than parks.
//
// Pull. The changes in the caller's scope (AccessPolicy::PatientScopeFor;
// break-glass grants never enter the feed) after the position an opaque
// sync_token names, in change_seq order, page_size of them (0: the default
// kDefaultPullPageSize; INVALID_ARGUMENT naming "page_size" when negative or
// above kMaxPullPageSize). Records come in the caller's view: a kiosk gets
// its facility's patients in the reduced view LookupPatient gives, and no
// enrollments; supervisors without the identity flag get psychiatric
// patients pseudonymised. A record leaving the scope comes as
// REMOVED_FROM_SCOPE, a voided one as TOMBSTONE. `caught_up` tells that
// nothing followed the page when it was read. The token is bound to the
// account and its scope (role, scope, wards, identity flag) and signed
// with HMAC-SHA256 under a key kept in the store; a token of another
// account or scope, altered, malformed, older than SyncOptions::horizon,
// or ahead of the store's feed (a restored backup) is FAILED_PRECONDITION
// with reason RESYNC_REQUIRED: the device starts over with an empty token.
//
// Both methods report every patient they touched, with the outcome for
// it, through `audit` (when not null).
#ifndef REHAB_SERVER_DOMAIN_SYNC_MANAGER_H_
#define REHAB_SERVER_DOMAIN_SYNC_MANAGER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "rehab/v1/sync.pb.h"
#include "server/common/clock.h"
#include "server/domain/admin_manager.h"
#include "server/domain/caller.h"
#include "server/domain/store.h"
#include "server/domain/sync_collections.h"

namespace rehab {

inline constexpr int kMaxPushMutations = 500;
inline constexpr int64_t kMaxPushRecordBytes = int64_t{4} << 20;  // 4 MiB
inline constexpr int32_t kDefaultPullPageSize = 500;
inline constexpr int32_t kMaxPullPageSize = 2000;

// The name of the sync token key among the store's secrets.
inline constexpr char kSyncTokenKeyName[] = "sync_token_key";

struct SyncOptions {
  // How long an applied mutation id is kept (a retry within it is answered
  // DUPLICATE from the stored result; after it, a repeated create is still
  // DUPLICATE by content) and how long a sync token stays valid.
  absl::Duration horizon = absl::Hours(24 * 90);
  // Applied mutation ids older than the horizon deleted by one Push, so
  // that pruning keeps pace with the ids a batch adds without making one
  // batch slow.
  int32_t prune_limit = 1000;
};

// Thread-safe.
class SyncManager {
 public:
  // The pointers must outlive the manager.
  SyncManager(Store* store, const Clock* clock,
              const SyncCollections* collections, SyncOptions options = {});

  absl::StatusOr<rehab::v1::PushResponse> Push(
      const Caller& caller, const rehab::v1::PushRequest& request,
      std::vector<PatientOutcome>* audit = nullptr);

  absl::StatusOr<rehab::v1::PullResponse> Pull(
      const Caller& caller, const rehab::v1::PullRequest& request,
      std::vector<PatientOutcome>* audit = nullptr);

 private:
  struct Pending;

  // The token key: read from the store, or made and stored on first use.
  absl::StatusOr<std::string> TokenKey();

  Pending Prepare(const Caller& caller, const rehab::v1::Mutation& mutation,
                  absl::Time now) const;
  // Applies batch[begin, end) inside the batch's transaction, appending
  // their results to `response`; an error is a server fault that fails the
  // batch.
  absl::Status ApplyRun(WriteTxn& txn, const Caller& caller,
                        const std::vector<Pending>& batch, size_t begin,
                        size_t end, absl::Time now,
                        rehab::v1::PushResponse& response) const;
  // One mutation's result inside the batch's transaction. Guarded, its
  // writes are undone alone when it fails, and an error is a server fault
  // that fails the batch; unguarded (inside a run's savepoint), any failure
  // of its writes is returned, for the run to be undone.
  absl::StatusOr<rehab::v1::MutationResult> Apply(WriteTxn& txn,
                                                  const Caller& caller,
                                                  const Pending& pending,
                                                  absl::Time now,
                                                  bool guarded) const;

  Store* const store_;
  const Clock* const clock_;
  const SyncCollections* const collections_;
  const SyncOptions options_;

  absl::Mutex key_mu_;
  std::string token_key_ ABSL_GUARDED_BY(key_mu_);
};

}  // namespace rehab

#endif  // REHAB_SERVER_DOMAIN_SYNC_MANAGER_H_
