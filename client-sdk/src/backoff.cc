#include "client-sdk/src/backoff.h"

#include <algorithm>

namespace rehab::client::internal {

Backoff::Backoff(const RetryPolicy& policy)
    : Backoff(policy, std::random_device()()) {}

Backoff::Backoff(const RetryPolicy& policy, uint64_t seed)
    : policy_(policy), current_(policy.initial_backoff), random_(seed) {}

absl::Duration Backoff::Next() {
  const double jitter = std::clamp(policy_.jitter, 0.0, 1.0);
  std::uniform_real_distribution<double> spread(1.0 - jitter, 1.0 + jitter);
  const absl::Duration wait = current_ * spread(random_);
  current_ = std::min(current_ * std::max(policy_.multiplier, 1.0),
                      policy_.max_backoff);
  return std::max(wait, absl::ZeroDuration());
}

void Backoff::Reset() { current_ = policy_.initial_backoff; }

}  // namespace rehab::client::internal
