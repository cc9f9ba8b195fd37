#include "server/domain/login_limiter.h"

#include <string>

#include "gtest/gtest.h"

namespace rehab {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1700000000);

LoginLimiterOptions Options(int per_account, int per_peer) {
  LoginLimiterOptions options;
  options.max_failures_per_account = per_account;
  options.max_failures_per_peer = per_peer;
  options.window = absl::Minutes(15);
  return options;
}

TEST(LoginLimiterTest, RefusesAnAccountAfterItsFailuresFromAnyPeer) {
  LoginLimiter limiter(Options(3, 100));
  for (int i = 0; i < 3; ++i) {
    const std::string peer = "10.0.0." + std::to_string(i);
    ASSERT_TRUE(limiter.Allowed("alice", peer, kStart));
    limiter.RecordFailure("alice", peer, kStart);
  }
  EXPECT_FALSE(limiter.Allowed("alice", "10.0.0.99", kStart));
  // Other accounts from the same peers are unaffected.
  EXPECT_TRUE(limiter.Allowed("bob", "10.0.0.1", kStart));
}

TEST(LoginLimiterTest, RefusesAPeerAfterItsFailuresOnAnyAccount) {
  LoginLimiter limiter(Options(100, 4));
  for (int i = 0; i < 4; ++i) {
    limiter.RecordFailure("user" + std::to_string(i), "10.0.0.7", kStart);
  }
  EXPECT_FALSE(limiter.Allowed("someone-new", "10.0.0.7", kStart));
  EXPECT_TRUE(limiter.Allowed("someone-new", "10.0.0.8", kStart));
}

TEST(LoginLimiterTest, AllowsAgainWhenTheOldestFailureLeavesTheWindow) {
  LoginLimiter limiter(Options(2, 100));
  limiter.RecordFailure("alice", "p", kStart);
  limiter.RecordFailure("alice", "p", kStart + absl::Minutes(10));
  EXPECT_FALSE(limiter.Allowed("alice", "p", kStart + absl::Minutes(14)));
  // The first failure has left the window; the second still counts.
  EXPECT_TRUE(limiter.Allowed("alice", "p", kStart + absl::Minutes(15)));
  limiter.RecordFailure("alice", "p", kStart + absl::Minutes(15));
  EXPECT_FALSE(limiter.Allowed("alice", "p", kStart + absl::Minutes(16)));
  EXPECT_TRUE(limiter.Allowed("alice", "p", kStart + absl::Minutes(31)));
}

TEST(LoginLimiterTest, SuccessClearsTheAccountsFailuresButNotThePeers) {
  LoginLimiter limiter(Options(3, 4));
  limiter.RecordFailure("alice", "p", kStart);
  limiter.RecordFailure("alice", "p", kStart);
  limiter.RecordSuccess("alice");
  limiter.RecordFailure("alice", "p", kStart);
  limiter.RecordFailure("alice", "q", kStart);
  // Four failures of alice in the window, but only two since her success.
  EXPECT_TRUE(limiter.Allowed("alice", "r", kStart));
  // The peer "p" has had three failures; one more and it is refused, even
  // for another account.
  limiter.RecordFailure("bob", "p", kStart);
  EXPECT_FALSE(limiter.Allowed("carol", "p", kStart));
}

TEST(LoginLimiterTest, ForgetsOldFailuresAfterManyDistinctNames) {
  LoginLimiter limiter(Options(1, 1));
  for (int i = 0; i < 5000; ++i) {
    limiter.RecordFailure("user" + std::to_string(i),
                          "peer" + std::to_string(i), kStart);
  }
  const absl::Time later = kStart + absl::Hours(1);
  limiter.RecordFailure("late", "late-peer", later);
  // Entries that left the window carry no weight, whether or not they
  // were swept; the fresh one does.
  EXPECT_TRUE(limiter.Allowed("user1", "peer1", later));
  EXPECT_FALSE(limiter.Allowed("late", "elsewhere", later));
}

}  // namespace
}  // namespace rehab
