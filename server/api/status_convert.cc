#include "server/api/status_convert.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/string_view.h"
#include "google/rpc/status.pb.h"
#include "server/common/log.h"

namespace rehab {
namespace {

constexpr char kInternalMessage[] = "internal error";

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status,
                          const std::string& method) {
  if (status.ok()) return grpc::Status::OK;
  // absl and gRPC share the canonical code numbers.
  const auto code = static_cast<grpc::StatusCode>(status.code());
  if (status.code() == absl::StatusCode::kInternal ||
      status.code() == absl::StatusCode::kUnknown) {
    log::Error("rpc_internal_error",
               {{"method", method},
                {"code", absl::StatusCodeToString(status.code())},
                {"detail", std::string(status.message())}});
    return grpc::Status(code, kInternalMessage);
  }
  const std::string message(status.message());
  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(message);
  status.ForEachPayload(
      [&details](absl::string_view type_url, const absl::Cord& payload) {
        google::protobuf::Any* any = details.add_details();
        any->set_type_url(std::string(type_url));
        any->set_value(std::string(payload));
      });
  return grpc::Status(code, message, details.SerializeAsString());
}

}  // namespace rehab
