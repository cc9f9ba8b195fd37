#include "server/domain/sync_manager.h"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <set>
#include <unordered_set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "server/common/dates.h"
#include "server/common/errors.h"
#include "server/common/ids.h"
#include "server/common/status_macros.h"
#include "server/domain/access_policy.h"
#include "server/domain/resource.h"

namespace rehab {
namespace {

using rehab::v1::Change;
using rehab::v1::Mutation;
using rehab::v1::MutationResult;

// Feed entries one Pull may look at beyond those it sends (entries of
// records the caller does not hold, e.g. a kiosk's enrollments), so that a
// call's work stays bounded; the page then ends early, not caught up, and
// its token resumes after them.
constexpr int64_t kMaxScannedEntries = 10 * int64_t{kMaxPullPageSize};

// Mutations of a Push batch applied under one savepoint (SyncManager::
// ApplyRun): a run that fails is applied again one mutation at a time, so a
// refused mutation costs at most this many applied twice.
constexpr size_t kApplyRunSize = 32;

// --- Sync tokens --------------------------------------------------------
// version (1) | last change_seq (8) | issue time, Unix µs (8) |
// scope fingerprint (32) | HMAC-SHA256 of the above (32), base64url.
constexpr unsigned char kTokenVersion = 1;
constexpr size_t kFingerprintBytes = crypto_hash_sha256_BYTES;
constexpr size_t kTokenBodyBytes = 1 + 8 + 8 + kFingerprintBytes;
constexpr size_t kTokenBytes = kTokenBodyBytes + crypto_auth_hmacsha256_BYTES;

void AppendInt64(std::string& out, int64_t value) {
  const uint64_t v = static_cast<uint64_t>(value);
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

int64_t ReadInt64(const std::string& in, size_t offset) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) {
    v = (v << 8) | static_cast<unsigned char>(in[offset + i]);
  }
  return static_cast<int64_t>(v);
}

const unsigned char* Bytes(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

void HashField(crypto_hash_sha256_state& state, const std::string& field) {
  std::string length;
  AppendInt64(length, static_cast<int64_t>(field.size()));
  crypto_hash_sha256_update(&state, Bytes(length), length.size());
  crypto_hash_sha256_update(&state, Bytes(field), field.size());
}

std::string Finish(crypto_hash_sha256_state& state) {
  std::string digest(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256_final(&state,
                           reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

// Everything the feed's content depends on besides the position: a change
// of any of it makes old tokens useless, since what the device holds was
// filtered and shaped for the old scope.
std::string ScopeFingerprint(const Caller& caller) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  HashField(state, "rehab.sync.scope.v1");
  HashField(state, caller.account_id);
  HashField(state, std::to_string(static_cast<int>(caller.role)));
  HashField(state, caller.scope_id);
  HashField(state, caller.scope_area_code);
  // Hashed only when set, so tokens issued before teams counted stay good.
  if (!caller.scope_team.empty()) HashField(state, caller.scope_team);
  std::vector<std::string> wards = caller.ward_ids;
  std::sort(wards.begin(), wards.end());
  wards.erase(std::unique(wards.begin(), wards.end()), wards.end());
  for (const std::string& ward : wards) HashField(state, ward);
  HashField(state, caller.psychiatric_identity ? "identity" : "");
  return Finish(state);
}

std::string Mac(const std::string& key, const std::string& body) {
  std::string mac(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256(reinterpret_cast<unsigned char*>(mac.data()),
                         Bytes(body), body.size(), Bytes(key));
  return mac;
}

std::string EncodeToken(const std::string& key, const std::string& fingerprint,
                        int64_t last_seq, absl::Time issue_time) {
  std::string body;
  body.reserve(kTokenBytes);
  body.push_back(static_cast<char>(kTokenVersion));
  AppendInt64(body, last_seq);
  AppendInt64(body, absl::ToUnixMicros(issue_time));
  body += fingerprint;
  return absl::WebSafeBase64Escape(body + Mac(key, body));
}

absl::Status ResyncRequired(const std::string& why) {
  return ErrorWithReason(
      absl::StatusCode::kFailedPrecondition,
      absl::StrCat("the sync token ", why, "; pull again from an empty token"),
      kReasonResyncRequired);
}

// The position a token names, once it proves to be ours, unaltered, for
// this account and scope, and young enough.
absl::StatusOr<int64_t> DecodeToken(const std::string& key,
                                    const std::string& fingerprint,
                                    const std::string& token, absl::Time now,
                                    absl::Duration horizon) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw) || raw.size() != kTokenBytes ||
      static_cast<unsigned char>(raw[0]) != kTokenVersion) {
    return ResyncRequired("is malformed");
  }
  if (crypto_auth_hmacsha256_verify(Bytes(raw) + kTokenBodyBytes, Bytes(raw),
                                    kTokenBodyBytes, Bytes(key)) != 0) {
    return ResyncRequired("was not issued by this server or was altered");
  }
  if (sodium_memcmp(Bytes(raw) + 17, Bytes(fingerprint), kFingerprintBytes) !=
      0) {
    return ResyncRequired(
        "was issued for another account, or before this account's scope "
        "changed");
  }
  const absl::Time issued = absl::FromUnixMicros(ReadInt64(raw, 9));
  if (issued < now - horizon) {
    return ResyncRequired(absl::StrCat(
        "is older than ", absl::ToInt64Hours(horizon) / 24, " days"));
  }
  const int64_t last_seq = ReadInt64(raw, 1);
  if (last_seq < 0) return ResyncRequired("is malformed");
  return last_seq;
}

// --- Push ---------------------------------------------------------------

std::string StringField(const google::protobuf::Message& record,
                        const char* name) {
  const google::protobuf::FieldDescriptor* field =
      record.GetDescriptor()->FindFieldByName(name);
  if (field == nullptr ||
      field->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
    return "";
  }
  return record.GetReflection()->GetString(record, field);
}

// SHA-256 of what makes a mutation the same change when retried: the
// record type, the record's content as the client wrote it, and
// base_version.
std::string PayloadHash(const SyncCollection& collection,
                        const Mutation& mutation) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  HashField(state, collection.name);
  std::string base;
  AppendInt64(base, mutation.base_version());
  HashField(state, base);
  const google::protobuf::Message* record = RecordOf(mutation);
  HashField(state, record != nullptr ? ContentSerialization(*record) : "");
  return Finish(state);
}

absl::Status CheckBatchSize(const rehab::v1::PushRequest& request) {
  if (request.mutations_size() > kMaxPushMutations) {
    return ErrorWithReason(
        absl::StatusCode::kResourceExhausted,
        absl::StrCat("a Push batch holds at most ", kMaxPushMutations,
                     " mutations; this one has ", request.mutations_size(),
                     ": send it in smaller batches"),
        kReasonBatchTooLarge);
  }
  int64_t bytes = 0;
  for (const Mutation& m : request.mutations()) {
    if (const google::protobuf::Message* record = RecordOf(m)) {
      bytes += static_cast<int64_t>(record->ByteSizeLong());
    }
  }
  if (bytes > kMaxPushRecordBytes) {
    return ErrorWithReason(
        absl::StatusCode::kResourceExhausted,
        absl::StrCat("a Push batch holds at most ", kMaxPushRecordBytes,
                     " bytes (4 MiB) of records; this one has ", bytes,
                     ": send it in smaller batches"),
        kReasonBatchTooLarge);
  }
  return absl::OkStatus();
}

// Faults of the server rather than of the mutation: the batch fails as a
// whole (nothing applied) and the device retries it, instead of parking a
// mutation that nothing is wrong with.
bool IsServerFault(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kCancelled:
      return true;
    default:
      return false;
  }
}

bool IsVersionConflict(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAborted &&
         ReasonOf(status) == kReasonVersionConflict;
}

MutationResult Rejected(MutationResult result, const absl::Status& status) {
  result.set_outcome(rehab::v1::OUTCOME_REJECTED);
  *result.mutable_status() = ToRpcStatus(status);
  return result;
}

// The audit trail names patients by id; anything else a client sent in
// the field is not kept there.
std::string AuditablePatient(std::string patient_id) {
  return IsCanonicalUuid(patient_id) ? patient_id : "";
}

// The feed is read without break-glass grants: a grant is for one look,
// not for a copy that outlives it on a device.
Caller FeedReader(const Caller& caller) {
  Caller reader = caller;
  reader.break_glass_patient_ids.clear();
  return reader;
}

rehab::v1::ChangeKind KindOf(FeedEntry::Kind kind) {
  switch (kind) {
    case FeedEntry::Kind::kUpsert:
      return rehab::v1::CHANGE_KIND_UPSERT;
    case FeedEntry::Kind::kTombstone:
      return rehab::v1::CHANGE_KIND_TOMBSTONE;
    case FeedEntry::Kind::kRemovedFromScope:
      return rehab::v1::CHANGE_KIND_REMOVED_FROM_SCOPE;
  }
  return rehab::v1::CHANGE_KIND_UNSPECIFIED;
}

}  // namespace

// A mutation of the batch, checked and prepared before the transaction.
struct SyncManager::Pending {
  const Mutation* mutation = nullptr;
  std::string mutation_id;  // canonical
  const SyncCollection* collection = nullptr;
  std::string payload_hash;
  std::string patient_id;
  // Not OK when the mutation is refused before the transaction.
  absl::Status rejection;
  Mutation prepared;
};

SyncManager::SyncManager(Store* store, const Clock* clock,
                         const SyncCollections* collections,
                         SyncOptions options)
    : store_(store),
      clock_(clock),
      collections_(collections),
      options_(options) {
  // The token key comes from libsodium's random source.
  if (sodium_init() < 0) std::abort();
}

absl::StatusOr<rehab::v1::PushResponse> SyncManager::Push(
    const Caller& caller, const rehab::v1::PushRequest& request,
    std::vector<PatientOutcome>* audit) {
  RETURN_IF_ERROR(CheckBatchSize(request));
  const absl::Time now = clock_->Now();
  std::vector<Pending> batch;
  batch.reserve(request.mutations_size());
  for (const Mutation& m : request.mutations()) {
    batch.push_back(Prepare(caller, m, now));
  }

  rehab::v1::PushResponse response;
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    response.clear_results();
    for (size_t begin = 0; begin < batch.size(); begin += kApplyRunSize) {
      RETURN_IF_ERROR(ApplyRun(txn, caller, batch, begin,
                               std::min(batch.size(), begin + kApplyRunSize),
                               now, response));
    }
    return txn
        .PruneAppliedMutations(now - options_.horizon, options_.prune_limit)
        .status();
  }));
  *response.mutable_server_time() = ToProto(clock_->Now());

  if (audit != nullptr) {
    // One event per patient and outcome code: a batch may both apply and
    // refuse changes to one patient.
    std::set<std::pair<std::string, absl::StatusCode>> seen;
    for (size_t i = 0; i < batch.size(); ++i) {
      const MutationResult& r = response.results(static_cast<int>(i));
      absl::Status outcome;
      if (r.has_status()) {
        outcome = absl::Status(static_cast<absl::StatusCode>(r.status().code()),
                               r.status().message());
      }
      if (seen.emplace(batch[i].patient_id, outcome.code()).second) {
        audit->push_back({batch[i].patient_id, std::move(outcome)});
      }
    }
  }
  return response;
}

SyncManager::Pending SyncManager::Prepare(const Caller& caller,
                                          const Mutation& mutation,
                                          absl::Time now) const {
  Pending p;
  p.mutation = &mutation;
  p.mutation_id = CanonicalizeUuid(mutation.mutation_id());
  p.collection = collections_->ForMutation(mutation);
  if (p.collection != nullptr) {
    p.payload_hash = PayloadHash(*p.collection, mutation);
    p.patient_id = AuditablePatient(p.collection->patient_of(mutation));
  }
  FieldViolations violations;
  if (p.mutation_id.empty()) {
    violations.Add("mutation_id", "required");
  } else if (!IsCanonicalUuid(p.mutation_id)) {
    violations.Add("mutation_id", "must be a UUID");
  }
  if (mutation.base_version() < 0) {
    violations.Add("base_version", "must not be negative (0 creates)");
  }
  if (p.collection == nullptr) {
    violations.Add("record", absl::StrCat("required: one of ",
                                          collections_->RecordNames()));
  }
  p.rejection = violations.ToStatus();
  if (!p.rejection.ok()) return p;
  absl::StatusOr<Mutation> prepared =
      p.collection->prepare(caller, mutation, now);
  if (!prepared.ok()) {
    p.rejection = prepared.status();
    return p;
  }
  p.prepared = *std::move(prepared);
  // A create without an id is given one here.
  p.patient_id = AuditablePatient(p.collection->patient_of(p.prepared));
  return p;
}

absl::Status SyncManager::ApplyRun(WriteTxn& txn, const Caller& caller,
                                   const std::vector<Pending>& batch,
                                   size_t begin, size_t end, absl::Time now,
                                   rehab::v1::PushResponse& response) const {
  // Most runs apply whole: one savepoint for the run, not one per
  // mutation. Every release of a savepoint nested in the job's own costs
  // SQLite a walk of the in-memory sub-journal from its start, so one per
  // mutation made a batch quadratic in its size.
  std::vector<MutationResult> results;
  results.reserve(end - begin);
  const absl::Status run = txn.Nested([&](WriteTxn& nested) -> absl::Status {
    for (size_t i = begin; i < end; ++i) {
      ASSIGN_OR_RETURN(MutationResult result,
                       Apply(nested, caller, batch[i], now, /*guarded=*/false));
      results.push_back(std::move(result));
    }
    return absl::OkStatus();
  });
  if (run.ok()) {
    for (MutationResult& result : results) {
      *response.add_results() = std::move(result);
    }
    return absl::OkStatus();
  }
  if (IsServerFault(run)) return run;
  // A mutation of the run failed and the run is undone: apply it again one
  // mutation at a time. It starts from the same state, so each mutation
  // gets the result it would have had alone.
  for (size_t i = begin; i < end; ++i) {
    ASSIGN_OR_RETURN(*response.add_results(),
                     Apply(txn, caller, batch[i], now, /*guarded=*/true));
  }
  return absl::OkStatus();
}

absl::StatusOr<MutationResult> SyncManager::Apply(WriteTxn& txn,
                                                  const Caller& caller,
                                                  const Pending& pending,
                                                  absl::Time now,
                                                  bool guarded) const {
  MutationResult result;
  result.set_mutation_id(pending.mutation->mutation_id());
  // Checked inside the transaction, so that two devices (or two threads)
  // sending one mutation at once apply it once.
  if (IsCanonicalUuid(pending.mutation_id)) {
    ASSIGN_OR_RETURN(std::optional<AppliedMutation> applied,
                     txn.GetAppliedMutation(pending.mutation_id));
    if (applied.has_value()) {
      if (applied->account_id != caller.account_id ||
          pending.collection == nullptr ||
          applied->payload_hash != pending.payload_hash) {
        return Rejected(
            std::move(result),
            ErrorWithReason(absl::StatusCode::kAlreadyExists,
                            absl::StrCat("mutation_id ", pending.mutation_id,
                                         " was used for another change; "
                                         "make a new id for every change"),
                            kReasonMutationIdReused));
      }
      result.set_outcome(rehab::v1::OUTCOME_DUPLICATE);
      result.set_id(applied->record_id);
      result.set_version(applied->version);
      result.set_change_seq(applied->change_seq);
      return result;
    }
  }
  if (!pending.rejection.ok()) {
    return Rejected(std::move(result), pending.rejection);
  }

  const SyncCollection& collection = *pending.collection;
  SyncWrite written;
  const auto write = [&](WriteTxn& nested) -> absl::Status {
    ASSIGN_OR_RETURN(written,
                     collection.apply(nested, caller, pending.prepared, now));
    AppliedMutation record;
    record.mutation_id = pending.mutation_id;
    record.account_id = caller.account_id;
    record.payload_hash = pending.payload_hash;
    record.collection = collection.name;
    record.record_id = written.id;
    record.version = written.version;
    record.change_seq = written.change_seq;
    record.apply_time = now;
    return nested.PutAppliedMutation(record);
  };
  const absl::Status status = guarded ? txn.Nested(write) : write(txn);
  if (status.ok()) {
    result.set_outcome(written.applied ? rehab::v1::OUTCOME_APPLIED
                                       : rehab::v1::OUTCOME_DUPLICATE);
    result.set_id(written.id);
    result.set_version(written.version);
    result.set_change_seq(written.change_seq);
    return result;
  }
  if (!guarded || IsServerFault(status)) return status;
  if (!IsVersionConflict(status)) return Rejected(std::move(result), status);

  result.set_outcome(rehab::v1::OUTCOME_CONFLICT);
  *result.mutable_status() = ToRpcStatus(status);
  const google::protobuf::Message* record = RecordOf(pending.prepared);
  const std::string id = record != nullptr ? StringField(*record, "id") : "";
  result.set_id(id);
  Change* current = result.mutable_current();
  ASSIGN_OR_RETURN(bool found, collection.read(txn, caller, id, *current));
  if (found) {
    current->set_kind(rehab::v1::CHANGE_KIND_UPSERT);
    current->set_collection(collection.name);
    current->set_id(id);
  } else {
    result.clear_current();
  }
  return result;
}

absl::StatusOr<rehab::v1::PullResponse> SyncManager::Pull(
    const Caller& caller, const rehab::v1::PullRequest& request,
    std::vector<PatientOutcome>* audit) {
  if (request.page_size() < 0 || request.page_size() > kMaxPullPageSize) {
    return InvalidArgumentError(
        "page_size", absl::StrCat("must be 0 (for ", kDefaultPullPageSize,
                                  ") to ", kMaxPullPageSize));
  }
  const int32_t page_size =
      request.page_size() == 0 ? kDefaultPullPageSize : request.page_size();
  ASSIGN_OR_RETURN(const std::string key, TokenKey());
  const std::string fingerprint = ScopeFingerprint(caller);
  const absl::Time now = clock_->Now();
  int64_t after = 0;
  if (!request.sync_token().empty()) {
    ASSIGN_OR_RETURN(after, DecodeToken(key, fingerprint, request.sync_token(),
                                        now, options_.horizon));
  }
  const Caller reader = FeedReader(caller);
  FeedQuery query;
  query.scope = AccessPolicy::PatientScopeFor(caller);
  query.limit = page_size + 1;

  rehab::v1::PullResponse response;
  int64_t last = after;
  bool caught_up = false;
  std::vector<std::string> patients;
  RETURN_IF_ERROR(store_->Read([&](ReadTxn& txn) -> absl::Status {
    response.clear_changes();
    patients.clear();
    last = after;
    caught_up = false;
    ASSIGN_OR_RETURN(const int64_t head, txn.LastChangeSeq());
    if (after > head) {
      return ResyncRequired("is ahead of this server's change feed");
    }
    std::unordered_set<std::string> seen;
    int64_t scanned = 0;
    bool full = false;
    // A role that sees no patients has no feed.
    caught_up = query.scope.kind == PatientScope::Kind::kNone;
    while (!full && !caught_up && scanned < kMaxScannedEntries) {
      query.after_seq = last;
      ASSIGN_OR_RETURN(std::vector<FeedEntry> entries, txn.ListFeed(query));
      for (const FeedEntry& entry : entries) {
        if (response.changes_size() == page_size) {
          full = true;
          break;
        }
        last = entry.change_seq;
        ++scanned;
        const SyncCollection* collection =
            collections_->ForName(entry.collection);
        if (collection == nullptr || !collection->readable_by(reader)) {
          continue;
        }
        Change change;
        if (entry.kind == FeedEntry::Kind::kUpsert) {
          ASSIGN_OR_RETURN(
              bool found,
              collection->read(txn, reader, entry.record_id, change));
          if (!found) continue;
        }
        change.set_change_seq(entry.change_seq);
        change.set_kind(KindOf(entry.kind));
        change.set_collection(entry.collection);
        change.set_id(entry.record_id);
        *response.add_changes() = std::move(change);
        if (seen.insert(entry.patient_id).second) {
          patients.push_back(entry.patient_id);
        }
      }
      if (!full && static_cast<int32_t>(entries.size()) < query.limit) {
        caught_up = true;
      }
    }
    // The read is one snapshot and change_seq order is commit order, so
    // nothing the caller may see lies between the last entry and the head.
    if (caught_up) last = std::max(last, head);
    return absl::OkStatus();
  }));
  response.set_caught_up(caught_up);
  response.set_sync_token(EncodeToken(key, fingerprint, last, now));
  *response.mutable_server_time() = ToProto(now);
  if (audit != nullptr) {
    for (std::string& patient_id : patients) {
      audit->push_back({std::move(patient_id), absl::OkStatus()});
    }
  }
  return response;
}

absl::StatusOr<std::string> SyncManager::TokenKey() {
  {
    absl::MutexLock lock(&key_mu_);
    if (!token_key_.empty()) return token_key_;
  }
  std::optional<std::string> key;
  RETURN_IF_ERROR(store_->Read([&](ReadTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(key, txn.GetSecret(kSyncTokenKeyName));
    return absl::OkStatus();
  }));
  if (!key.has_value()) {
    std::string fresh(crypto_auth_hmacsha256_KEYBYTES, '\0');
    crypto_auth_hmacsha256_keygen(
        reinterpret_cast<unsigned char*>(fresh.data()));
    // Two first calls at once may both make a key; the store keeps the
    // first, and both use it.
    RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(key, txn.PutSecretIfAbsent(kSyncTokenKeyName, fresh));
      return absl::OkStatus();
    }));
    sodium_memzero(fresh.data(), fresh.size());
  }
  if (key->size() != crypto_auth_hmacsha256_KEYBYTES) {
    return absl::InternalError(
        absl::StrCat("the stored ", kSyncTokenKeyName, " has ", key->size(),
                     " bytes, not ", crypto_auth_hmacsha256_KEYBYTES));
  }
  absl::MutexLock lock(&key_mu_);
  token_key_ = *std::move(key);
  return token_key_;
}

}  // namespace rehab
