// google.rpc.Status (the wire form of an error, as the server sends it in
// a trailer or inside a MutationResult) to and from absl::Status. The
// details (ErrorInfo, BadRequest, ...) travel as status payloads under
// their Any type URLs, which is how rehab/client/errors.h reads them.
#ifndef REHAB_CLIENT_SDK_SRC_RPC_STATUS_H_
#define REHAB_CLIENT_SDK_SRC_RPC_STATUS_H_

#include "absl/status/status.h"
#include "google/rpc/status.pb.h"

namespace rehab::client::internal {

// `status` with each of `details`' details added as a payload. An OK
// `status` is returned unchanged (it cannot carry payloads).
absl::Status WithDetails(absl::Status status,
                         const google::rpc::Status& details);

// The code, message and details of `proto`. A code outside the canonical
// range becomes UNKNOWN.
absl::Status StatusFromProto(const google::rpc::Status& proto);

// The code, message and payloads of `status` (each payload an Any under
// its type URL).
google::rpc::Status StatusToProto(const absl::Status& status);

}  // namespace rehab::client::internal

#endif  // REHAB_CLIENT_SDK_SRC_RPC_STATUS_H_
