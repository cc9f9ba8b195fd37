#include "tools/bench/health_check_calls.h"

#include <string>
#include <utility>
#include <vector>

#include "grpcpp/client_context.h"
#include "grpcpp/support/byte_buffer.h"

namespace rehab::bench {
namespace {

constexpr char kCheckMethod[] = "/grpc.health.v1.Health/Check";

// HealthCheckResponse{status: SERVING}: field 1, varint 1.
const std::string& ServingAnswer() {
  static const std::string* const answer = new std::string("\x08\x01", 2);
  return *answer;
}

bool IsServing(const grpc::ByteBuffer& response) {
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return false;
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes == ServingAnswer();
}

struct HealthCall {
  grpc::ClientContext context;
  // A default ByteBuffer is "no message" and would send none; one empty
  // slice is the zero-byte HealthCheckRequest.
  grpc::Slice empty;
  grpc::ByteBuffer request{&empty, 1};
  grpc::ByteBuffer response;
};

}  // namespace

HealthCheckCalls::HealthCheckCalls(
    const std::vector<std::shared_ptr<grpc::Channel>>& channels,
    absl::Duration call_timeout)
    : call_timeout_(call_timeout) {
  for (const std::shared_ptr<grpc::Channel>& channel : channels) {
    stubs_.push_back(std::make_unique<grpc::GenericStub>(channel));
  }
}

void HealthCheckCalls::Start(int slot, CallDone done) {
  auto* call = new HealthCall;
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + call_timeout_));
  grpc::GenericStub& stub = *stubs_[static_cast<size_t>(slot) % stubs_.size()];
  stub.UnaryCall(&call->context, kCheckMethod, grpc::StubOptions(),
                 &call->request, &call->response,
                 [call, done = std::move(done)](grpc::Status status) {
                   if (status.ok() && !IsServing(call->response)) {
                     status = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                           "health status is not SERVING");
                   }
                   // Freed before `done`: once the last `done` returns, the
                   // caller may destroy the channels.
                   delete call;
                   done(status, 0);
                 });
}

}  // namespace rehab::bench
