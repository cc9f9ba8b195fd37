// Authenticated calls through the Stub with the tokens of an AuthSession:
// the one place that attaches the session, refreshes an expired access
// token (once, shared by concurrent calls) and lets the session observe
// every outcome. Used by the Client's online methods and by the sync
// engine alike.
#ifndef REHAB_CLIENT_SDK_SRC_SESSION_CALL_H_
#define REHAB_CLIENT_SDK_SRC_SESSION_CALL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client-sdk/src/auth_session.h"
#include "client-sdk/src/stub.h"
#include "rehab/client/client_options.h"
#include "rehab/client/session.h"
#include "rehab/v1/auth.pb.h"

namespace rehab::client::internal {

// A context with the options' default deadline from now and the token.
CallContext ContextFor(const ClientOptions& options, std::string access_token);

// UNAUTHENTICATED with reason TOKEN_EXPIRED.
bool IsExpiredToken(const absl::Status& status);

// The RefreshToken call for `refresh_token`.
absl::StatusOr<rehab::v1::LoginResponse> ExchangeRefreshToken(
    Stub& stub, const ClientOptions& options, const std::string& refresh_token);

// Makes one authenticated call through `attempt` (which gets the call's
// context and the session it was made with); on an expired access token,
// lets `auth` refresh it (once, shared with concurrent callers) and makes
// the call once more. `auth` observes the final outcome.
template <typename Attempt>
auto CallWithSession(Stub& stub, AuthSession& auth,
                     const ClientOptions& options, Attempt attempt)
    -> decltype(attempt(CallContext{}, Session{})) {
  AuthSession::Snapshot before = auth.Current();
  auto result =
      attempt(ContextFor(options, before.session.access_token), before.session);
  if (!result.ok() && IsExpiredToken(result.status())) {
    absl::Status refreshed = auth.RefreshAfter(
        before.generation, result.status(),
        [&](const std::string& refresh_token) {
          return ExchangeRefreshToken(stub, options, refresh_token);
        });
    if (refreshed.ok()) {
      AuthSession::Snapshot after = auth.Current();
      result = attempt(ContextFor(options, after.session.access_token),
                       after.session);
    } else {
      result = refreshed;
    }
  }
  auth.Observe(result.status());
  return result;
}

// The common case: a request that does not depend on the session.
template <typename Request, typename Response>
absl::StatusOr<Response> CallMethod(Stub& stub, AuthSession& auth,
                                    const ClientOptions& options,
                                    absl::StatusOr<Response> (Stub::*method)(
                                        const CallContext&, const Request&),
                                    const Request& request) {
  return CallWithSession(stub, auth, options,
                         [&](const CallContext& context, const Session&) {
                           return (stub.*method)(context, request);
                         });
}

}  // namespace rehab::client::internal

#endif  // REHAB_CLIENT_SDK_SRC_SESSION_CALL_H_
