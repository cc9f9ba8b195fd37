// The tokens of one Client and the rule that one expiry leads to one token
// exchange, however many calls meet it at once.
#ifndef REHAB_CLIENT_SDK_SRC_AUTH_SESSION_H_
#define REHAB_CLIENT_SDK_SRC_AUTH_SESSION_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "rehab/client/session.h"
#include "rehab/v1/auth.pb.h"

namespace rehab::client::internal {

// Thread-safe.
class AuthSession {
 public:
  // Exchanges a refresh token for a new token pair (the RefreshToken RPC).
  using RefreshFn = absl::FunctionRef<absl::StatusOr<rehab::v1::LoginResponse>(
      const std::string& refresh_token)>;

  // The session and its generation, which changes whenever the tokens do.
  struct Snapshot {
    Session session;
    uint64_t generation = 0;
  };

  Snapshot Current() const;

  // Replaces the tokens (a login, or tokens saved from an earlier run).
  void Set(Session session);
  void Clear() { Set(Session{}); }

  // Called when a call made with the tokens of `seen_generation` failed with
  // `expired` (UNAUTHENTICATED, reason TOKEN_EXPIRED). Returns OK when the
  // caller should repeat the call with the current tokens; else the status
  // to return instead:
  //   - the tokens changed since `seen_generation` (another call refreshed
  //     them, or the application logged in again): OK at once; if the
  //     session was cleared meanwhile, UNAUTHENTICATED;
  //   - an exchange is in flight: waits for it and shares its outcome;
  //   - no refresh token is held: `expired`;
  //   - else runs `refresh` (without holding the lock) and returns its
  //     outcome.
  // A successful exchange replaces the tokens; a refused one
  // (UNAUTHENTICATED) clears them; any other failure leaves them.
  absl::Status RefreshAfter(uint64_t seen_generation,
                            const absl::Status& expired, RefreshFn refresh);

  // Runs one exchange now (after any in flight) and returns its response.
  // FAILED_PRECONDITION when no refresh token is held.
  absl::StatusOr<rehab::v1::LoginResponse> RefreshNow(RefreshFn refresh);

  // Every outcome of a call made with the session's tokens (a token
  // exchange included) passes here. UNAUTHENTICATED with reason
  // ACCOUNT_DISABLED runs the listener (on this thread, no lock held): the
  // server has disabled the account, e.g. for a lost device.
  void Observe(const absl::Status& status);
  // Replaces the listener; an empty function removes it.
  void SetAccountDisabledListener(std::function<void()> listener);

 private:
  // Runs `refresh` with mu_ released, then records the outcome.
  // REQUIRES: mu_ held, no exchange in flight, a refresh token held.
  absl::StatusOr<rehab::v1::LoginResponse> RunExchangeLocked(RefreshFn refresh)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WaitWhileRefreshingLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  absl::CondVar refreshed_;
  Session session_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool refreshing_ ABSL_GUARDED_BY(mu_) = false;
  // The outcome of the last exchange; OK after Set().
  absl::Status last_exchange_ ABSL_GUARDED_BY(mu_);
  std::function<void()> on_account_disabled_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rehab::client::internal

#endif  // REHAB_CLIENT_SDK_SRC_AUTH_SESSION_H_
