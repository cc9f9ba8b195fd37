#include "client-sdk/src/auth_session.h"

#include <utility>

#include "server/common/errors.h"

namespace rehab::client::internal {

AuthSession::Snapshot AuthSession::Current() const {
  absl::MutexLock lock(&mu_);
  return Snapshot{session_, generation_};
}

void AuthSession::Set(Session session) {
  absl::MutexLock lock(&mu_);
  session_ = std::move(session);
  ++generation_;
  last_exchange_ = absl::OkStatus();
}

void AuthSession::WaitWhileRefreshingLocked() {
  while (refreshing_) refreshed_.Wait(&mu_);
}

absl::Status AuthSession::RefreshAfter(uint64_t seen_generation,
                                       const absl::Status& expired,
                                       RefreshFn refresh) {
  absl::MutexLock lock(&mu_);
  const bool waited = refreshing_;
  WaitWhileRefreshingLocked();
  if (generation_ != seen_generation) {
    if (session_.logged_in()) return absl::OkStatus();
    return last_exchange_.ok() ? absl::UnauthenticatedError("not logged in")
                               : last_exchange_;
  }
  // The exchange we waited for failed without touching the tokens (the
  // server was unreachable, say): its failure is ours too, rather than a
  // second attempt by every waiter.
  if (waited) return last_exchange_;
  if (session_.refresh_token.empty()) return expired;
  return RunExchangeLocked(refresh).status();
}

absl::StatusOr<rehab::v1::LoginResponse> AuthSession::RefreshNow(
    RefreshFn refresh) {
  absl::MutexLock lock(&mu_);
  WaitWhileRefreshingLocked();
  if (session_.refresh_token.empty()) {
    return absl::FailedPreconditionError("no refresh token held");
  }
  return RunExchangeLocked(refresh);
}

absl::StatusOr<rehab::v1::LoginResponse> AuthSession::RunExchangeLocked(
    RefreshFn refresh) {
  refreshing_ = true;
  const uint64_t started_generation = generation_;
  const std::string refresh_token = session_.refresh_token;
  mu_.Unlock();
  absl::StatusOr<rehab::v1::LoginResponse> response = refresh(refresh_token);
  mu_.Lock();
  refreshing_ = false;
  refreshed_.SignalAll();
  // A login or logout during the exchange wins over its outcome.
  if (generation_ != started_generation) return response;
  last_exchange_ = response.status();
  if (response.ok()) {
    session_ = Session{response->access_token(), response->refresh_token()};
    ++generation_;
  } else if (response.status().code() == absl::StatusCode::kUnauthenticated) {
    session_ = Session{};
    ++generation_;
  }
  return response;
}

void AuthSession::Observe(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kUnauthenticated ||
      rehab::ReasonOf(status) != rehab::kReasonAccountDisabled) {
    return;
  }
  std::function<void()> listener;
  {
    absl::MutexLock lock(&mu_);
    listener = on_account_disabled_;
  }
  if (listener) listener();
}

void AuthSession::SetAccountDisabledListener(std::function<void()> listener) {
  absl::MutexLock lock(&mu_);
  on_account_disabled_ = std::move(listener);
}

}  // namespace rehab::client::internal
