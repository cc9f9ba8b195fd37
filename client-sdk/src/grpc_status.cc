#include "client-sdk/src/grpc_status.h"

#include <utility>

#include "client-sdk/src/rpc_status.h"
#include "google/rpc/status.pb.h"

namespace rehab::client::internal {

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  // gRPC and Abseil number the canonical codes alike (0 to 16).
  absl::Status out(static_cast<absl::StatusCode>(status.error_code()),
                   status.error_message());
  if (status.error_details().empty()) return out;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return out;
  return WithDetails(std::move(out), details);
}

}  // namespace rehab::client::internal
