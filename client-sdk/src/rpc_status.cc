#include "client-sdk/src/rpc_status.h"

#include <string>

#include "absl/strings/cord.h"

namespace rehab::client::internal {

absl::Status WithDetails(absl::Status status,
                         const google::rpc::Status& details) {
  for (const google::protobuf::Any& any : details.details()) {
    status.SetPayload(any.type_url(), absl::Cord(any.value()));
  }
  return status;
}

absl::Status StatusFromProto(const google::rpc::Status& proto) {
  // gRPC and Abseil number the canonical codes alike (0 to 16).
  const int code = proto.code();
  const absl::StatusCode status_code = code >= 0 && code <= 16
                                           ? static_cast<absl::StatusCode>(code)
                                           : absl::StatusCode::kUnknown;
  return WithDetails(absl::Status(status_code, proto.message()), proto);
}

google::rpc::Status StatusToProto(const absl::Status& status) {
  google::rpc::Status proto;
  proto.set_code(static_cast<int>(status.code()));
  proto.set_message(std::string(status.message()));
  status.ForEachPayload(
      [&proto](absl::string_view type_url, const absl::Cord& value) {
        google::protobuf::Any* any = proto.add_details();
        any->set_type_url(std::string(type_url.data(), type_url.size()));
        any->set_value(std::string(value));
      });
  return proto;
}

}  // namespace rehab::client::internal
