#include "tools/bench/load_driver.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <thread>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace rehab::bench {
namespace {

// A stand-in for a server: completes each call `delay` after it started,
// on its own thread, with `status` and 1 record; counts how many calls are
// open at once.
class FakeServer {
 public:
  FakeServer(absl::Duration delay, grpc::Status status)
      : delay_(delay),
        status_(std::move(status)),
        worker_([this] { Work(); }) {}

  ~FakeServer() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    worker_.join();
  }

  CallStarter Starter() {
    return [this](int, CallDone done) {
      absl::MutexLock lock(&mu_);
      ++started_;
      ++open_;
      max_open_ = std::max(max_open_, open_);
      queue_.push_back({absl::Now() + delay_, std::move(done)});
    };
  }

  int64_t started() {
    absl::MutexLock lock(&mu_);
    return started_;
  }
  int max_open() {
    absl::MutexLock lock(&mu_);
    return max_open_;
  }

 private:
  struct Pending {
    absl::Time due;
    CallDone done;
  };

  void Work() {
    while (true) {
      Pending next;
      {
        absl::MutexLock lock(&mu_);
        auto ready = [this] { return stop_ || !queue_.empty(); };
        mu_.Await(absl::Condition(&ready));
        if (queue_.empty()) return;
        next = std::move(queue_.front());
        queue_.pop_front();
      }
      absl::SleepFor(next.due - absl::Now());
      {
        absl::MutexLock lock(&mu_);
        --open_;
      }
      next.done(status_, 1);
    }
  }

  const absl::Duration delay_;
  const grpc::Status status_;
  absl::Mutex mu_;
  std::deque<Pending> queue_;
  bool stop_ = false;
  int64_t started_ = 0;
  int open_ = 0;
  int max_open_ = 0;
  std::thread worker_;
};

LoadOptions Options(int in_flight, absl::Duration warmup,
                    absl::Duration duration, int64_t max_calls) {
  LoadOptions options;
  options.in_flight = in_flight;
  options.warmup = warmup;
  options.duration = duration;
  options.max_calls = max_calls;
  return options;
}

TEST(LoadDriverTest, StopsAfterMaxCallsWithExactlyInFlightOpen) {
  FakeServer server(absl::Milliseconds(1), grpc::Status::OK);
  const LoadResult result =
      RunLoad(Options(8, absl::ZeroDuration(), absl::Seconds(60), 500),
              server.Starter());
  EXPECT_EQ(result.calls, 500);
  EXPECT_EQ(result.ok, 500);
  EXPECT_EQ(result.latency.count(), 500);
  EXPECT_TRUE(result.errors.empty());
  EXPECT_EQ(server.started(), 500);
  EXPECT_EQ(server.max_open(), 8);
  EXPECT_EQ(result.records, 500);
  EXPECT_GT(result.Throughput(), 0);
  EXPECT_NEAR(result.RecordThroughput() / result.Throughput(), 1, 1e-9);
  EXPECT_GE(result.latency.Percentile(0.5), std::chrono::milliseconds(1));
}

TEST(LoadDriverTest, StopsWhenTheDurationIsOver) {
  FakeServer server(absl::Milliseconds(1), grpc::Status::OK);
  const absl::Time begin = absl::Now();
  const LoadResult result = RunLoad(
      Options(4, absl::ZeroDuration(), absl::Milliseconds(200), 1000000),
      server.Starter());
  const absl::Duration took = absl::Now() - begin;
  EXPECT_GT(result.calls, 0);
  EXPECT_LT(result.calls, 1000000);
  EXPECT_GE(took, absl::Milliseconds(200));
  EXPECT_LT(took, absl::Seconds(5));
  EXPECT_GE(result.elapsed, absl::Milliseconds(200));
}

TEST(LoadDriverTest, DoesNotMeasureWarmupCalls) {
  FakeServer server(absl::Milliseconds(1), grpc::Status::OK);
  const LoadResult result = RunLoad(
      Options(2, absl::Milliseconds(100), absl::Milliseconds(100), 1000000),
      server.Starter());
  EXPECT_GT(result.calls, 0);
  // Roughly half the calls fell in the warmup.
  EXPECT_LT(result.calls * 3, server.started() * 2);
}

TEST(LoadDriverTest, StopsEarlyWhenMostCallsFail) {
  FakeServer server(absl::Microseconds(100),
                    grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "no"));
  const absl::Time begin = absl::Now();
  const LoadResult result =
      RunLoad(Options(4, absl::ZeroDuration(), absl::Seconds(60), 1000000),
              server.Starter());
  EXPECT_LT(absl::Now() - begin, absl::Seconds(5));
  EXPECT_TRUE(result.aborted);
  EXPECT_NE(result.abort_reason.find("UNAUTHENTICATED"), std::string::npos)
      << result.abort_reason;
  EXPECT_EQ(result.ok, 0);
  EXPECT_EQ(result.records, 0);
  EXPECT_EQ(result.errors.at(grpc::StatusCode::UNAUTHENTICATED), result.calls);
  EXPECT_LT(server.started(), 200);
  EXPECT_EQ(result.Throughput(), 0);
}

TEST(LoadDriverTest, RunsLongStreaksOfCallsThatCompleteInline) {
  // 300,000 nested completions would overflow the stack if each one
  // launched the next from inside the last.
  int64_t started = 0;
  const LoadResult result =
      RunLoad(Options(1, absl::ZeroDuration(), absl::Seconds(60), 300000),
              [&started](int, CallDone done) {
                ++started;
                done(grpc::Status::OK, 0);
              });
  EXPECT_EQ(result.calls, 300000);
  EXPECT_EQ(started, 300000);
}

TEST(LoadDriverTest, StopsEarlyOnInlineFailuresAfterManySuccesses) {
  // A server that dies mid-run: calls then fail at once, inside start.
  int64_t started = 0;
  const LoadResult result =
      RunLoad(Options(1, absl::ZeroDuration(), absl::Seconds(60), 10000000),
              [&started](int, CallDone done) {
                ++started;
                done(started <= 50000
                         ? grpc::Status::OK
                         : grpc::Status(grpc::StatusCode::UNAVAILABLE, "gone"),
                     0);
              });
  EXPECT_TRUE(result.aborted);
  EXPECT_EQ(result.ok, 50000);
  EXPECT_EQ(result.errors.at(grpc::StatusCode::UNAVAILABLE), 50001);
}

TEST(LoadDriverTest, CountsRecordsOfSuccessfulCallsOnly) {
  // Calls alternate: OK with 500 records, then failed with 7 records that
  // must not count.
  int64_t started = 0;
  const LoadResult result =
      RunLoad(Options(1, absl::ZeroDuration(), absl::Seconds(60), 100),
              [&started](int, CallDone done) {
                ++started;
                const bool ok = started % 2 == 1;
                done(ok ? grpc::Status::OK
                        : grpc::Status(grpc::StatusCode::INTERNAL, "half"),
                     ok ? 500 : 7);
              });
  EXPECT_EQ(result.calls, 100);
  EXPECT_EQ(result.ok, 50);
  EXPECT_EQ(result.records, 50 * 500);
  ASSERT_GT(result.Throughput(), 0);
  EXPECT_NEAR(result.RecordThroughput() / result.Throughput(), 500, 1e-9);
}

}  // namespace
}  // namespace rehab::bench
