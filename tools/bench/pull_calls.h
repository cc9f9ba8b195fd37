// Calls of rehab.v1.SyncService/Pull: every slot walks the caller's change
// feed from an empty sync_token, kPullPageSize changes a page, until a page
// says caught_up, then starts over from an empty token. The figure DESIGN.md
// section 9 sets for Pull is changes received per second.
#ifndef REHAB_TOOLS_BENCH_PULL_CALLS_H_
#define REHAB_TOOLS_BENCH_PULL_CALLS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "rehab/v1/sync.grpc.pb.h"
#include "tools/bench/authorized_stubs.h"
#include "tools/bench/load_driver.h"

namespace rehab::bench {

// Changes asked for per Pull: the most DESIGN.md section 6 allows.
inline constexpr int kPullPageSize = 2000;

class PullCalls {
 public:
  // Whole walks of the feed, from an empty token to a caught_up page.
  struct Passes {
    int64_t completed = 0;
    // Of the walk completed last: its changes and pages.
    int64_t changes = 0;
    int64_t pages = 0;
  };

  // Slot i (0 <= i < slots) uses channels[i % channels.size()]. Calls carry
  // "authorization: Bearer <access_token>". REQUIRES: channels non-empty,
  // slots >= 1.
  PullCalls(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
            std::string access_token, int slots, absl::Duration call_timeout);

  // Starts the slot's next page: after the token of its last page, or from
  // an empty token when that page was caught_up (or the slot has none).
  // `done` gets the call's status and the number of changes received; a
  // failed page is asked for again. Calls of one slot must not overlap, and
  // one must end before the next starts (RunLoad guarantees both); calls
  // of different slots may run at once.
  void Start(int slot, CallDone done);

  Passes passes() const;

 private:
  // Touched only by the slot's one call at a time.
  struct Slot {
    std::string sync_token;
    int64_t changes = 0;
    int64_t pages = 0;
  };

  void Finish(Slot& slot, const rehab::v1::PullResponse& response);

  const AuthorizedStubs<rehab::v1::SyncService> stubs_;
  std::vector<Slot> slots_;

  mutable absl::Mutex mu_;
  Passes passes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rehab::bench

#endif  // REHAB_TOOLS_BENCH_PULL_CALLS_H_
