// The common resource fields of DESIGN.md section 4, handled once for every
// record type (the fields have the same names and numbers in every record;
// see proto/rehab/v1/common.proto).
#ifndef REHAB_SERVER_DOMAIN_RESOURCE_H_
#define REHAB_SERVER_DOMAIN_RESOURCE_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "server/domain/caller.h"

namespace rehab {

// Clears the server-owned common fields (version, times, change_seq,
// author). Record-specific server-owned fields are the validator's.
void ClearServerFields(google::protobuf::Message& record);

// Prepares a new record: a canonical id (a fresh UUID when empty;
// INVALID_ARGUMENT on field `<field_prefix>.id` when not a UUID), version
// 1, create and update time `now`, author the caller's account ("system"
// for Caller::System()), device_id the caller's device when empty.
absl::Status StampCreate(google::protobuf::Message& record,
                         const Caller& caller, absl::Time now,
                         const std::string& field_prefix);

// Prepares a changed record: version + 1, update time `now`, author.
void StampUpdate(google::protobuf::Message& record, const Caller& caller,
                 absl::Time now);

// The deterministic serialisation of `record` with the server-owned
// common fields and the per-reader fields (`pseudonymised`) cleared: the
// content a client wrote, as SameContent compares it and as
// SyncService.Push hashes a mutation's payload.
std::string ContentSerialization(const google::protobuf::Message& record);

// True when `a` and `b` have equal deterministic serialisations once the
// server-owned common fields of both are cleared: "the same content" of
// an idempotent create.
bool SameContent(const google::protobuf::Message& a,
                 const google::protobuf::Message& b);

// The idempotency rule of DESIGN.md section 4 for a create whose id is
// already stored as `stored`: OK when `fresh` has the same content
// (SameContent), and the create then answers with `stored`; otherwise
// ALREADY_EXISTS (reason kReasonAlreadyExists) with the message
// "<collection> <stored id> already exists with other content", where
// `collection` names the record type, e.g. "patient".
absl::Status CheckRepeatedCreate(const google::protobuf::Message& fresh,
                                 const google::protobuf::Message& stored,
                                 std::string_view collection);

}  // namespace rehab

#endif  // REHAB_SERVER_DOMAIN_RESOURCE_H_
