#include "tools/bench/push_calls.h"

#include <utility>

#include "grpcpp/client_context.h"

namespace rehab::bench {
namespace {

struct PushCall {
  grpc::ClientContext context;
  rehab::v1::PushRequest request;
  rehab::v1::PushResponse response;
};

}  // namespace

PushCalls::PushCalls(
    const std::vector<std::shared_ptr<grpc::Channel>>& channels,
    std::string access_token, std::string area_id, SyntheticIdNumbers* ids,
    absl::Duration call_timeout)
    : stubs_(channels, access_token, call_timeout),
      area_id_(std::move(area_id)),
      ids_(ids) {}

void PushCalls::Start(int slot, CallDone done) {
  auto* call = new PushCall;
  const absl::Time now = absl::Now();
  stubs_.Prepare(call->context, now);
  call->request = NewPatientBatch(kPushBatchSize, area_id_, *ids_, now);
  stubs_.ForSlot(slot).async()->Push(
      &call->context, &call->request, &call->response,
      [this, call, done = std::move(done)](grpc::Status status) {
        int64_t applied = 0;
        if (status.ok()) {
          const PushTally tally = TallyPush(call->request, call->response);
          Add(tally);
          status = tally.ToStatus();
          applied = tally.applied;
        }
        // Freed before `done`: once the last `done` returns,
        // the caller may destroy the channels.
        delete call;
        done(status, applied);
      });
}

PushTally PushCalls::Totals() const {
  absl::MutexLock lock(&mu_);
  return totals_;
}

void PushCalls::Add(const PushTally& tally) {
  absl::MutexLock lock(&mu_);
  totals_.mutations += tally.mutations;
  totals_.applied += tally.applied;
  totals_.duplicate += tally.duplicate;
  totals_.conflict += tally.conflict;
  totals_.rejected += tally.rejected;
  if (totals_.first_failure.empty() && !tally.first_failure.empty()) {
    totals_.first_failure_code = tally.first_failure_code;
    totals_.first_failure = tally.first_failure;
  }
}

}  // namespace rehab::bench
