// Closed-loop load: keeps exactly `in_flight` calls outstanding (each
// completion starts the next on the same slot) until a time or a count
// bound is reached, then waits for the calls in flight to finish.
//
// The run has two phases. Calls started during the warmup are made but not
// measured; the measured window starts when the warmup ends and lasts
// `duration` or `max_calls` started calls, whichever comes first. The run
// also stops starting calls once more than half of all calls completed so
// far (warmup included, at least `min_calls_to_judge` of them) failed, so a
// broken server or a wrong password never keeps it looping.
#ifndef REHAB_TOOLS_BENCH_LOAD_DRIVER_H_
#define REHAB_TOOLS_BENCH_LOAD_DRIVER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/time/time.h"
#include "grpcpp/support/status.h"
#include "tools/bench/latency_histogram.h"

namespace rehab::bench {

struct LoadOptions {
  // Calls kept outstanding. Must be >= 1.
  int in_flight = 64;
  // Unmeasured calls first, so connections, caches and thread pools are warm.
  absl::Duration warmup = absl::Seconds(1);
  // Bounds of the measured window: no call starts after either is reached.
  absl::Duration duration = absl::Seconds(10);
  int64_t max_calls = 200000;
  // The failure ratio is judged only after this many completed calls.
  int64_t min_calls_to_judge = 100;
};

struct LoadResult {
  // Measured calls (started after the warmup), ok or not.
  int64_t calls = 0;
  int64_t ok = 0;
  // Failed measured calls by status code.
  std::map<grpc::StatusCode, int64_t> errors;
  // From the end of the warmup to the last measured completion.
  absl::Duration elapsed;
  // Records moved by the successful measured calls (see CallDone).
  int64_t records = 0;
  // Latency of the successful measured calls.
  LatencyHistogram latency;
  // Set when the run stopped because too many calls failed.
  bool aborted = false;
  std::string abort_reason;

  // Successful measured calls per second; 0 when nothing was measured.
  double Throughput() const;
  // `records` per second; 0 when nothing was measured.
  double RecordThroughput() const;
};

// Ends one call: its status and, when OK, the records it moved (the
// patients a Push applied, the changes a Pull received; 0 for a call that
// moves none, such as a health check). Records of failed calls are ignored.
using CallDone =
    std::function<void(const grpc::Status& status, int64_t records)>;

// Starts one call for `slot` (0 <= slot < in_flight) and arranges for
// `done` to be called exactly once when it ends (on any thread, possibly
// inside `start` itself). A slot has at most one call open at a time, and
// `done` of one call happens before the start of the slot's next.
using CallStarter = std::function<void(int slot, CallDone done)>;

// Runs the load and returns when every call started has finished.
// REQUIRES: options.in_flight >= 1, start non-empty.
LoadResult RunLoad(const LoadOptions& options, const CallStarter& start);

}  // namespace rehab::bench

#endif  // REHAB_TOOLS_BENCH_LOAD_DRIVER_H_
