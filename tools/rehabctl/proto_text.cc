#include "tools/rehabctl/proto_text.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace rehab::rehabctl {
namespace {

using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr char kUnspecified[] = "UNSPECIFIED";

std::string EnumPrefix(const EnumDescriptor* type) {
  const EnumValueDescriptor* zero = type->FindValueByNumber(0);
  if (zero == nullptr) return "";
  const std::string& name = zero->name();
  const size_t suffix = sizeof(kUnspecified) - 1;
  if (name.size() < suffix ||
      name.compare(name.size() - suffix, suffix, kUnspecified) != 0) {
    return "";
  }
  return name.substr(0, name.size() - suffix);
}

bool IsTimestamp(const FieldDescriptor* field) {
  return field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
         field->message_type()->full_name() == "google.protobuf.Timestamp";
}

std::string TimestampText(const Message& message) {
  google::protobuf::Timestamp timestamp;
  timestamp.CopyFrom(message);
  return google::protobuf::util::TimeUtil::ToString(timestamp);
}

// The text of one value of `field` (element `index` when repeated).
std::string ValueText(const Message& message, const FieldDescriptor* field,
                      int index) {
  const Reflection* r = message.GetReflection();
  const bool rep = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return rep ? r->GetRepeatedString(message, field, index)
                 : r->GetString(message, field);
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(rep ? r->GetRepeatedInt32(message, field, index)
                              : r->GetInt32(message, field));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(rep ? r->GetRepeatedInt64(message, field, index)
                              : r->GetInt64(message, field));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(rep ? r->GetRepeatedUInt32(message, field, index)
                              : r->GetUInt32(message, field));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(rep ? r->GetRepeatedUInt64(message, field, index)
                              : r->GetUInt64(message, field));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return absl::StrCat(rep ? r->GetRepeatedDouble(message, field, index)
                              : r->GetDouble(message, field));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return absl::StrCat(rep ? r->GetRepeatedFloat(message, field, index)
                              : r->GetFloat(message, field));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (rep ? r->GetRepeatedBool(message, field, index)
                  : r->GetBool(message, field))
                 ? "yes"
                 : "";
    case FieldDescriptor::CPPTYPE_ENUM:
      return EnumLabel(rep ? r->GetRepeatedEnum(message, field, index)
                           : r->GetEnum(message, field));
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Message& sub = rep ? r->GetRepeatedMessage(message, field, index)
                               : r->GetMessage(message, field);
      if (IsTimestamp(field)) return TimestampText(sub);
      // Text as people wrote it: names in Chinese stay readable (the
      // default printer escapes every byte outside ASCII).
      google::protobuf::TextFormat::Printer printer;
      printer.SetSingleLineMode(true);
      printer.SetUseUtf8StringEscaping(true);
      std::string text;
      printer.PrintToString(sub, &text);
      absl::StripTrailingAsciiWhitespace(&text);
      return text;
    }
  }
  return "";
}

std::string FieldValueText(const Message& message,
                           const FieldDescriptor* field) {
  const Reflection* r = message.GetReflection();
  if (!field->is_repeated()) {
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        !r->HasField(message, field)) {
      return "";
    }
    return ValueText(message, field, 0);
  }
  std::vector<std::string> parts;
  for (int i = 0; i < r->FieldSize(message, field); ++i) {
    parts.push_back(ValueText(message, field, i));
  }
  return absl::StrJoin(parts, ",");
}

void Flatten(const Message& message, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>& out) {
  const Reflection* r = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string path = absl::StrCat(prefix, field->name());
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        !IsTimestamp(field)) {
      if (!field->is_repeated()) {
        Flatten(r->GetMessage(message, field), absl::StrCat(path, "."), out);
        continue;
      }
      for (int i = 0; i < r->FieldSize(message, field); ++i) {
        Flatten(r->GetRepeatedMessage(message, field, i),
                absl::StrCat(path, "[", i, "]."), out);
      }
      continue;
    }
    std::string text = FieldValueText(message, field);
    if (!text.empty()) out.emplace_back(path, std::move(text));
  }
}

}  // namespace

std::string EnumLabel(const EnumValueDescriptor* value) {
  if (value == nullptr) return "";
  const std::string prefix = EnumPrefix(value->type());
  std::string name = value->name();
  if (!prefix.empty() && name.compare(0, prefix.size(), prefix) == 0) {
    name = name.substr(prefix.size());
  }
  if (name == kUnspecified) return "";
  return absl::AsciiStrToLower(name);
}

absl::StatusOr<int> ParseEnumLabel(const EnumDescriptor* type,
                                   const std::string& text) {
  const std::string upper =
      absl::AsciiStrToUpper(absl::StrReplaceAll(text, {{"-", "_"}}));
  const EnumValueDescriptor* value = type->FindValueByName(upper);
  if (value == nullptr) {
    value = type->FindValueByName(absl::StrCat(EnumPrefix(type), upper));
  }
  int number = 0;
  if (value == nullptr && absl::SimpleAtoi(text, &number)) {
    value = type->FindValueByNumber(number);
  }
  if (value == nullptr || value->number() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not one of ", EnumChoices(type)));
  }
  return value->number();
}

std::string EnumChoices(const EnumDescriptor* type) {
  std::vector<std::string> labels;
  for (int i = 0; i < type->value_count(); ++i) {
    if (type->value(i)->number() != 0) {
      labels.push_back(EnumLabel(type->value(i)));
    }
  }
  return absl::StrJoin(labels, "|");
}

std::string FieldText(const Message& message, const std::string& path) {
  const Message* current = &message;
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* field =
        current->GetDescriptor()->FindFieldByName(parts[i]);
    if (field == nullptr) return "";
    if (i + 1 == parts.size()) return FieldValueText(*current, field);
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        field->is_repeated()) {
      return "";
    }
    current = &current->GetReflection()->GetMessage(*current, field);
  }
  return "";
}

std::vector<std::pair<std::string, std::string>> SetFields(
    const Message& message) {
  std::vector<std::pair<std::string, std::string>> out;
  Flatten(message, "", out);
  return out;
}

std::string ToJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options)
           .ok()) {
    return "{}";
  }
  return json;
}

}  // namespace rehab::rehabctl
