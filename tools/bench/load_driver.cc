#include "tools/bench/load_driver.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace rehab::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

// One run's shared state. Completion callbacks hold a reference, so the
// state outlives the last callback even though RunLoad returns as soon as
// the in-flight count reaches zero.
class LoadRun : public std::enable_shared_from_this<LoadRun> {
 public:
  LoadRun(const LoadOptions& options, const CallStarter& start)
      : options_(options), start_(start) {}

  LoadResult Run() {
    {
      absl::MutexLock lock(&mu_);
      measure_start_ =
          SteadyClock::now() + absl::ToChronoNanoseconds(options_.warmup);
      measure_end_ =
          measure_start_ + absl::ToChronoNanoseconds(options_.duration);
      in_flight_ = options_.in_flight;
    }
    for (int slot = 0; slot < options_.in_flight; ++slot) Launch(slot);

    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &LoadRun::DrainedLocked));
    if (result_.calls > 0) {
      result_.elapsed = absl::FromChrono(last_measured_end_ - measure_start_);
    }
    return result_;
  }

 private:
  bool DrainedLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return in_flight_ == 0;
  }

  // Whether `slot` gets another call, and whether that call is measured.
  bool NextLocked(bool* measured) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (stopping_) return false;
    const SteadyClock::time_point now = SteadyClock::now();
    if (now >= measure_end_) {
      stopping_ = true;
      return false;
    }
    *measured = now >= measure_start_;
    if (*measured) {
      if (measured_started_ >= options_.max_calls) {
        stopping_ = true;
        return false;
      }
      ++measured_started_;
    }
    return true;
  }

  // Starts the next call on `slot`, or retires the slot. The slot is
  // counted in in_flight_ on entry.
  //
  // A call that fails at once (say, the server went away) may complete on
  // this thread inside start_, and its completion launches the next call:
  // such nested launches are queued and started here after start_ returns,
  // so a long run of instant failures loops instead of growing the stack.
  void Launch(int slot) {
    if (tl_launching == this) {
      tl_deferred->push_back(slot);
      return;
    }
    LoadRun* const outer_run = tl_launching;
    std::vector<int>* const outer_deferred = tl_deferred;
    std::vector<int> deferred = {slot};
    tl_launching = this;
    tl_deferred = &deferred;
    while (!deferred.empty()) {
      const int next = deferred.back();
      deferred.pop_back();
      StartOne(next);
    }
    tl_launching = outer_run;
    tl_deferred = outer_deferred;
  }

  void StartOne(int slot) {
    bool measured = false;
    {
      absl::MutexLock lock(&mu_);
      if (!NextLocked(&measured)) {
        --in_flight_;
        return;
      }
    }
    const SteadyClock::time_point started = SteadyClock::now();
    std::shared_ptr<LoadRun> self = shared_from_this();
    start_(slot, [self, slot, started, measured](const grpc::Status& status,
                                                 int64_t records) {
      self->OnDone(slot, started, measured, status, records);
    });
  }

  void OnDone(int slot, SteadyClock::time_point started, bool measured,
              const grpc::Status& status, int64_t records) {
    const SteadyClock::time_point ended = SteadyClock::now();
    {
      absl::MutexLock lock(&mu_);
      ++completed_;
      if (!status.ok()) ++failed_;
      if (measured) {
        ++result_.calls;
        if (status.ok()) {
          ++result_.ok;
          result_.records += records;
          result_.latency.Record(ended - started);
        } else {
          ++result_.errors[status.error_code()];
        }
        last_measured_end_ = std::max(last_measured_end_, ended);
      }
      if (!result_.aborted && completed_ >= options_.min_calls_to_judge &&
          failed_ * 2 > completed_) {
        result_.aborted = true;
        result_.abort_reason = absl::StrCat(
            "stopped early: ", failed_, " of ", completed_,
            " calls failed (more than half); last error ",
            absl::StatusCodeToString(
                static_cast<absl::StatusCode>(status.error_code())),
            " ", status.error_message());
        stopping_ = true;
      }
    }
    Launch(slot);
  }

  const LoadOptions options_;
  const CallStarter start_;

  absl::Mutex mu_;
  SteadyClock::time_point measure_start_ ABSL_GUARDED_BY(mu_);
  SteadyClock::time_point measure_end_ ABSL_GUARDED_BY(mu_);
  SteadyClock::time_point last_measured_end_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t measured_started_ ABSL_GUARDED_BY(mu_) = 0;
  // Every call, warmup included.
  int64_t completed_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failed_ ABSL_GUARDED_BY(mu_) = 0;
  LoadResult result_ ABSL_GUARDED_BY(mu_);

  // The run whose Launch loop is on this thread's stack, and its queue.
  static thread_local LoadRun* tl_launching;
  static thread_local std::vector<int>* tl_deferred;
};

thread_local LoadRun* LoadRun::tl_launching = nullptr;
thread_local std::vector<int>* LoadRun::tl_deferred = nullptr;

}  // namespace

double LoadResult::Throughput() const {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0 ? static_cast<double>(ok) / seconds : 0.0;
}

double LoadResult::RecordThroughput() const {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0 ? static_cast<double>(records) / seconds : 0.0;
}

LoadResult RunLoad(const LoadOptions& options, const CallStarter& start) {
  return std::make_shared<LoadRun>(options, start)->Run();
}

}  // namespace rehab::bench
