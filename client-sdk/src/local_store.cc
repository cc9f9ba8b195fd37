#include "client-sdk/src/local_store.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client-sdk/src/rpc_status.h"
#include "client-sdk/src/sql_statement.h"
#include "client-sdk/src/sql_transaction.h"
#include "server/common/status_macros.h"

namespace rehab::client::internal {
namespace {

using google::protobuf::Message;
using rehab::v1::Change;
using rehab::v1::ChangeKind;
using rehab::v1::Mutation;
using rehab::v1::MutationResult;
using rehab::v1::Outcome;

// Numbered migrations: kMigrations[i] takes the schema from version i to
// i + 1 (PRAGMA user_version).
//
// outbox: mutations in queue order (AUTOINCREMENT: a seq is never reused,
//   so a parked mutation keeps its place in the order).
// parked: mutations the server answered CONFLICT or REJECTED.
// records: the cache. `body` is what the app sees; `server_body` the
//   server's copy underneath local changes (NULL: none, or not known).
// meta: the account binding and the sync token.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE meta(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE outbox(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  mutation_id TEXT NOT NULL UNIQUE,
  collection TEXT NOT NULL,
  record_id TEXT NOT NULL,
  mutation BLOB NOT NULL);
CREATE INDEX outbox_by_record ON outbox(collection, record_id, seq);
CREATE TABLE parked(
  seq INTEGER PRIMARY KEY,
  mutation_id TEXT NOT NULL UNIQUE,
  collection TEXT NOT NULL,
  record_id TEXT NOT NULL,
  mutation BLOB NOT NULL,
  outcome INTEGER NOT NULL,
  status BLOB NOT NULL,
  server_copy BLOB,
  park_time_us INTEGER NOT NULL);
CREATE INDEX parked_by_record ON parked(collection, record_id);
CREATE TABLE records(
  collection TEXT NOT NULL,
  id TEXT NOT NULL,
  patient_id TEXT NOT NULL,
  name TEXT NOT NULL,
  area_id TEXT NOT NULL,
  card_number TEXT NOT NULL,
  body BLOB NOT NULL,
  server_body BLOB,
  PRIMARY KEY(collection, id)) WITHOUT ROWID;
CREATE INDEX records_by_patient ON records(patient_id, collection, id);
CREATE INDEX records_by_name ON records(collection, name, id);
CREATE INDEX records_by_card ON records(card_number, collection)
  WHERE card_number <> '';
)sql",
};
constexpr int kSchemaVersion = sizeof(kMigrations) / sizeof(kMigrations[0]);

constexpr char kMetaAccountId[] = "account_id";
constexpr char kMetaUsername[] = "username";
constexpr char kMetaSyncToken[] = "sync_token";

constexpr char kSelectMeta[] = "SELECT value FROM meta WHERE key = ?";
constexpr char kUpsertMeta[] =
    "INSERT INTO meta(key, value) VALUES(?, ?) "
    "ON CONFLICT(key) DO UPDATE SET value = excluded.value";
constexpr char kDeleteMeta[] = "DELETE FROM meta WHERE key = ?";

constexpr char kEraseAll[] =
    "DELETE FROM outbox; DELETE FROM parked; DELETE FROM records; "
    "DELETE FROM meta;";

constexpr char kInsertOutbox[] =
    "INSERT INTO outbox(mutation_id, collection, record_id, mutation) "
    "VALUES(?, ?, ?, ?)";
constexpr char kSelectOutboxBatch[] =
    "SELECT seq, collection, record_id, mutation FROM outbox "
    "ORDER BY seq LIMIT ?";
constexpr char kSelectOutboxOfRecord[] =
    "SELECT seq, mutation FROM outbox WHERE collection = ? AND record_id = ? "
    "ORDER BY seq";
constexpr char kUpdateOutboxMutation[] =
    "UPDATE outbox SET mutation = ? WHERE seq = ?";
constexpr char kDeleteOutbox[] = "DELETE FROM outbox WHERE seq = ?";
constexpr char kCountOutbox[] = "SELECT count(*) FROM outbox";
constexpr char kMutationIdKnown[] =
    "SELECT EXISTS(SELECT 1 FROM outbox WHERE mutation_id = ?1) "
    "OR EXISTS(SELECT 1 FROM parked WHERE mutation_id = ?1)";

constexpr char kInsertParked[] =
    "INSERT INTO parked(seq, mutation_id, collection, record_id, mutation, "
    "outcome, status, server_copy, park_time_us) "
    "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kSelectParked[] =
    "SELECT mutation, outcome, status, server_copy, park_time_us FROM parked "
    "ORDER BY park_time_us, seq";
constexpr char kSelectParkedRecord[] =
    "SELECT collection, record_id FROM parked WHERE mutation_id = ?";
constexpr char kDeleteParked[] = "DELETE FROM parked WHERE mutation_id = ?";
constexpr char kCountParked[] = "SELECT count(*) FROM parked";

constexpr char kHasLocalChanges[] =
    "SELECT EXISTS(SELECT 1 FROM outbox WHERE collection = ?1 AND "
    "record_id = ?2) OR EXISTS(SELECT 1 FROM parked WHERE collection = ?1 "
    "AND record_id = ?2)";
constexpr char kSelectRecord[] =
    "SELECT body, server_body FROM records WHERE collection = ? AND id = ?";
constexpr char kUpsertRecord[] =
    "INSERT INTO records(collection, id, patient_id, name, area_id, "
    "card_number, body, server_body) VALUES(?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(collection, id) DO UPDATE SET "
    "patient_id = excluded.patient_id, name = excluded.name, "
    "area_id = excluded.area_id, card_number = excluded.card_number, "
    "body = excluded.body, server_body = excluded.server_body";
constexpr char kUpdateServerBody[] =
    "UPDATE records SET server_body = ? WHERE collection = ? AND id = ?";
constexpr char kDeleteRecord[] =
    "DELETE FROM records WHERE collection = ? AND id = ?";
constexpr char kDeleteRecordsWithoutLocalChanges[] =
    "DELETE FROM records WHERE NOT EXISTS(SELECT 1 FROM outbox o WHERE "
    "o.collection = records.collection AND o.record_id = records.id) AND "
    "NOT EXISTS(SELECT 1 FROM parked p WHERE p.collection = "
    "records.collection AND p.record_id = records.id)";
constexpr char kSelectBodyByName[] =
    "SELECT body FROM records WHERE collection = ?1 AND name >= ?2 AND "
    "name < ?3 AND (?4 = '' OR area_id = ?4) ORDER BY name, id "
    "LIMIT ?5 OFFSET ?6";
constexpr char kSelectBodyByCard[] =
    "SELECT body FROM records WHERE card_number = ? AND collection = ? "
    "AND card_number <> '' ORDER BY id LIMIT 1";
constexpr char kSelectBodyOfCollection[] =
    "SELECT body FROM records WHERE collection = ? ORDER BY id";
constexpr char kSelectBodyByPatient[] =
    "SELECT body FROM records WHERE patient_id = ? AND collection = ? "
    "ORDER BY id";

// A value no UTF-8 text contains, so that [prefix, prefix + kAfterText)
// holds exactly the texts starting with prefix.
constexpr char kAfterText[] = "\xff";

absl::Status Corrupt(const char* what) {
  return absl::DataLossError(absl::StrCat("local database: ", what));
}

std::string Serialize(const Message& message) {
  std::string bytes;
  message.SerializeToString(&bytes);
  return bytes;
}

absl::StatusOr<std::optional<std::string>> GetMeta(SqlConnection& db,
                                                   const char* key) {
  ASSIGN_OR_RETURN(SqlStatement s, db.Prepare(kSelectMeta));
  s.BindText(0, key);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::nullopt;
  return s.ColumnText(0);
}

absl::Status SetMeta(SqlConnection& db, const char* key,
                     const std::string& value) {
  ASSIGN_OR_RETURN(SqlStatement s, db.Prepare(kUpsertMeta));
  s.BindText(0, key);
  s.BindText(1, value);
  return s.Run();
}

absl::Status DeleteMeta(SqlConnection& db, const char* key) {
  ASSIGN_OR_RETURN(SqlStatement s, db.Prepare(kDeleteMeta));
  s.BindText(0, key);
  return s.Run();
}

absl::StatusOr<std::string> BoundAccount(SqlConnection& db) {
  ASSIGN_OR_RETURN(std::optional<std::string> account,
                   GetMeta(db, kMetaAccountId));
  return account.value_or("");
}

// The write a sync run makes must land in the database it started on, not
// in one wiped (and perhaps bound anew) while it talked to the server.
absl::Status CheckBoundTo(SqlConnection& db, const std::string& account_id) {
  ASSIGN_OR_RETURN(std::string bound, BoundAccount(db));
  if (bound.empty() || bound != account_id) {
    return absl::AbortedError(
        "the local data was erased while syncing; sync again");
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Count(SqlConnection& db, const char* sql) {
  ASSIGN_OR_RETURN(SqlStatement s, db.Prepare(sql));
  ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? s.ColumnInt64(0) : 0;
}

absl::StatusOr<bool> HasLocalChanges(SqlConnection& db,
                                     const Collection& collection,
                                     const std::string& id) {
  ASSIGN_OR_RETURN(SqlStatement s, db.Prepare(kHasLocalChanges));
  s.BindText(0, collection.name);
  s.BindText(1, id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  return row && s.ColumnInt64(0) != 0;
}

struct CachedRecord {
  std::string body;
  std::optional<std::string> server_body;
};

absl::StatusOr<std::optional<CachedRecord>> SelectRecord(
    SqlConnection& db, const Collection& collection, const std::string& id) {
  ASSIGN_OR_RETURN(SqlStatement s, db.Prepare(kSelectRecord));
  s.BindText(0, collection.name);
  s.BindText(1, id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::nullopt;
  CachedRecord out;
  out.body = s.ColumnBlob(0);
  if (!s.ColumnIsNull(1)) out.server_body = s.ColumnBlob(1);
  return out;
}

absl::Status PutRecord(SqlConnection& db, const Collection& collection,
                       const Message& body,
                       const std::optional<std::string>& server_body) {
  const RecordKeys keys = collection.keys(body);
  ASSIGN_OR_RETURN(SqlStatement s, db.Prepare(kUpsertRecord));
  s.BindText(0, collection.name);
  s.BindText(1, RecordId(body));
  s.BindText(2, keys.patient_id);
  s.BindText(3, keys.name);
  s.BindText(4, keys.area_id);
  s.BindText(5, keys.card_number);
  s.BindBlob(6, Serialize(body));
  if (server_body.has_value()) {
    s.BindBlob(7, *server_body);
  } else {
    s.BindNull(7);
  }
  return s.Run();
}

absl::Status DeleteRecord(SqlConnection& db, const Collection& collection,
                          const std::string& id) {
  ASSIGN_OR_RETURN(SqlStatement s, db.Prepare(kDeleteRecord));
  s.BindText(0, collection.name);
  s.BindText(1, id);
  return s.Run();
}

absl::Status SetServerBody(SqlConnection& db, const Collection& collection,
                           const std::string& id, const Message& server_copy) {
  ASSIGN_OR_RETURN(SqlStatement s, db.Prepare(kUpdateServerBody));
  s.BindBlob(0, Serialize(server_copy));
  s.BindText(1, collection.name);
  s.BindText(2, id);
  return s.Run();
}

absl::StatusOr<std::unique_ptr<Message>> ParseBody(const Collection& collection,
                                                   const std::string& bytes) {
  std::unique_ptr<Message> record = ParseRecord(collection, bytes);
  if (record == nullptr) return Corrupt("a cached record does not parse");
  return record;
}

// An answered mutation's record as the server now holds it: the cached
// copy stamped with the server's version and change_seq. While later local
// changes remain, the server's copy is the mutation's record so stamped.
absl::Status StampAnswered(SqlConnection& db, const OutboxItem& item,
                           const MutationResult& result) {
  const Collection& collection = *item.collection;
  ASSIGN_OR_RETURN(std::optional<CachedRecord> cached,
                   SelectRecord(db, collection, item.record_id));
  if (!cached.has_value()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::unique_ptr<Message> body,
                   ParseBody(collection, cached->body));
  SetRecordVersion(*body, result.version());
  SetRecordChangeSeq(*body, result.change_seq());
  ASSIGN_OR_RETURN(bool more, HasLocalChanges(db, collection, item.record_id));
  std::optional<std::string> server_body;
  if (more) {
    std::unique_ptr<Message> server_copy(
        RecordIn(item.mutation, collection).New());
    server_copy->CopyFrom(RecordIn(item.mutation, collection));
    SetRecordVersion(*server_copy, result.version());
    SetRecordChangeSeq(*server_copy, result.change_seq());
    server_body = Serialize(*server_copy);
  }
  return PutRecord(db, collection, *body, server_body);
}

// The record's later mutations were made on the local state the answered
// one left, whose version was the answered one's base; they start from the
// server's new version instead. None of them has been sent yet (NextBatch
// never sends two mutations of one record together).
absl::Status Rebase(SqlConnection& db, const OutboxItem& item,
                    int64_t new_version) {
  const int64_t old_base = item.mutation.base_version();
  ASSIGN_OR_RETURN(SqlStatement select, db.Prepare(kSelectOutboxOfRecord));
  select.BindText(0, item.collection->name);
  select.BindText(1, item.record_id);
  std::vector<std::pair<int64_t, Mutation>> rebased;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    Mutation later;
    if (!later.ParseFromString(select.ColumnBlob(1))) {
      return Corrupt("a queued mutation does not parse");
    }
    if (later.base_version() != old_base) continue;
    later.set_base_version(new_version);
    rebased.emplace_back(select.ColumnInt64(0), std::move(later));
  }
  for (const auto& [seq, later] : rebased) {
    ASSIGN_OR_RETURN(SqlStatement update, db.Prepare(kUpdateOutboxMutation));
    update.BindBlob(0, Serialize(later));
    update.BindInt64(1, seq);
    RETURN_IF_ERROR(update.Run());
  }
  return absl::OkStatus();
}

absl::Status DeleteOutbox(SqlConnection& db, int64_t seq) {
  ASSIGN_OR_RETURN(SqlStatement s, db.Prepare(kDeleteOutbox));
  s.BindInt64(0, seq);
  return s.Run();
}

absl::Status Park(SqlConnection& db, const OutboxItem& item,
                  const MutationResult& result, absl::Time now) {
  ASSIGN_OR_RETURN(SqlStatement s, db.Prepare(kInsertParked));
  s.BindInt64(0, item.seq);
  s.BindText(1, item.mutation.mutation_id());
  s.BindText(2, item.collection->name);
  s.BindText(3, item.record_id);
  s.BindBlob(4, Serialize(item.mutation));
  s.BindInt64(5, result.outcome());
  s.BindBlob(6, Serialize(result.status()));
  if (result.has_current()) {
    s.BindBlob(7, Serialize(result.current()));
  } else {
    s.BindNull(7);
  }
  s.BindInt64(8, absl::ToUnixMicros(now));
  RETURN_IF_ERROR(s.Run());
  RETURN_IF_ERROR(DeleteOutbox(db, item.seq));
  // The server's copy of a conflicting record is kept under the local edit,
  // which the cache goes on showing until the app settles the conflict.
  const Message* server_copy =
      result.has_current() ? RecordIn(result.current(), *item.collection)
                           : nullptr;
  if (server_copy == nullptr) return absl::OkStatus();
  return SetServerBody(db, *item.collection, item.record_id, *server_copy);
}

absl::StatusOr<PageTally> ApplyChange(SqlConnection& db, const Change& change) {
  PageTally tally;
  const Collection* collection = FindCollection(change.collection());
  if (collection == nullptr) return tally;
  switch (change.kind()) {
    case rehab::v1::CHANGE_KIND_UPSERT: {
      const Message* record = RecordIn(change, *collection);
      if (record == nullptr) return tally;
      const std::string id = RecordId(*record);
      ASSIGN_OR_RETURN(bool local, HasLocalChanges(db, *collection, id));
      if (local) {
        RETURN_IF_ERROR(SetServerBody(db, *collection, id, *record));
        tally.skipped_pending = 1;
      } else {
        RETURN_IF_ERROR(PutRecord(db, *collection, *record, std::nullopt));
        tally.pulled = 1;
      }
      return tally;
    }
    case rehab::v1::CHANGE_KIND_TOMBSTONE:
    case rehab::v1::CHANGE_KIND_REMOVED_FROM_SCOPE:
      RETURN_IF_ERROR(DeleteRecord(db, *collection, change.id()));
      tally.pulled = 1;
      return tally;
    default:
      return tally;
  }
}

absl::StatusOr<std::vector<std::string>> Bodies(SqlStatement& s) {
  std::vector<std::string> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return out;
    out.push_back(s.ColumnBlob(0));
  }
}

absl::StatusOr<std::optional<std::string>> FirstBody(SqlStatement& s) {
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::nullopt;
  return s.ColumnBlob(0);
}

absl::Status Migrate(SqlConnection& db) {
  ASSIGN_OR_RETURN(SqlStatement version, db.Prepare("PRAGMA user_version"));
  ASSIGN_OR_RETURN(bool row, version.Step());
  const int64_t current = row ? version.ColumnInt64(0) : 0;
  if (current > kSchemaVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("local database: schema version ", current,
                     " was made by a newer SDK (this one knows up to ",
                     kSchemaVersion, ")"));
  }
  for (int64_t v = current; v < kSchemaVersion; ++v) {
    SqlTransaction txn(db);
    RETURN_IF_ERROR(txn.Begin());
    RETURN_IF_ERROR(db.Execute(kMigrations[v]));
    RETURN_IF_ERROR(
        db.Execute(absl::StrCat("PRAGMA user_version = ", v + 1).c_str()));
    RETURN_IF_ERROR(txn.Commit());
  }
  return absl::OkStatus();
}

// Pages freed by erasing were overwritten (secure_delete); this also
// empties the WAL file, which still holds the erased pages' old images.
absl::Status TruncateWal(SqlConnection& db) {
  return db.Execute("PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace

absl::StatusOr<std::unique_ptr<LocalStore>> LocalStore::Open(
    const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqlConnection> db,
                   SqlConnection::Open(path));
  RETURN_IF_ERROR(Migrate(*db));
  return std::unique_ptr<LocalStore>(new LocalStore(std::move(db)));
}

LocalStore::LocalStore(std::unique_ptr<SqlConnection> db)
    : db_(std::move(db)) {}

absl::StatusOr<Binding> LocalStore::GetBinding() {
  absl::MutexLock lock(&mu_);
  Binding binding;
  ASSIGN_OR_RETURN(binding.account_id, BoundAccount(*db_));
  ASSIGN_OR_RETURN(std::optional<std::string> username,
                   GetMeta(*db_, kMetaUsername));
  binding.username = username.value_or("");
  return binding;
}

absl::StatusOr<bool> LocalStore::Bind(const std::string& account_id,
                                      const std::string& username) {
  absl::MutexLock lock(&mu_);
  SqlTransaction txn(*db_);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(std::string bound, BoundAccount(*db_));
  const bool other = !bound.empty() && bound != account_id;
  if (other) {
    ASSIGN_OR_RETURN(int64_t pending, Count(*db_, kCountOutbox));
    if (pending > 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "this device holds ", pending,
          " unsent changes of another account: log in as that account and "
          "sync them first"));
    }
    RETURN_IF_ERROR(db_->Execute(kEraseAll));
  }
  RETURN_IF_ERROR(SetMeta(*db_, kMetaAccountId, account_id));
  if (!username.empty()) {
    RETURN_IF_ERROR(SetMeta(*db_, kMetaUsername, username));
  }
  RETURN_IF_ERROR(txn.Commit());
  if (other) RETURN_IF_ERROR(TruncateWal(*db_));
  return other;
}

absl::Status LocalStore::Enqueue(const Mutation& mutation) {
  const Collection& collection = *CollectionOf(mutation);
  const Message& record = RecordIn(mutation, collection);
  const std::string id = RecordId(record);
  absl::MutexLock lock(&mu_);
  SqlTransaction txn(*db_);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(std::string bound, BoundAccount(*db_));
  if (bound.empty()) {
    return absl::FailedPreconditionError(
        "the local database belongs to no account yet: log in first");
  }
  {
    ASSIGN_OR_RETURN(SqlStatement known, db_->Prepare(kMutationIdKnown));
    known.BindText(0, mutation.mutation_id());
    ASSIGN_OR_RETURN(bool row, known.Step());
    if (row && known.ColumnInt64(0) != 0) {
      return absl::AlreadyExistsError(absl::StrCat(
          "mutation_id ", mutation.mutation_id(), " is queued already"));
    }
  }
  ASSIGN_OR_RETURN(bool local, HasLocalChanges(*db_, collection, id));
  ASSIGN_OR_RETURN(std::optional<CachedRecord> cached,
                   SelectRecord(*db_, collection, id));
  if (collection.writes == Writes::kCreate && (local || cached.has_value())) {
    // A second create of one id would be an edit of a record that is never
    // edited (a visit is corrected by a new visit that amends it).
    return absl::AlreadyExistsError(
        absl::StrCat(std::string(collection.name), " ", id,
                     " exists already and is never changed from a device"));
  }
  // The first local change of a cached record keeps the server's copy it
  // was made on.
  std::optional<std::string> server_body;
  if (cached.has_value()) {
    server_body =
        local ? cached->server_body : std::optional<std::string>(cached->body);
  }
  ASSIGN_OR_RETURN(SqlStatement insert, db_->Prepare(kInsertOutbox));
  insert.BindText(0, mutation.mutation_id());
  insert.BindText(1, collection.name);
  insert.BindText(2, id);
  insert.BindBlob(3, Serialize(mutation));
  RETURN_IF_ERROR(insert.Run());
  std::unique_ptr<Message> body(record.New());
  body->CopyFrom(record);
  SetRecordVersion(*body, mutation.base_version());
  RETURN_IF_ERROR(PutRecord(*db_, collection, *body, server_body));
  return txn.Commit();
}

absl::StatusOr<std::vector<OutboxItem>> LocalStore::NextBatch(
    int limit, int64_t max_bytes) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqlStatement s, db_->Prepare(kSelectOutboxBatch));
  s.BindInt64(0, limit);
  std::vector<OutboxItem> batch;
  int64_t bytes = 0;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    const std::string mutation = s.ColumnBlob(3);
    bytes += static_cast<int64_t>(mutation.size());
    if (!batch.empty() && bytes > max_bytes) break;
    OutboxItem item;
    item.seq = s.ColumnInt64(0);
    item.collection = FindCollection(s.ColumnText(1));
    item.record_id = s.ColumnText(2);
    if (item.collection == nullptr ||
        !item.mutation.ParseFromString(mutation)) {
      return Corrupt("a queued mutation does not parse");
    }
    for (const OutboxItem& earlier : batch) {
      if (earlier.collection == item.collection &&
          earlier.record_id == item.record_id) {
        return batch;
      }
    }
    batch.push_back(std::move(item));
  }
  return batch;
}

absl::StatusOr<PushTally> LocalStore::ApplyPushResults(
    const std::string& account_id, const std::vector<OutboxItem>& items,
    const std::vector<MutationResult>& results, absl::Time now) {
  absl::MutexLock lock(&mu_);
  SqlTransaction txn(*db_);
  RETURN_IF_ERROR(txn.Begin());
  RETURN_IF_ERROR(CheckBoundTo(*db_, account_id));
  PushTally tally;
  for (size_t i = 0; i < results.size(); ++i) {
    const OutboxItem& item = items[i];
    const MutationResult& result = results[i];
    switch (result.outcome()) {
      case rehab::v1::OUTCOME_APPLIED:
      case rehab::v1::OUTCOME_DUPLICATE:
        RETURN_IF_ERROR(DeleteOutbox(*db_, item.seq));
        RETURN_IF_ERROR(Rebase(*db_, item, result.version()));
        RETURN_IF_ERROR(StampAnswered(*db_, item, result));
        ++(result.outcome() == rehab::v1::OUTCOME_APPLIED ? tally.pushed
                                                          : tally.duplicates);
        break;
      case rehab::v1::OUTCOME_CONFLICT:
      case rehab::v1::OUTCOME_REJECTED:
        RETURN_IF_ERROR(Park(*db_, item, result, now));
        ++(result.outcome() == rehab::v1::OUTCOME_CONFLICT ? tally.conflicts
                                                           : tally.rejected);
        break;
      default:
        // Not an answer this SDK understands: the mutation stays queued.
        break;
    }
  }
  RETURN_IF_ERROR(txn.Commit());
  return tally;
}

absl::StatusOr<std::string> LocalStore::SyncToken() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(std::optional<std::string> token,
                   GetMeta(*db_, kMetaSyncToken));
  return token.value_or("");
}

absl::StatusOr<PageTally> LocalStore::ApplyPage(
    const std::string& account_id, const rehab::v1::PullResponse& page) {
  absl::MutexLock lock(&mu_);
  SqlTransaction txn(*db_);
  RETURN_IF_ERROR(txn.Begin());
  RETURN_IF_ERROR(CheckBoundTo(*db_, account_id));
  PageTally tally;
  for (const Change& change : page.changes()) {
    ASSIGN_OR_RETURN(PageTally one, ApplyChange(*db_, change));
    tally.pulled += one.pulled;
    tally.skipped_pending += one.skipped_pending;
  }
  RETURN_IF_ERROR(SetMeta(*db_, kMetaSyncToken, page.sync_token()));
  RETURN_IF_ERROR(txn.Commit());
  return tally;
}

absl::Status LocalStore::ResetFeed(const std::string& account_id) {
  absl::MutexLock lock(&mu_);
  SqlTransaction txn(*db_);
  RETURN_IF_ERROR(txn.Begin());
  RETURN_IF_ERROR(CheckBoundTo(*db_, account_id));
  RETURN_IF_ERROR(db_->Execute(kDeleteRecordsWithoutLocalChanges));
  RETURN_IF_ERROR(DeleteMeta(*db_, kMetaSyncToken));
  return txn.Commit();
}

absl::StatusOr<std::optional<std::string>> LocalStore::GetRecord(
    const Collection& collection, const std::string& id) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(std::optional<CachedRecord> cached,
                   SelectRecord(*db_, collection, id));
  if (!cached.has_value()) return std::nullopt;
  return std::move(cached->body);
}

absl::StatusOr<std::vector<std::string>> LocalStore::ListByName(
    const Collection& collection, const std::string& name_prefix,
    const std::string& area_id, int32_t limit, int32_t offset) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqlStatement s, db_->Prepare(kSelectBodyByName));
  s.BindText(0, collection.name);
  s.BindText(1, name_prefix);
  s.BindText(2, name_prefix + kAfterText);
  s.BindText(3, area_id);
  s.BindInt64(4, limit);
  s.BindInt64(5, offset);
  return Bodies(s);
}

absl::StatusOr<std::optional<std::string>> LocalStore::FindByCard(
    const Collection& collection, const std::string& card_number) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqlStatement s, db_->Prepare(kSelectBodyByCard));
  s.BindText(0, card_number);
  s.BindText(1, collection.name);
  return FirstBody(s);
}

absl::StatusOr<std::vector<std::string>> LocalStore::ListByPatient(
    const Collection& collection, const std::string& patient_id) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqlStatement s, db_->Prepare(kSelectBodyByPatient));
  s.BindText(0, patient_id);
  s.BindText(1, collection.name);
  return Bodies(s);
}

absl::StatusOr<std::vector<std::string>> LocalStore::ListAll(
    const Collection& collection) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqlStatement s, db_->Prepare(kSelectBodyOfCollection));
  s.BindText(0, collection.name);
  return Bodies(s);
}

absl::StatusOr<int64_t> LocalStore::PendingCount() {
  absl::MutexLock lock(&mu_);
  return Count(*db_, kCountOutbox);
}

absl::StatusOr<int64_t> LocalStore::ParkedCount() {
  absl::MutexLock lock(&mu_);
  return Count(*db_, kCountParked);
}

absl::StatusOr<std::vector<ParkedMutation>> LocalStore::ListParked() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqlStatement s, db_->Prepare(kSelectParked));
  std::vector<ParkedMutation> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return out;
    ParkedMutation parked;
    google::rpc::Status status;
    if (!parked.mutation.ParseFromString(s.ColumnBlob(0)) ||
        !status.ParseFromString(s.ColumnBlob(2))) {
      return Corrupt("a parked mutation does not parse");
    }
    parked.outcome = static_cast<Outcome>(s.ColumnInt64(1));
    parked.status = StatusFromProto(status);
    if (!s.ColumnIsNull(3)) {
      parked.server_copy.emplace();
      if (!parked.server_copy->ParseFromString(s.ColumnBlob(3))) {
        return Corrupt("a parked server copy does not parse");
      }
    }
    parked.park_time = absl::FromUnixMicros(s.ColumnInt64(4));
    out.push_back(std::move(parked));
  }
}

absl::Status LocalStore::DiscardParked(const std::string& mutation_id) {
  absl::MutexLock lock(&mu_);
  SqlTransaction txn(*db_);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(SqlStatement select, db_->Prepare(kSelectParkedRecord));
  select.BindText(0, mutation_id);
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("no parked mutation has id ", mutation_id));
  }
  const Collection* collection = FindCollection(select.ColumnText(0));
  const std::string record_id = select.ColumnText(1);
  ASSIGN_OR_RETURN(SqlStatement remove, db_->Prepare(kDeleteParked));
  remove.BindText(0, mutation_id);
  RETURN_IF_ERROR(remove.Run());
  if (collection != nullptr) {
    ASSIGN_OR_RETURN(bool local, HasLocalChanges(*db_, *collection, record_id));
    ASSIGN_OR_RETURN(std::optional<CachedRecord> cached,
                     SelectRecord(*db_, *collection, record_id));
    if (!local && cached.has_value()) {
      if (cached->server_body.has_value()) {
        ASSIGN_OR_RETURN(std::unique_ptr<Message> server_copy,
                         ParseBody(*collection, *cached->server_body));
        RETURN_IF_ERROR(
            PutRecord(*db_, *collection, *server_copy, std::nullopt));
      } else {
        RETURN_IF_ERROR(DeleteRecord(*db_, *collection, record_id));
      }
    }
  }
  return txn.Commit();
}

absl::Status LocalStore::Wipe() {
  absl::MutexLock lock(&mu_);
  SqlTransaction txn(*db_);
  RETURN_IF_ERROR(txn.Begin());
  RETURN_IF_ERROR(db_->Execute(kEraseAll));
  RETURN_IF_ERROR(txn.Commit());
  return TruncateWal(*db_);
}

}  // namespace rehab::client::internal
