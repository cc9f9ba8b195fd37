#include "server/api/call_context.h"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/api/status_convert.h"
#include "server/common/errors.h"
#include "server/common/log.h"

namespace rehab {
namespace {

constexpr std::string_view kBearerScheme = "bearer";

std::optional<std::string> MetadataValue(
    const grpc::CallbackServerContext& context, std::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return std::nullopt;
  return std::string(it->second.data(), it->second.size());
}

// "ipv4:10.0.0.7:51234" -> "ipv4:10.0.0.7", "ipv6:[::1]:51234" ->
// "ipv6:[::1]"; other forms (unix sockets) stay as they are.
std::string PeerHost(const std::string& peer) {
  if (peer.rfind("ipv4:", 0) != 0 && peer.rfind("ipv6:", 0) != 0) return peer;
  const size_t colon = peer.rfind(':');
  const size_t bracket = peer.rfind(']');
  if (colon == std::string::npos || colon < 5) return peer;
  if (bracket != std::string::npos && colon < bracket) return peer;
  return peer.substr(0, colon);
}

// The token of "Bearer <token>" (scheme case-insensitive), or an
// UNAUTHENTICATED status. A missing or malformed credential counts as a
// revoked one: either way the client must log in again.
absl::StatusOr<std::string> BearerToken(std::optional<std::string> header) {
  if (!header.has_value()) {
    return ErrorWithReason(absl::StatusCode::kUnauthenticated,
                           "missing authorization metadata: send "
                           "'authorization: Bearer <access token>'",
                           kReasonTokenRevoked);
  }
  std::string value(absl::StripAsciiWhitespace(*header));
  const size_t space = value.find(' ');
  std::string scheme = value.substr(0, space);
  absl::AsciiStrToLower(&scheme);
  std::string token;
  if (space != std::string::npos) {
    token = std::string(absl::StripAsciiWhitespace(value.substr(space + 1)));
  }
  if (scheme != kBearerScheme || token.empty()) {
    return ErrorWithReason(absl::StatusCode::kUnauthenticated,
                           "malformed authorization metadata: expected "
                           "'Bearer <access token>'",
                           kReasonTokenRevoked);
  }
  return token;
}

bool ShouldAudit(AuditPolicy policy, const absl::Status& status) {
  switch (policy) {
    case AuditPolicy::kNever:
      return false;
    case AuditPolicy::kAlways:
      return true;
    case AuditPolicy::kFailures:
      return !status.ok();
  }
  return false;
}

}  // namespace

std::string AuditText(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  // Back off over continuation bytes (10xxxxxx) to a sequence start.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;
  }
  return text.substr(0, end);
}

CallContext::CallContext(AuthManager* auth, AdminManager* admin,
                         Executor* executor)
    : auth_(auth), admin_(admin), executor_(executor) {}

grpc::ServerUnaryReactor* CallContext::Dispatch(
    grpc::CallbackServerContext* context, const RpcMethod& method,
    Work work) const {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // Metadata is read here, on gRPC's thread, because it costs nothing; all
  // that may touch the database runs on the executor.
  Call call;
  call.caller.peer = PeerHost(context->peer());
  absl::Status status;
  if (std::optional<std::string> device =
          MetadataValue(*context, kDeviceIdMetadata)) {
    if (device->size() > kMaxDeviceIdLength) {
      status = InvalidArgumentError(
          kDeviceIdMetadata,
          absl::StrCat("at most ", kMaxDeviceIdLength, " characters"));
    }
    call.caller.device_id = *std::move(device);
  }
  if (status.ok() && method.authentication == Authentication::kRequired) {
    absl::StatusOr<std::string> token =
        BearerToken(MetadataValue(*context, kAuthorizationMetadata));
    if (token.ok()) {
      call.access_token = *std::move(token);
    } else {
      status = token.status();
    }
  }
  if (status.ok()) {
    const RpcMethod* m = &method;
    status =
        executor_->Submit([this, context, reactor, m, call = std::move(call),
                           work = std::move(work)]() mutable {
          const absl::Status result = Execute(context, *m, call, work);
          reactor->Finish(ToGrpcStatus(result, m->name));
        });
  }
  if (!status.ok()) {
    // Debug only: under overload a line per refused call would add to it.
    if (status.code() == absl::StatusCode::kResourceExhausted) {
      log::Debug("rpc_refused_overloaded", {{"method", method.name}});
    }
    reactor->Finish(ToGrpcStatus(status, method.name));
  }
  return reactor;
}

absl::Status CallContext::Execute(grpc::CallbackServerContext* context,
                                  const RpcMethod& method, Call& call,
                                  const Work& work) const {
  // A call that waited in the queue past its deadline, or that its client
  // gave up on, is answered without doing the work: no one would read it.
  if (context->IsCancelled()) {
    return absl::CancelledError("the call was cancelled");
  }
  if (context->deadline() <= std::chrono::system_clock::now()) {
    return absl::DeadlineExceededError(
        "the deadline passed before the server started the call");
  }
  if (method.authentication == Authentication::kRequired) {
    absl::StatusOr<Caller> caller =
        auth_->Authenticate(call.access_token, call.caller.peer);
    if (!caller.ok()) return caller.status();
    caller->peer = std::move(call.caller.peer);
    // The device named on the call is the one acting now; without one, the
    // device the token was issued to stands in.
    if (!call.caller.device_id.empty()) {
      caller->device_id = std::move(call.caller.device_id);
    }
    call.caller = *std::move(caller);
  }
  const absl::Status status = work(call);
  if (ShouldAudit(method.audit, status)) {
    if (call.audit_patients.empty()) {
      admin_->Audit(call.caller, method.name, call.audit_patient_id, status,
                    call.audit_detail);
    } else {
      admin_->Audit(call.caller, method.name, call.audit_patients,
                    call.audit_detail);
    }
  }
  return status;
}

}  // namespace rehab
