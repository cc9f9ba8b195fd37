// API messages as text for the command line: enum values by their short
// lower-case label ("family_doctor" for ROLE_FAMILY_DOCTOR), timestamps in
// RFC 3339, records as JSON.
#ifndef REHAB_TOOLS_REHABCTL_PROTO_TEXT_H_
#define REHAB_TOOLS_REHABCTL_PROTO_TEXT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace rehab::rehabctl {

// The value's name without its enum's prefix, lower-cased:
// ROLE_FAMILY_DOCTOR -> "family_doctor". (Every enum of the API starts
// with <PREFIX>_UNSPECIFIED = 0, which gives the prefix.)
std::string EnumLabel(const google::protobuf::EnumValueDescriptor* value);

// The number of the value `text` names in `type`: a label
// ("family_doctor", "family-doctor", any letter case), the full name
// ("ROLE_FAMILY_DOCTOR") or the number ("3"). The UNSPECIFIED value is
// not accepted. INVALID_ARGUMENT listing the choices otherwise.
absl::StatusOr<int> ParseEnumLabel(const google::protobuf::EnumDescriptor* type,
                                   const std::string& text);

// "a|b|c": the labels of `type`, UNSPECIFIED left out.
std::string EnumChoices(const google::protobuf::EnumDescriptor* type);

// The text of the field at `path` ("name", "guardian.phone") of `message`:
// strings as they are, numbers in decimal, true as "yes", enums by label,
// Timestamps in RFC 3339 (UTC), other messages in one-line text format
// (UTF-8 kept), repeated fields joined by ",". "" for an unset field or an
// unknown path.
std::string FieldText(const google::protobuf::Message& message,
                      const std::string& path);

// Every set field of `message` as (path, text) pairs in field-number order,
// nested messages flattened ("guardian.name"), repeated ones by index
// ("items[1].code", as the server names fields in errors), Timestamps kept
// whole.
std::vector<std::pair<std::string, std::string>> SetFields(
    const google::protobuf::Message& message);

// One line of JSON (field names as in the .proto, enums by full name).
std::string ToJson(const google::protobuf::Message& message);

}  // namespace rehab::rehabctl

#endif  // REHAB_TOOLS_REHABCTL_PROTO_TEXT_H_
