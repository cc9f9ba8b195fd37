#include "server/common/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/rpc/error_details.pb.h"

namespace rehab {
namespace {

void SetBadRequest(absl::Status& status,
                   const std::vector<FieldViolation>& violations) {
  google::rpc::BadRequest bad_request;
  for (const FieldViolation& v : violations) {
    auto* out = bad_request.add_field_violations();
    out->set_field(v.field);
    out->set_description(v.description);
  }
  status.SetPayload(kBadRequestTypeUrl,
                    absl::Cord(bad_request.SerializeAsString()));
}

}  // namespace

void FieldViolations::Add(std::string field, std::string description) {
  violations_.push_back({std::move(field), std::move(description)});
}

absl::Status FieldViolations::ToStatus(std::string_view reason) const {
  if (violations_.empty()) return absl::OkStatus();
  std::string message = absl::StrCat(
      "invalid ", absl::StrJoin(violations_, "; ",
                                [](std::string* out, const FieldViolation& v) {
                                  absl::StrAppend(out, v.field, ": ",
                                                  v.description);
                                }));
  absl::Status status = absl::InvalidArgumentError(message);
  SetBadRequest(status, violations_);
  return WithReason(std::move(status),
                    reason.empty() ? kReasonInvalidArgument : reason);
}

absl::Status InvalidArgumentError(std::string_view field,
                                  std::string_view description,
                                  std::string_view reason) {
  FieldViolations v;
  v.Add(std::string(field), std::string(description));
  return v.ToStatus(reason);
}

absl::Status WithReason(absl::Status status, std::string_view reason) {
  if (status.ok()) return status;
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(kErrorDomain);
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

absl::Status ErrorWithReason(absl::StatusCode code, std::string_view message,
                             std::string_view reason) {
  return WithReason(absl::Status(code, std::string(message)), reason);
}

std::string ReasonOf(const absl::Status& status) {
  auto payload = status.GetPayload(kErrorInfoTypeUrl);
  if (!payload.has_value()) return "";
  google::rpc::ErrorInfo info;
  if (!info.ParseFromString(std::string(*payload))) return "";
  return info.reason();
}

std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status) {
  std::vector<FieldViolation> out;
  auto payload = status.GetPayload(kBadRequestTypeUrl);
  if (!payload.has_value()) return out;
  google::rpc::BadRequest bad_request;
  if (!bad_request.ParseFromString(std::string(*payload))) return out;
  for (const auto& v : bad_request.field_violations()) {
    out.push_back({v.field(), v.description()});
  }
  return out;
}

absl::Status PrefixFields(absl::Status status, std::string_view prefix) {
  std::vector<FieldViolation> violations = FieldViolationsOf(status);
  if (violations.empty()) return status;
  FieldViolations prefixed;
  for (FieldViolation& v : violations) {
    prefixed.Add(absl::StrCat(std::string(prefix), ".", v.field),
                 std::move(v.description));
  }
  std::string reason = ReasonOf(status);
  return prefixed.ToStatus(reason);
}

google::rpc::Status ToRpcStatus(const absl::Status& status) {
  google::rpc::Status out;
  out.set_code(static_cast<int>(status.code()));
  out.set_message(std::string(status.message()));
  status.ForEachPayload(
      [&out](absl::string_view type_url, const absl::Cord& payload) {
        google::protobuf::Any* any = out.add_details();
        any->set_type_url(std::string(type_url));
        any->set_value(std::string(payload));
      });
  return out;
}

}  // namespace rehab
