// The call-context helper every RPC handler goes through (DESIGN.md section
// 3): it reads the caller from the call's metadata, authenticates the bearer
// token, runs the domain call on the executor (never on gRPC's callback
// threads), records the audit event, converts the status and finishes the
// RPC exactly once.
//
//   constexpr RpcMethod kGetPatient{"rehab.v1.PatientService/GetPatient",
//                                   Authentication::kRequired,
//                                   AuditPolicy::kAlways};
//
//   grpc::ServerUnaryReactor* PatientService::GetPatient(
//       grpc::CallbackServerContext* context,
//       const v1::GetPatientRequest* request, v1::Patient* response) {
//     return calls_->Serve(
//         context, kGetPatient, request, response,
//         [this](Call& call, const v1::GetPatientRequest& r, v1::Patient* out)
//         {
//           return SetResponse(
//               patients_->GetPatient(call.caller, r, &call.audit_patient_id),
//               out);
//         });
//   }
#ifndef REHAB_SERVER_API_CALL_CONTEXT_H_
#define REHAB_SERVER_API_CALL_CONTEXT_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "server/api/executor.h"
#include "server/domain/admin_manager.h"
#include "server/domain/auth_manager.h"
#include "server/domain/caller.h"

namespace rehab {

// Metadata keys a call may carry.
inline constexpr char kAuthorizationMetadata[] = "authorization";
inline constexpr char kDeviceIdMetadata[] = "x-device-id";
// Longest accepted x-device-id value.
inline constexpr size_t kMaxDeviceIdLength = 128;

enum class Authentication {
  kRequired,  // a valid `authorization: Bearer <access token>` is needed
  kNone,      // Login and RefreshToken only
};

enum class AuditPolicy {
  kNever,     // directory and admin reads
  kAlways,    // every outcome of an authenticated call (patient data,
              // break-glass, directory writes, ListAuditEvents)
  kFailures,  // failed calls only (Login: security events)
};

// How one RPC method is served. Instances are constants with static
// storage (the helper keeps a pointer to them).
struct RpcMethod {
  // Full method name as the audit trail shows it, e.g.
  // "rehab.v1.PatientService/GetPatient".
  const char* name;
  Authentication authentication;
  AuditPolicy audit;
};

// The state of one call, handed to the handler.
struct Call {
  // The authenticated account; for Authentication::kNone only `peer` and
  // `device_id` are filled. `device_id` is the x-device-id metadata when
  // given, else the device the token was issued to. `peer` is the client's
  // address without its port (e.g. "ipv4:127.0.0.1"), so that limits and audits
  // group by host.
  Caller caller;
  // The bearer token the call carried (empty for Authentication::kNone);
  // needed by Logout and WhoAmI.
  std::string access_token;
  // Set by the handler for the audit trail: the patient whose data the
  // call touched (the id the domain reports), and free text (a break-glass
  // reason; the username of a failed login; never a password).
  std::string audit_patient_id;
  std::string audit_detail;
  // For calls that touch many patients (SyncService): one audit event per
  // entry, each with its own outcome, queued as one write. When not empty
  // it replaces the single event of `audit_patient_id`.
  std::vector<PatientOutcome> audit_patients;
};

// `text` cut to at most `max_bytes` without splitting a UTF-8 sequence, for
// audit details taken from requests.
std::string AuditText(const std::string& text, size_t max_bytes = 256);

// Moves the value of `result` into `*out`, or returns its error.
template <typename T>
absl::Status SetResponse(absl::StatusOr<T> result, T* out) {
  if (!result.ok()) return std::move(result).status();
  *out = *std::move(result);
  return absl::OkStatus();
}

// Shared by every service of one server. Thread-safe.
class CallContext {
 public:
  // The pointers must outlive the helper and every call it serves.
  CallContext(AuthManager* auth, AdminManager* admin, Executor* executor);

  // Serves one unary call: returns the reactor the handler must return.
  // `handler(Call&, const Request&, Response*) -> absl::Status` runs on an
  // executor worker after authentication; it fills `*response` on success.
  //
  // The RPC finishes, exactly once, with:
  //   RESOURCE_EXHAUSTED (reason OVERLOADED) at once, when the executor's
  //     queue is full; UNAVAILABLE when the server is shutting down;
  //   CANCELLED or DEADLINE_EXCEEDED, without running the handler, when
  //     the call was cancelled or its deadline passed while it waited;
  //   UNAUTHENTICATED (with the reason: TOKEN_EXPIRED, TOKEN_REVOKED,
  //     ACCOUNT_DISABLED; a missing or malformed token counts as revoked);
  //   INVALID_ARGUMENT when x-device-id is longer than kMaxDeviceIdLength;
  //   otherwise the handler's status, converted by ToGrpcStatus.
  // `request` and `response` are gRPC's and stay valid until the finish.
  template <typename Request, typename Response, typename Handler>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context,
                                  const RpcMethod& method,
                                  const Request* request, Response* response,
                                  Handler handler) const {
    return Dispatch(context, method,
                    [request, response, handler](Call& call) mutable {
                      return handler(call, *request, response);
                    });
  }

 private:
  using Work = std::function<absl::Status(Call&)>;

  grpc::ServerUnaryReactor* Dispatch(grpc::CallbackServerContext* context,
                                     const RpcMethod& method, Work work) const;
  // Runs on a worker; returns the status the call finishes with.
  absl::Status Execute(grpc::CallbackServerContext* context,
                       const RpcMethod& method, Call& call,
                       const Work& work) const;

  AuthManager* const auth_;
  AdminManager* const admin_;
  Executor* const executor_;
};

}  // namespace rehab

#endif  // REHAB_SERVER_API_CALL_CONTEXT_H_
