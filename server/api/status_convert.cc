#include "server/api/status_convert.h"

#include <string>

#include "server/common/errors.h"
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
  return grpc::Status(code, std::string(status.message()),
                      ToRpcStatus(status).SerializeAsString());
}

}  // namespace rehab
