#include "rehab/client/client.h"

#include <utility>

#include "client-sdk/src/auth_session.h"
#include "client-sdk/src/grpc_stub.h"
#include "client-sdk/src/stub.h"
#include "server/common/errors.h"

namespace rehab::client {
namespace {

using internal::AuthSession;
using internal::CallContext;
using internal::Stub;

CallContext ContextFor(const ClientOptions& options, std::string access_token) {
  return CallContext{absl::Now() + options.default_deadline,
                     std::move(access_token)};
}

bool IsExpiredToken(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnauthenticated &&
         rehab::ReasonOf(status) == rehab::kReasonTokenExpired;
}

absl::StatusOr<rehab::v1::LoginResponse> Exchange(
    Stub& stub, const ClientOptions& options,
    const std::string& refresh_token) {
  rehab::v1::RefreshTokenRequest request;
  request.set_refresh_token(refresh_token);
  return stub.RefreshToken(ContextFor(options, ""), request);
}

// Makes one authenticated call through `attempt` (which gets the call's
// context and the session it was made with); on an expired access token,
// lets `auth` refresh it (once, shared with concurrent callers) and makes
// the call once more.
template <typename Attempt>
auto CallWithSession(Stub& stub, AuthSession& auth,
                     const ClientOptions& options, Attempt attempt)
    -> decltype(attempt(CallContext{}, Session{})) {
  AuthSession::Snapshot before = auth.Current();
  auto result =
      attempt(ContextFor(options, before.session.access_token), before.session);
  if (result.ok() || !IsExpiredToken(result.status())) return result;
  absl::Status refreshed =
      auth.RefreshAfter(before.generation, result.status(),
                        [&](const std::string& refresh_token) {
                          return Exchange(stub, options, refresh_token);
                        });
  if (!refreshed.ok()) return refreshed;
  AuthSession::Snapshot after = auth.Current();
  return attempt(ContextFor(options, after.session.access_token),
                 after.session);
}

// The common case: a request that does not depend on the session.
template <typename Request, typename Response>
absl::StatusOr<Response> Call(Stub& stub, AuthSession& auth,
                              const ClientOptions& options,
                              absl::StatusOr<Response> (Stub::*method)(
                                  const CallContext&, const Request&),
                              const Request& request) {
  return CallWithSession(stub, auth, options,
                         [&](const CallContext& context, const Session&) {
                           return (stub.*method)(context, request);
                         });
}

}  // namespace

absl::StatusOr<std::unique_ptr<Client>> Client::Create(ClientOptions options) {
  if (options.default_deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("default_deadline: must be positive");
  }
  absl::StatusOr<std::shared_ptr<Stub>> stub = internal::MakeGrpcStub(options);
  if (!stub.ok()) return stub.status();
  return std::make_unique<Client>(std::move(options), *std::move(stub));
}

Client::Client(ClientOptions options, std::shared_ptr<Stub> stub)
    : options_(std::move(options)),
      stub_(std::move(stub)),
      auth_(std::make_unique<AuthSession>()) {}

Client::~Client() = default;

absl::StatusOr<rehab::v1::LoginResponse> Client::Login(
    const std::string& username, const std::string& password) {
  rehab::v1::LoginRequest request;
  request.set_username(username);
  request.set_password(password);
  request.set_device_id(options_.device_id);
  absl::StatusOr<rehab::v1::LoginResponse> response =
      stub_->Login(ContextFor(options_, ""), request);
  if (response.ok()) {
    auth_->Set(Session{response->access_token(), response->refresh_token()});
  }
  return response;
}

absl::Status Client::Logout() {
  if (!auth_->Current().session.logged_in()) return absl::OkStatus();
  // The request names the refresh token of the session it is sent with, so
  // that a refresh on the way revokes the new pair, not the spent one.
  absl::StatusOr<rehab::v1::LogoutResponse> response =
      CallWithSession(*stub_, *auth_, options_,
                      [&](const CallContext& context, const Session& session) {
                        rehab::v1::LogoutRequest request;
                        request.set_refresh_token(session.refresh_token);
                        return stub_->Logout(context, request);
                      });
  auth_->Clear();
  return response.status();
}

absl::StatusOr<rehab::v1::LoginResponse> Client::RefreshToken() {
  return auth_->RefreshNow([&](const std::string& refresh_token) {
    return Exchange(*stub_, options_, refresh_token);
  });
}

void Client::SetSession(std::string access_token, std::string refresh_token) {
  auth_->Set(Session{std::move(access_token), std::move(refresh_token)});
}

Session Client::session() const { return auth_->Current().session; }

absl::StatusOr<rehab::v1::WhoAmIResponse> Client::WhoAmI() {
  return Call(*stub_, *auth_, options_, &Stub::WhoAmI,
              rehab::v1::WhoAmIRequest());
}

// The remaining calls differ only in the method; each goes through Call.
#define REHAB_CLIENT_METHOD(Method, Request, Response)             \
  absl::StatusOr<rehab::v1::Response> Client::Method(              \
      const rehab::v1::Request& request) {                         \
    return Call(*stub_, *auth_, options_, &Stub::Method, request); \
  }

REHAB_CLIENT_METHOD(BreakGlass, BreakGlassRequest, BreakGlassResponse)
REHAB_CLIENT_METHOD(CreateArea, CreateAreaRequest, Area)
REHAB_CLIENT_METHOD(ListAreas, ListAreasRequest, ListAreasResponse)
REHAB_CLIENT_METHOD(CreateFacility, CreateFacilityRequest, Facility)
REHAB_CLIENT_METHOD(ListFacilities, ListFacilitiesRequest,
                    ListFacilitiesResponse)
REHAB_CLIENT_METHOD(CreatePractitioner, CreatePractitionerRequest, Practitioner)
REHAB_CLIENT_METHOD(ListPractitioners, ListPractitionersRequest,
                    ListPractitionersResponse)
REHAB_CLIENT_METHOD(CreateAccount, CreateAccountRequest, Account)
REHAB_CLIENT_METHOD(ListAccounts, ListAccountsRequest, ListAccountsResponse)
REHAB_CLIENT_METHOD(DisableAccount, DisableAccountRequest, Account)
REHAB_CLIENT_METHOD(CreatePatient, CreatePatientRequest, Patient)
REHAB_CLIENT_METHOD(GetPatient, GetPatientRequest, Patient)
REHAB_CLIENT_METHOD(UpdatePatient, UpdatePatientRequest, Patient)
REHAB_CLIENT_METHOD(ListPatients, ListPatientsRequest, ListPatientsResponse)
REHAB_CLIENT_METHOD(LookupPatient, LookupPatientRequest, Patient)
REHAB_CLIENT_METHOD(CreateEnrollment, CreateEnrollmentRequest, Enrollment)
REHAB_CLIENT_METHOD(EndEnrollment, EndEnrollmentRequest, Enrollment)
REHAB_CLIENT_METHOD(ListEnrollments, ListEnrollmentsRequest,
                    ListEnrollmentsResponse)
REHAB_CLIENT_METHOD(ListAuditEvents, ListAuditEventsRequest,
                    ListAuditEventsResponse)
REHAB_CLIENT_METHOD(Backup, BackupRequest, BackupResponse)

#undef REHAB_CLIENT_METHOD

}  // namespace rehab::client
