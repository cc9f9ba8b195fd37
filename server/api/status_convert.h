// The one place where an absl::Status becomes the grpc::Status a client sees
// (DESIGN.md section 5, "Errors").
#ifndef REHAB_SERVER_API_STATUS_CONVERT_H_
#define REHAB_SERVER_API_STATUS_CONVERT_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace rehab {

// The same code and message, plus a serialized google.rpc.Status (code,
// message, and every payload of `status` packed into a google.protobuf.Any
// under its type URL, e.g. the BadRequest and ErrorInfo of
// server/common/errors.h) that gRPC sends as the `grpc-status-details-bin`
// trailer.
//
// INTERNAL and UNKNOWN statuses carry text meant for operators (SQLite's
// messages, paths): it is logged under `method` and the client gets a
// generic message and no details. OK maps to grpc::Status::OK.
grpc::Status ToGrpcStatus(const absl::Status& status,
                          const std::string& method = "");

}  // namespace rehab

#endif  // REHAB_SERVER_API_STATUS_CONVERT_H_
