// What the authorized call kinds of the load generator share: one stub of
// `Service` per channel, slot i using channels[i % channels.size()], and the
// context each call carries (a deadline call_timeout after its start and
// "authorization: Bearer <access_token>").
#ifndef REHAB_TOOLS_BENCH_AUTHORIZED_STUBS_H_
#define REHAB_TOOLS_BENCH_AUTHORIZED_STUBS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"

namespace rehab::bench {

template <typename Service>
class AuthorizedStubs {
 public:
  // REQUIRES: channels non-empty.
  AuthorizedStubs(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                  const std::string& access_token, absl::Duration call_timeout)
      : authorization_(absl::StrCat("Bearer ", access_token)),
        call_timeout_(call_timeout) {
    for (const std::shared_ptr<grpc::Channel>& channel : channels) {
      stubs_.push_back(Service::NewStub(channel));
    }
  }

  // The stub of `slot` (slot >= 0). Thread-safe.
  typename Service::Stub& ForSlot(int slot) const {
    return *stubs_[static_cast<size_t>(slot) % stubs_.size()];
  }

  // Gives `context` the deadline `now` + call_timeout and the authorization
  // header. Thread-safe.
  void Prepare(grpc::ClientContext& context, absl::Time now) const {
    context.set_deadline(absl::ToChronoTime(now + call_timeout_));
    context.AddMetadata("authorization", authorization_);
  }

 private:
  std::vector<std::unique_ptr<typename Service::Stub>> stubs_;
  const std::string authorization_;
  const absl::Duration call_timeout_;
};

}  // namespace rehab::bench

#endif  // REHAB_TOOLS_BENCH_AUTHORIZED_STUBS_H_
