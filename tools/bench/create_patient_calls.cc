#include "tools/bench/create_patient_calls.h"

#include <utility>

#include "absl/strings/str_cat.h"
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
    : authorization_(absl::StrCat("Bearer ", access_token)),
      area_id_(std::move(area_id)),
      ids_(ids),
      call_timeout_(call_timeout) {
  for (const std::shared_ptr<grpc::Channel>& channel : channels) {
    stubs_.push_back(rehab::v1::PatientService::NewStub(channel));
  }
}

void CreatePatientCalls::Start(int slot, CallDone done) {
  auto* call = new CreatePatientCall;
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + call_timeout_));
  call->context.AddMetadata("authorization", authorization_);
  *call->request.mutable_patient() = NewBenchPatient(ids_->Next(), area_id_);
  rehab::v1::PatientService::Stub& stub =
      *stubs_[static_cast<size_t>(slot) % stubs_.size()];
  stub.async()->CreatePatient(
      &call->context, &call->request, &call->response,
      [call, done = std::move(done)](grpc::Status status) {
        // Freed before `done`: once the last `done` returns, the caller may
        // destroy the channels.
        delete call;
        done(status, 1);
      });
}

}  // namespace rehab::bench
