// The device's local database: the outbox of writes not yet sent, the
// mutations the server parked, the cache of records in the account's scope,
// and the sync position. One SQLite file (see SqlConnection for its
// durability settings), bound to one account.
//
// The cache holds each record as the app sees it: the server's copy with
// the device's unsent changes applied. While a record has local changes
// (in the outbox, or parked) a pull never replaces what the app sees; the
// server's copy is kept beside it and restored when the last local change
// is settled.
//
// Every method is one local transaction: it is kept entirely or not at
// all. Thread-safe. Several processes may open one file; each write waits
// for the others' (up to a few seconds, then UNAVAILABLE).
#ifndef REHAB_CLIENT_SDK_SRC_LOCAL_STORE_H_
#define REHAB_CLIENT_SDK_SRC_LOCAL_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client-sdk/src/collections.h"
#include "client-sdk/src/sql_connection.h"
#include "rehab/client/sync.h"
#include "rehab/v1/sync.pb.h"

namespace rehab::client::internal {

// A queued mutation, as the push sends it.
struct OutboxItem {
  int64_t seq = 0;  // queue order
  const Collection* collection = nullptr;
  std::string record_id;
  rehab::v1::Mutation mutation;
};

// What one push answer did to the outbox.
struct PushTally {
  int64_t pushed = 0;
  int64_t duplicates = 0;
  int64_t conflicts = 0;
  int64_t rejected = 0;
};

// What one pulled page did to the cache.
struct PageTally {
  int64_t pulled = 0;           // changes applied
  int64_t skipped_pending = 0;  // upserts of records with local changes
};

// Which account the database belongs to ("" fields: none yet).
struct Binding {
  std::string account_id;
  std::string username;
};

class LocalStore {
 public:
  // Opens (creating when absent) the database at `path` and brings its
  // schema up to date. FAILED_PRECONDITION when a newer SDK made it.
  static absl::StatusOr<std::unique_ptr<LocalStore>> Open(
      const std::string& path);

  // --- The account -----------------------------------------------------------
  absl::StatusOr<Binding> GetBinding();
  // Binds the database to `account_id` (recording `username`, when not
  // empty, for recognising a refused login of the same user). Bound to
  // another account already: FAILED_PRECONDITION, and nothing changes,
  // when that account's outbox is not empty; else that account's data is
  // erased first. Returns true when it erased another account's data.
  absl::StatusOr<bool> Bind(const std::string& account_id,
                            const std::string& username);

  // --- Local writes
  // ------------------------------------------------------------ Queues
  // `mutation` and applies its record to the cache (its version set to the
  // mutation's base_version). REQUIRES: a registered record type, with its id,
  // and a mutation_id. FAILED_PRECONDITION when the database is bound to no
  // account; ALREADY_EXISTS when the mutation_id was queued before, or when
  // a type written by creates only (Writes::kCreate) already has a record
  // with this id here.
  absl::Status Enqueue(const rehab::v1::Mutation& mutation);

  // --- Push
  // ---------------------------------------------------------------------- The
  // oldest queued mutations in queue order: at most `limit` of them and, past
  // the first, at most `max_bytes` of serialized mutations, stopping before a
  // second mutation of one record (its base version depends on the answer to
  // the first).
  absl::StatusOr<std::vector<OutboxItem>> NextBatch(int limit,
                                                    int64_t max_bytes);
  // Applies the server's answers: results[i] answers items[i] (REQUIRES:
  // same mutation_id, results.size() <= items.size()). APPLIED and
  // DUPLICATE leave the outbox, stamp the cached record with the server's
  // version and change_seq, and rebase the record's later mutations made on
  // the same version; CONFLICT and REJECTED are parked (with the server's
  // copy, for a conflict), stamped `now`. ABORTED when the database is no
  // longer bound to `account_id` (it was wiped meanwhile).
  absl::StatusOr<PushTally> ApplyPushResults(
      const std::string& account_id, const std::vector<OutboxItem>& items,
      const std::vector<rehab::v1::MutationResult>& results, absl::Time now);

  // --- Pull
  // ---------------------------------------------------------------------- The
  // position to pull from ("" from the beginning).
  absl::StatusOr<std::string> SyncToken();
  // Applies one page and keeps its sync token. Upserts of records with
  // local changes only refresh the server copy kept beside them; TOMBSTONE
  // and REMOVED_FROM_SCOPE delete the record. Changes of unregistered types
  // are passed over. ABORTED as for ApplyPushResults.
  absl::StatusOr<PageTally> ApplyPage(const std::string& account_id,
                                      const rehab::v1::PullResponse& page);
  // Forgets the sync position and the cached records without local
  // changes (the outbox and the parked mutations stay).
  absl::Status ResetFeed(const std::string& account_id);

  // --- Local queries (serialized records of `collection`) --------------------
  absl::StatusOr<std::optional<std::string>> GetRecord(
      const Collection& collection, const std::string& id);
  // By name (prefix), then id; `area_id` exact; empty filters match all.
  absl::StatusOr<std::vector<std::string>> ListByName(
      const Collection& collection, const std::string& name_prefix,
      const std::string& area_id, int32_t limit, int32_t offset);
  absl::StatusOr<std::optional<std::string>> FindByCard(
      const Collection& collection, const std::string& card_number);
  // In id order.
  absl::StatusOr<std::vector<std::string>> ListByPatient(
      const Collection& collection, const std::string& patient_id);
  // Every cached record of the collection, in id order.
  absl::StatusOr<std::vector<std::string>> ListAll(
      const Collection& collection);

  // --- The outbox ------------------------------------------------------------
  absl::StatusOr<int64_t> PendingCount();
  absl::StatusOr<int64_t> ParkedCount();
  // Oldest first.
  absl::StatusOr<std::vector<ParkedMutation>> ListParked();
  // NOT_FOUND when no parked mutation has the id. When it was the record's
  // last local change, the cache shows the server's copy again (or drops a
  // record the server never accepted).
  absl::Status DiscardParked(const std::string& mutation_id);

  // Erases everything: outbox, parked mutations, cache, sync position and
  // the account binding; erased pages are overwritten and the WAL file
  // truncated.
  absl::Status Wipe();

 private:
  explicit LocalStore(std::unique_ptr<SqlConnection> db);

  absl::Mutex mu_;
  const std::unique_ptr<SqlConnection> db_ ABSL_PT_GUARDED_BY(mu_);
};

}  // namespace rehab::client::internal

#endif  // REHAB_CLIENT_SDK_SRC_LOCAL_STORE_H_
