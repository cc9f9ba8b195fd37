// The one place where the SDK turns a grpc::Status into an absl::Status.
#ifndef REHAB_CLIENT_SDK_SRC_GRPC_STATUS_H_
#define REHAB_CLIENT_SDK_SRC_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace rehab::client::internal {

// The same code and message; the details of the `grpc-status-details-bin`
// trailer (a serialised google.rpc.Status) become payloads of the result,
// each under its Any type URL (as server/common/errors.h names them), so
// that ErrorReason and FieldViolationsOf read them. Details that do not
// parse are dropped; the code and message are kept.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace rehab::client::internal

#endif  // REHAB_CLIENT_SDK_SRC_GRPC_STATUS_H_
