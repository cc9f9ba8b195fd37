#include "server/api/executor.h"

#include <algorithm>
#include <utility>

#include "server/common/errors.h"

namespace rehab {

Executor::Executor(ExecutorOptions options)
    : capacity_(std::max<size_t>(options.queue_capacity, 1)) {
  const int workers = std::max(options.workers, 1);
  workers_.reserve(workers);
  for (int i = 0; i < workers; ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

Executor::~Executor() { Shutdown(); }

absl::Status Executor::Submit(std::function<void()> job) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the server is shutting down");
  if (queue_.size() >= capacity_) {
    return ErrorWithReason(absl::StatusCode::kResourceExhausted,
                           "the server is overloaded; retry with backoff",
                           kReasonOverloaded);
  }
  queue_.push_back(std::move(job));
  return absl::OkStatus();
}

void Executor::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
  }
  // Only the first caller finds threads to join; workers_ is touched by no
  // one else after construction.
  std::vector<std::thread> workers;
  {
    absl::MutexLock lock(&mu_);
    workers.swap(workers_);
  }
  for (std::thread& t : workers) t.join();
}

size_t Executor::queued() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

void Executor::WorkerLoop() {
  for (;;) {
    std::function<void()> job;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      // Jobs queued before shutdown still run: each one owes its RPC a
      // Finish.
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

}  // namespace rehab
