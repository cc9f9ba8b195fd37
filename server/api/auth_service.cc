#include "server/api/auth_service.h"

namespace rehab {
namespace {

namespace v1 = ::rehab::v1;

constexpr RpcMethod kLogin{"rehab.v1.AuthService/Login", Authentication::kNone,
                           AuditPolicy::kFailures};
constexpr RpcMethod kRefreshToken{"rehab.v1.AuthService/RefreshToken",
                                  Authentication::kNone, AuditPolicy::kNever};
constexpr RpcMethod kLogout{"rehab.v1.AuthService/Logout",
                            Authentication::kRequired, AuditPolicy::kNever};
constexpr RpcMethod kWhoAmI{"rehab.v1.AuthService/WhoAmI",
                            Authentication::kRequired, AuditPolicy::kNever};
constexpr RpcMethod kBreakGlass{"rehab.v1.AuthService/BreakGlass",
                                Authentication::kRequired,
                                AuditPolicy::kAlways};

}  // namespace

AuthService::AuthService(const CallContext* calls, AuthManager* auth)
    : calls_(calls), auth_(auth) {}

grpc::ServerUnaryReactor* AuthService::Login(
    grpc::CallbackServerContext* context, const v1::LoginRequest* request,
    v1::LoginResponse* response) {
  return calls_->Serve(
      context, kLogin, request, response,
      [this](Call& call, const v1::LoginRequest& r, v1::LoginResponse* out) {
        call.audit_detail = AuditText(r.username());
        return SetResponse(auth_->Login(r, call.caller.peer), out);
      });
}

grpc::ServerUnaryReactor* AuthService::RefreshToken(
    grpc::CallbackServerContext* context,
    const v1::RefreshTokenRequest* request, v1::LoginResponse* response) {
  return calls_->Serve(context, kRefreshToken, request, response,
                       [this](Call& call, const v1::RefreshTokenRequest& r,
                              v1::LoginResponse* out) {
                         return SetResponse(
                             auth_->RefreshToken(r, call.caller.peer), out);
                       });
}

grpc::ServerUnaryReactor* AuthService::Logout(
    grpc::CallbackServerContext* context, const v1::LogoutRequest* request,
    v1::LogoutResponse* response) {
  return calls_->Serve(
      context, kLogout, request, response,
      [this](Call& call, const v1::LogoutRequest& r, v1::LogoutResponse*) {
        return auth_->Logout(call.caller, call.access_token, r);
      });
}

grpc::ServerUnaryReactor* AuthService::WhoAmI(
    grpc::CallbackServerContext* context, const v1::WhoAmIRequest* request,
    v1::WhoAmIResponse* response) {
  return calls_->Serve(
      context, kWhoAmI, request, response,
      [this](Call& call, const v1::WhoAmIRequest&, v1::WhoAmIResponse* out) {
        return SetResponse(auth_->WhoAmI(call.caller, call.access_token), out);
      });
}

grpc::ServerUnaryReactor* AuthService::BreakGlass(
    grpc::CallbackServerContext* context, const v1::BreakGlassRequest* request,
    v1::BreakGlassResponse* response) {
  return calls_->Serve(context, kBreakGlass, request, response,
                       [this](Call& call, const v1::BreakGlassRequest& r,
                              v1::BreakGlassResponse* out) {
                         call.audit_patient_id = AuditText(r.patient_id());
                         call.audit_detail = AuditText(r.reason());
                         return SetResponse(auth_->BreakGlass(call.caller, r),
                                            out);
                       });
}

}  // namespace rehab
