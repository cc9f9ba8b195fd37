// The waits between attempts of a retried call (ClientOptions::retry):
// exponential, capped, with jitter.
//
//   Backoff backoff(options.retry);
//   for (int attempt = 1; ; ++attempt) {
//     ... call; stop on success or after retry.max_attempts ...
//     Wait(backoff.Next());
//   }
#ifndef REHAB_CLIENT_SDK_SRC_BACKOFF_H_
#define REHAB_CLIENT_SDK_SRC_BACKOFF_H_

#include <cstdint>
#include <random>

#include "absl/time/time.h"
#include "rehab/client/client_options.h"

namespace rehab::client::internal {

// Not thread-safe: one per retried call.
class Backoff {
 public:
  // `seed` fixes the jitter (tests); by default it is random.
  explicit Backoff(const RetryPolicy& policy);
  Backoff(const RetryPolicy& policy, uint64_t seed);

  // The wait before the next attempt: the current backoff (initially
  // `initial_backoff`) spread uniformly by +/- `jitter`; then the backoff
  // is multiplied by `multiplier`, up to `max_backoff`.
  absl::Duration Next();
  // Back to `initial_backoff` (after a success).
  void Reset();

 private:
  const RetryPolicy policy_;
  absl::Duration current_;
  std::mt19937_64 random_;
};

}  // namespace rehab::client::internal

#endif  // REHAB_CLIENT_SDK_SRC_BACKOFF_H_
