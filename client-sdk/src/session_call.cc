#include "client-sdk/src/session_call.h"

#include <utility>

#include "absl/time/clock.h"
#include "server/common/errors.h"

namespace rehab::client::internal {

CallContext ContextFor(const ClientOptions& options, std::string access_token) {
  return CallContext{absl::Now() + options.default_deadline,
                     std::move(access_token)};
}

bool IsExpiredToken(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnauthenticated &&
         rehab::ReasonOf(status) == rehab::kReasonTokenExpired;
}

absl::StatusOr<rehab::v1::LoginResponse> ExchangeRefreshToken(
    Stub& stub, const ClientOptions& options,
    const std::string& refresh_token) {
  rehab::v1::RefreshTokenRequest request;
  request.set_refresh_token(refresh_token);
  return stub.RefreshToken(ContextFor(options, ""), request);
}

}  // namespace rehab::client::internal
