#include "tools/bench/create_patient_calls.h"

#include <utility>

#include "grpcpp/client_context.h"
#include "tools/bench/bench_patients.h"

namespace rehab::bench {
namespace {

struct CreatePatientCall {
  grpc::ClientContext context;
  rehab::v1::CreatePatientRequest request;
  rehab::v1::Patient response;
};

}  // namespace

CreatePatientCalls::CreatePatientCalls(
    const std::vector<std::shared_ptr<grpc::Channel>>& channels,
    std::string access_token, std::string area_id, SyntheticIdNumbers* ids,
    absl::Duration call_timeout)
    : stubs_(channels, access_token, call_timeout),
      area_id_(std::move(area_id)),
      ids_(ids) {}

void CreatePatientCalls::Start(int slot, CallDone done) {
  auto* call = new CreatePatientCall;
  stubs_.Prepare(call->context, absl::Now());
  *call->request.mutable_patient() = NewBenchPatient(ids_->Next(), area_id_);
  stubs_.ForSlot(slot).async()->CreatePatient(
      &call->context, &call->request, &call->response,
      [call, done = std::move(done)](grpc::Status status) {
        // Freed before `done`: once the last `done` returns, the caller may
        // destroy the channels.
        delete call;
        done(status, 1);
      });
}

}  // namespace rehab::bench
