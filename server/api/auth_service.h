// rehab.v1.AuthService over gRPC: logins, tokens, break-glass.
#ifndef REHAB_SERVER_API_AUTH_SERVICE_H_
#define REHAB_SERVER_API_AUTH_SERVICE_H_

#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "rehab/v1/auth.grpc.pb.h"
#include "server/api/call_context.h"
#include "server/domain/auth_manager.h"

namespace rehab {

// Login and RefreshToken need no token; failed logins are audited as
// security events (the username as detail). BreakGlass is audited with the
// patient and the reason. Thread-safe.
class AuthService final : public rehab::v1::AuthService::CallbackService {
 public:
  // The pointers must outlive the service.
  AuthService(const CallContext* calls, AuthManager* auth);

  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* context,
                                  const rehab::v1::LoginRequest* request,
                                  rehab::v1::LoginResponse* response) override;
  grpc::ServerUnaryReactor* RefreshToken(
      grpc::CallbackServerContext* context,
      const rehab::v1::RefreshTokenRequest* request,
      rehab::v1::LoginResponse* response) override;
  grpc::ServerUnaryReactor* Logout(
      grpc::CallbackServerContext* context,
      const rehab::v1::LogoutRequest* request,
      rehab::v1::LogoutResponse* response) override;
  grpc::ServerUnaryReactor* WhoAmI(
      grpc::CallbackServerContext* context,
      const rehab::v1::WhoAmIRequest* request,
      rehab::v1::WhoAmIResponse* response) override;
  grpc::ServerUnaryReactor* BreakGlass(
      grpc::CallbackServerContext* context,
      const rehab::v1::BreakGlassRequest* request,
      rehab::v1::BreakGlassResponse* response) override;

 private:
  const CallContext* const calls_;
  AuthManager* const auth_;
};

}  // namespace rehab

#endif  // REHAB_SERVER_API_AUTH_SERVICE_H_
