#include "server/domain/resource.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/timestamp.pb.h"
#include "server/common/dates.h"
#include "server/common/errors.h"
#include "server/common/ids.h"

namespace rehab {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// The common fields are found by name, so a record type that lacks one
// (none should; see common.proto) is handled without it.
const FieldDescriptor* Field(const Message& record, const char* name) {
  return record.GetDescriptor()->FindFieldByName(name);
}

constexpr const char* kServerOwnedFields[] = {
    "version", "create_time", "update_time", "change_seq", "author"};

// Record-specific fields the server sets per reader, never from the client:
// a record read back with them set is still the content the client sent.
constexpr const char* kPerReaderFields[] = {"pseudonymised"};

void ClearByName(Message& record, const char* name) {
  if (const FieldDescriptor* f = Field(record, name)) {
    record.GetReflection()->ClearField(&record, f);
  }
}

void SetString(Message& record, const char* name, const std::string& value) {
  if (const FieldDescriptor* f = Field(record, name);
      f != nullptr && f->type() == FieldDescriptor::TYPE_STRING) {
    record.GetReflection()->SetString(&record, f, value);
  }
}

std::string GetString(const Message& record, const char* name) {
  if (const FieldDescriptor* f = Field(record, name);
      f != nullptr && f->type() == FieldDescriptor::TYPE_STRING) {
    return record.GetReflection()->GetString(record, f);
  }
  return "";
}

void SetVersion(Message& record, int64_t version) {
  if (const FieldDescriptor* f = Field(record, "version");
      f != nullptr && f->type() == FieldDescriptor::TYPE_INT64) {
    record.GetReflection()->SetInt64(&record, f, version);
  }
}

int64_t GetVersion(const Message& record) {
  if (const FieldDescriptor* f = Field(record, "version");
      f != nullptr && f->type() == FieldDescriptor::TYPE_INT64) {
    return record.GetReflection()->GetInt64(record, f);
  }
  return 0;
}

void SetTime(Message& record, const char* name, absl::Time t) {
  const FieldDescriptor* f = Field(record, name);
  if (f == nullptr || f->message_type() == nullptr ||
      f->message_type() != google::protobuf::Timestamp::descriptor()) {
    return;
  }
  record.GetReflection()->MutableMessage(&record, f)->CopyFrom(ToProto(t));
}

std::string Deterministic(const Message& record) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    record.SerializeToCodedStream(&coded);
  }
  return out;
}

}  // namespace

void ClearServerFields(Message& record) {
  for (const char* name : kServerOwnedFields) ClearByName(record, name);
}

absl::Status StampCreate(Message& record, const Caller& caller, absl::Time now,
                         const std::string& field_prefix) {
  const std::string id = GetString(record, "id");
  if (id.empty()) {
    SetString(record, "id", NewUuid());
  } else {
    const std::string canonical = CanonicalizeUuid(id);
    if (!IsCanonicalUuid(canonical)) {
      return InvalidArgumentError(
          field_prefix.empty() ? "id" : absl::StrCat(field_prefix, ".id"),
          "must be a UUID");
    }
    SetString(record, "id", canonical);
  }
  // The change feed assigns change_seq when the record is stored.
  ClearServerFields(record);
  SetVersion(record, 1);
  SetTime(record, "create_time", now);
  SetTime(record, "update_time", now);
  SetString(record, "author", caller.account_id);
  if (GetString(record, "device_id").empty()) {
    SetString(record, "device_id", caller.device_id);
  }
  return absl::OkStatus();
}

void StampUpdate(Message& record, const Caller& caller, absl::Time now) {
  SetVersion(record, GetVersion(record) + 1);
  SetTime(record, "update_time", now);
  SetString(record, "author", caller.account_id);
}

std::string ContentSerialization(const Message& record) {
  std::unique_ptr<Message> copy(record.New());
  copy->CopyFrom(record);
  ClearServerFields(*copy);
  for (const char* name : kPerReaderFields) ClearByName(*copy, name);
  return Deterministic(*copy);
}

bool SameContent(const Message& a, const Message& b) {
  if (a.GetDescriptor() != b.GetDescriptor()) return false;
  return ContentSerialization(a) == ContentSerialization(b);
}

absl::Status CheckRepeatedCreate(const Message& fresh, const Message& stored,
                                 std::string_view collection) {
  if (SameContent(fresh, stored)) return absl::OkStatus();
  return ErrorWithReason(
      absl::StatusCode::kAlreadyExists,
      absl::StrCat(std::string(collection), " ", GetString(stored, "id"),
                   " already exists with other content"),
      kReasonAlreadyExists);
}

}  // namespace rehab
