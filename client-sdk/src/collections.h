// The record types the SDK syncs, in one registry: one entry per member of
// the `record` oneofs of rehab.v1.Mutation and rehab.v1.Change (the two
// share field numbers, pinned in proto/rehab/v1/sync.proto). Everything
// else in the SDK's offline part is generic over this table.
//
// Adding a record type: its member in the oneofs of sync.proto (both, for a
// type devices write; Change.record only, for one the server derives), then
// one entry in collections.cc (its feed name, its field number, what a
// device may write of it, and the keys the local queries look it up by).
//
//   const Collection* c = CollectionOf(mutation);
//   if (c == nullptr) ...  // no record set, or a type this SDK lacks
//   const google::protobuf::Message& record = RecordIn(mutation, *c);
#ifndef REHAB_CLIENT_SDK_SRC_COLLECTIONS_H_
#define REHAB_CLIENT_SDK_SRC_COLLECTIONS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "google/protobuf/message.h"
#include "rehab/v1/sync.pb.h"

namespace rehab::client::internal {

// What the local cache indexes a record by, for the local queries; ""
// where the type has no such key.
struct RecordKeys {
  std::string patient_id;   // the patient it belongs to (a patient: itself)
  std::string name;         // name-ordered lists
  std::string area_id;      // area filter
  std::string card_number;  // disability card look-up
};

// What a device may write of a type through Push.
enum class Writes {
  // Nothing: the server derives the type (alerts, due follow-ups); it has
  // no member in Mutation.record.
  kNone,
  // Creates only (base_version 0): facts never edited (a visit is
  // corrected by a new visit), or records changed only by online calls.
  kCreate,
  // Creates and edits.
  kCreateAndUpdate,
};

struct Collection {
  // The change feed's name for the type (Change.collection), e.g.
  // "patients"; also its name in the local database.
  std::string_view name;
  // The number of the type's member in Mutation.record and Change.record.
  int field_number;
  Writes writes;
  RecordKeys (*keys)(const google::protobuf::Message& record);
};

// Every registered type, in field-number order.
const std::vector<Collection>& Collections();

// The collection named `name`; null when none.
const Collection* FindCollection(std::string_view name);
// The collection whose oneof member has number `field_number` (e.g.
// rehab::v1::Mutation::kPatientFieldNumber); null when none.
const Collection* FindCollectionByField(int field_number);
// The collection of the record `mutation` carries; null when it carries
// none or one of a type not registered.
const Collection* CollectionOf(const rehab::v1::Mutation& mutation);

// The collection's member of the oneofs. REQUIRES for RecordIn(Mutation):
// CollectionOf(mutation) == &collection; for MutableRecordIn(Mutation):
// collection.writes != Writes::kNone.
const google::protobuf::Message& RecordIn(const rehab::v1::Mutation& mutation,
                                          const Collection& collection);
google::protobuf::Message* MutableRecordIn(rehab::v1::Mutation& mutation,
                                           const Collection& collection);
// Null when `change` carries no record of `collection`'s type.
const google::protobuf::Message* RecordIn(const rehab::v1::Change& change,
                                          const Collection& collection);
google::protobuf::Message* MutableRecordIn(rehab::v1::Change& change,
                                           const Collection& collection);

// A record of the collection's type parsed from `bytes`; null when they do
// not parse.
std::unique_ptr<google::protobuf::Message> ParseRecord(
    const Collection& collection, std::string_view bytes);

// The common resource fields every record carries under the same numbers
// (rehab/v1/common.proto): id = 1, version = 2, change_seq = 6.
std::string RecordId(const google::protobuf::Message& record);
void SetRecordId(google::protobuf::Message& record, const std::string& id);
int64_t RecordVersion(const google::protobuf::Message& record);
void SetRecordVersion(google::protobuf::Message& record, int64_t version);
void SetRecordChangeSeq(google::protobuf::Message& record, int64_t change_seq);

}  // namespace rehab::client::internal

#endif  // REHAB_CLIENT_SDK_SRC_COLLECTIONS_H_
