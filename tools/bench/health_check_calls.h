// Calls of grpc.health.v1.Health/Check for the whole server: the baseline
// every other figure is divided by (DESIGN.md section 9). The request is
// the empty message (zero bytes), sent through gRPC's generic stub because
// no health .proto is compiled into the project.
#ifndef REHAB_TOOLS_BENCH_HEALTH_CHECK_CALLS_H_
#define REHAB_TOOLS_BENCH_HEALTH_CHECK_CALLS_H_

#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "tools/bench/load_driver.h"

namespace rehab::bench {

class HealthCheckCalls {
 public:
  // Slot i uses channels[i % channels.size()]. REQUIRES: channels non-empty.
  HealthCheckCalls(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                   absl::Duration call_timeout);

  // Starts one Check; `done` gets its status and 0 records. An OK answer
  // whose status is not SERVING counts as UNAVAILABLE. Thread-safe.
  void Start(int slot, CallDone done);

 private:
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  const absl::Duration call_timeout_;
};

}  // namespace rehab::bench

#endif  // REHAB_TOOLS_BENCH_HEALTH_CHECK_CALLS_H_
