#include "server/api/executor.h"

#include <atomic>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "server/common/errors.h"

namespace rehab {
namespace {

ExecutorOptions Options(int workers, size_t queue_capacity) {
  ExecutorOptions options;
  options.workers = workers;
  options.queue_capacity = queue_capacity;
  return options;
}

TEST(ExecutorTest, RunsEverySubmittedJob) {
  std::atomic<int> ran{0};
  {
    Executor executor(Options(4, 1000));
    for (int i = 0; i < 500; ++i) {
      ASSERT_TRUE(executor.Submit([&ran] { ++ran; }).ok());
    }
    executor.Shutdown();
  }
  EXPECT_EQ(ran.load(), 500);
}

TEST(ExecutorTest, RefusesWithOverloadedWhenTheQueueIsFull) {
  Executor executor(Options(1, 2));
  absl::Notification started, release;
  ASSERT_TRUE(executor
                  .Submit([&] {
                    started.Notify();
                    release.WaitForNotification();
                  })
                  .ok());
  started.WaitForNotification();  // the only worker is busy now
  std::atomic<int> ran{0};
  EXPECT_TRUE(executor.Submit([&ran] { ++ran; }).ok());
  EXPECT_TRUE(executor.Submit([&ran] { ++ran; }).ok());
  absl::Status refused = executor.Submit([&ran] { ++ran; });
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(refused), kReasonOverloaded);
  EXPECT_EQ(executor.queued(), 2u);

  release.Notify();
  executor.Shutdown();
  EXPECT_EQ(ran.load(), 2);
}

TEST(ExecutorTest, ShutdownRunsQueuedJobsThenRefusesNewOnes) {
  Executor executor(Options(1, 10));
  absl::Notification release;
  std::atomic<int> ran{0};
  ASSERT_TRUE(executor.Submit([&] { release.WaitForNotification(); }).ok());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(executor.Submit([&ran] { ++ran; }).ok());
  }
  release.Notify();
  executor.Shutdown();
  EXPECT_EQ(ran.load(), 5);
  EXPECT_EQ(executor.Submit([&ran] { ++ran; }).code(),
            absl::StatusCode::kUnavailable);
  executor.Shutdown();  // idempotent
}

}  // namespace
}  // namespace rehab
