// The thread pool that runs the domain work of RPCs, so that gRPC's callback
// threads never block on the database (DESIGN.md section 10: bounded queues,
// RESOURCE_EXHAUSTED instead of unbounded memory).
//
//   absl::Status queued = executor.Submit([=] { ...; reactor->Finish(s); });
//   if (!queued.ok()) reactor->Finish(ToGrpcStatus(queued));  // at once
#ifndef REHAB_SERVER_API_EXECUTOR_H_
#define REHAB_SERVER_API_EXECUTOR_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace rehab {

struct ExecutorOptions {
  // Worker threads; at least 1.
  int workers = 64;
  // Jobs waiting for a worker beyond which Submit refuses; at least 1.
  size_t queue_capacity = 4096;
};

// A fixed pool of worker threads over one bounded FIFO queue. Thread-safe.
class Executor {
 public:
  // Starts the workers.
  explicit Executor(ExecutorOptions options = {});
  // Shuts down (see Shutdown) if that was not done yet.
  ~Executor();

  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Queues `job` for a worker. Without queueing it: RESOURCE_EXHAUSTED
  // (reason OVERLOADED) when queue_capacity jobs wait already; UNAVAILABLE
  // once Shutdown has begun. A job must not throw.
  absl::Status Submit(std::function<void()> job);

  // Refuses new jobs, runs every job already queued, and joins the workers.
  // Idempotent. Must not be called from a job.
  void Shutdown();

  // Jobs queued and not yet picked up by a worker.
  size_t queued() const;

 private:
  void WorkerLoop();

  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace rehab

#endif  // REHAB_SERVER_API_EXECUTOR_H_
