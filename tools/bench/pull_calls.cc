#include "tools/bench/pull_calls.h"

#include <utility>

#include "grpcpp/client_context.h"

namespace rehab::bench {
namespace {

struct PullCall {
  grpc::ClientContext context;
  rehab::v1::PullRequest request;
  rehab::v1::PullResponse response;
};

}  // namespace

PullCalls::PullCalls(
    const std::vector<std::shared_ptr<grpc::Channel>>& channels,
    std::string access_token, int slots, absl::Duration call_timeout)
    : stubs_(channels, access_token, call_timeout),
      slots_(static_cast<size_t>(slots)) {}

void PullCalls::Start(int slot, CallDone done) {
  Slot& state = slots_[static_cast<size_t>(slot)];
  auto* call = new PullCall;
  stubs_.Prepare(call->context, absl::Now());
  call->request.set_sync_token(state.sync_token);
  call->request.set_page_size(kPullPageSize);
  stubs_.ForSlot(slot).async()->Pull(
      &call->context, &call->request, &call->response,
      [this, &state, call, done = std::move(done)](grpc::Status status) {
        int64_t changes = 0;
        if (status.ok()) {
          changes = call->response.changes_size();
          Finish(state, call->response);
        }
        // Freed before `done`: once the last `done` returns, the caller may
        // destroy the channels.
        delete call;
        done(status, changes);
      });
}

PullCalls::Passes PullCalls::passes() const {
  absl::MutexLock lock(&mu_);
  return passes_;
}

void PullCalls::Finish(Slot& slot, const rehab::v1::PullResponse& response) {
  slot.changes += response.changes_size();
  ++slot.pages;
  if (!response.caught_up()) {
    slot.sync_token = response.sync_token();
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    ++passes_.completed;
    passes_.changes = slot.changes;
    passes_.pages = slot.pages;
  }
  slot = Slot();
}

}  // namespace rehab::bench
