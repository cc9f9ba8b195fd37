// The Stub that talks gRPC to rehabd.
#ifndef REHAB_CLIENT_SDK_SRC_GRPC_STUB_H_
#define REHAB_CLIENT_SDK_SRC_GRPC_STUB_H_

#include <memory>

#include "absl/status/statusor.h"
#include "client-sdk/src/stub.h"
#include "rehab/client/client_options.h"

namespace rehab::client::internal {

// A stub over one channel to `options.target` (TLS and client certificate
// as the options say). The channel connects lazily. INVALID_ARGUMENT when
// the options cannot make a channel (an empty target, half a client
// certificate).
absl::StatusOr<std::shared_ptr<Stub>> MakeGrpcStub(
    const ClientOptions& options);

}  // namespace rehab::client::internal

#endif  // REHAB_CLIENT_SDK_SRC_GRPC_STUB_H_
