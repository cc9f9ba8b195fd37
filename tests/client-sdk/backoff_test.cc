#include "client-sdk/src/backoff.h"

#include "gtest/gtest.h"

namespace rehab::client::internal {
namespace {

RetryPolicy Policy(double jitter) {
  RetryPolicy policy;
  policy.initial_backoff = absl::Milliseconds(100);
  policy.max_backoff = absl::Milliseconds(500);
  policy.multiplier = 2.0;
  policy.jitter = jitter;
  return policy;
}

TEST(BackoffTest, GrowsByTheMultiplierUpToTheCap) {
  Backoff backoff(Policy(0.0), 1);

  EXPECT_EQ(backoff.Next(), absl::Milliseconds(100));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(200));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(400));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(500));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(500));
  backoff.Reset();
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(100));
}

TEST(BackoffTest, JitterSpreadsEachWaitWithinItsBounds) {
  Backoff backoff(Policy(0.5), 7);
  bool varied = false;
  absl::Duration first = absl::ZeroDuration();
  for (int i = 0; i < 50; ++i) {
    backoff.Reset();
    const absl::Duration wait = backoff.Next();
    EXPECT_GE(wait, absl::Milliseconds(50));
    EXPECT_LE(wait, absl::Milliseconds(150));
    if (i == 0) first = wait;
    varied = varied || wait != first;
  }
  EXPECT_TRUE(varied);
}

}  // namespace
}  // namespace rehab::client::internal
