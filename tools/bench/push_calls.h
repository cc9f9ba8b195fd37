// Calls of rehab.v1.SyncService/Push, each a batch of kPushBatchSize new
// patients (NewPatientBatch): batch ingest, the figure DESIGN.md section 9
// compares with raw SQLite inserts of the same rows.
#ifndef REHAB_TOOLS_BENCH_PUSH_CALLS_H_
#define REHAB_TOOLS_BENCH_PUSH_CALLS_H_

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
#include "tools/bench/push_batch.h"
#include "tools/bench/synthetic_id_numbers.h"

namespace rehab::bench {

class PushCalls {
 public:
  // Slot i uses channels[i % channels.size()]. Calls carry
  // "authorization: Bearer <access_token>" and create patients living in
  // `area_id`. REQUIRES: channels non-empty; ids non-null and outliving
  // this object.
  PushCalls(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
            std::string access_token, std::string area_id,
            SyntheticIdNumbers* ids, absl::Duration call_timeout);

  // Starts one Push. `done` gets OK and the number of APPLIED items when
  // every item was APPLIED or DUPLICATE; otherwise the call's own error, or
  // PushTally::ToStatus when an item was REJECTED or CONFLICT. Thread-safe.
  void Start(int slot, CallDone done);

  // The items of every call answered so far, warmup included; the first
  // failure is the first one this object saw.
  PushTally Totals() const;

 private:
  void Add(const PushTally& tally);

  const AuthorizedStubs<rehab::v1::SyncService> stubs_;
  const std::string area_id_;
  SyntheticIdNumbers* const ids_;

  mutable absl::Mutex mu_;
  PushTally totals_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rehab::bench

#endif  // REHAB_TOOLS_BENCH_PUSH_CALLS_H_
