// Rate limit on failed logins, per account name and per peer address.
#ifndef REHAB_SERVER_DOMAIN_LOGIN_LIMITER_H_
#define REHAB_SERVER_DOMAIN_LOGIN_LIMITER_H_

#include <deque>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace rehab {

struct LoginLimiterOptions {
  // Failures allowed per username inside `window` before logins of that
  // name are refused until the oldest failure leaves the window.
  int max_failures_per_account = 5;
  // Failures allowed per peer address inside `window`.
  int max_failures_per_peer = 20;
  absl::Duration window = absl::Minutes(15);
};

// Thread-safe. Memory is bounded: entries whose failures have all left the
// window are dropped.
class LoginLimiter {
 public:
  explicit LoginLimiter(LoginLimiterOptions options = {});

  // False when `username` or `peer` has used up its failures at `now`.
  bool Allowed(const std::string& username, const std::string& peer,
               absl::Time now);
  void RecordFailure(const std::string& username, const std::string& peer,
                     absl::Time now);
  // A successful login clears the account's failures (not the peer's).
  void RecordSuccess(const std::string& username);

 private:
  using Failures = std::deque<absl::Time>;
  void Prune(Failures& f, absl::Time now) const;

  const LoginLimiterOptions options_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Failures> by_account_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Failures> by_peer_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rehab

#endif  // REHAB_SERVER_DOMAIN_LOGIN_LIMITER_H_
