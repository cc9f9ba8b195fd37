// The record types that travel through SyncService (DESIGN.md section 6),
// in one registry. Each entry says, for one type: its change-feed
// collection name, its member of the Mutation.record and Change.record
// oneofs, how a pushed mutation of it is applied (through the same steps as
// the API method that writes it), and how a caller reads it in the feed.
//
// Adding a record type to sync: its pinned number in both oneofs of
// proto/rehab/v1/sync.proto, then one entry in sync_collections.cc (a
// function that builds its SyncCollection, registered in SyncCollections'
// constructor), and its manager in SyncManagers when it has a new one.
//
//   SyncCollections collections(SyncManagers{&patient_manager});
//   const SyncCollection* c = collections.ForMutation(mutation);
//   if (c == nullptr) ...  // no record, or a type this server does not know
#ifndef REHAB_SERVER_DOMAIN_SYNC_COLLECTIONS_H_
#define REHAB_SERVER_DOMAIN_SYNC_COLLECTIONS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "rehab/v1/sync.pb.h"
#include "server/domain/caller.h"
#include "server/domain/contract_manager.h"
#include "server/domain/patient_manager.h"
#include "server/domain/store.h"

namespace rehab {

// What applying one mutation did to its record.
struct SyncWrite {
  std::string id;  // the record's id (chosen by the server when none came)
  int64_t version = 0;
  int64_t change_seq = 0;
  // False when nothing was written: a create repeating an existing id with
  // the same content (the answer is DUPLICATE, with the stored record).
  bool applied = false;
};

// The managers the entries delegate to. Not owned; they must outlive the
// registry.
struct SyncManagers {
  PatientManager* patients = nullptr;
  ContractManager* contracts = nullptr;
};

// One record type in sync. Every function is thread-safe.
struct SyncCollection {
  // The change feed's name for the type, e.g. "patients".
  std::string name;
  // The number of the type's member of Mutation.record, the same in
  // Change.record (pinned in sync.proto).
  int field_number = 0;
  // The patient the mutation's record belongs to ("" when it names none),
  // for the audit trail.
  std::function<std::string(const rehab::v1::Mutation&)> patient_of;
  // Step one, before the batch's transaction: what the API method checks
  // and normalises before its own (role, validation, stamping). Returns the
  // mutation with its record replaced by the prepared one, or the error the
  // method would give (field paths start with the oneof member's name, e.g.
  // "patient.id_number", or name a Mutation field such as "base_version").
  std::function<absl::StatusOr<rehab::v1::Mutation>(
      const Caller&, const rehab::v1::Mutation&, absl::Time now)>
      prepare;
  // Step two, inside the batch's transaction: stores a prepared mutation
  // as the API method would (base_version 0 creates, idempotent by id;
  // otherwise replaces the client-writable fields of the stored version
  // base_version: ABORTED with reason VERSION_CONFLICT when it is stale).
  std::function<absl::StatusOr<SyncWrite>(WriteTxn&, const Caller&,
                                          const rehab::v1::Mutation& prepared,
                                          absl::Time now)>
      apply;
  // True when `caller`'s role may hold records of this type at all (a
  // kiosk holds no enrollments): the feed sends it nothing of the others,
  // tombstones and removals included.
  std::function<bool(const Caller&)> readable_by;
  // Fills `change`'s record member with the stored record `id` as
  // `caller` may read it, and `change.change_seq` with the record's own;
  // false when absent or not readable. Does not check the caller's scope
  // (the feed is scoped by the store).
  std::function<absl::StatusOr<bool>(ReadTxn&, const Caller&,
                                     const std::string& id,
                                     rehab::v1::Change& change)>
      read;
};

// The registry. Immutable after construction; thread-safe.
class SyncCollections {
 public:
  explicit SyncCollections(const SyncManagers& managers);

  // The collection of the record `mutation` carries; null when it carries
  // none (or one of a type this server does not know).
  const SyncCollection* ForMutation(const rehab::v1::Mutation& mutation) const;
  // The collection named `name` in the change feed; null when none.
  const SyncCollection* ForName(const std::string& name) const;

  // The oneof member names of the registered types, e.g. "patient,
  // enrollment" (for error messages).
  std::string RecordNames() const;

 private:
  std::vector<SyncCollection> collections_;
};

// The record `mutation` carries (its Mutation.record member); null when none.
const google::protobuf::Message* RecordOf(const rehab::v1::Mutation& mutation);

}  // namespace rehab

#endif  // REHAB_SERVER_DOMAIN_SYNC_COLLECTIONS_H_
