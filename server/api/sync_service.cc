#include "server/api/sync_service.h"

namespace rehab {
namespace {

namespace v1 = ::rehab::v1;

constexpr RpcMethod kPush{"rehab.v1.SyncService/Push",
                          Authentication::kRequired, AuditPolicy::kAlways};
constexpr RpcMethod kPull{"rehab.v1.SyncService/Pull",
                          Authentication::kRequired, AuditPolicy::kAlways};

}  // namespace

SyncService::SyncService(const CallContext* calls, SyncManager* sync)
    : calls_(calls), sync_(sync) {}

grpc::ServerUnaryReactor* SyncService::Push(
    grpc::CallbackServerContext* context, const v1::PushRequest* request,
    v1::PushResponse* response) {
  return calls_->Serve(
      context, kPush, request, response,
      [this](Call& call, const v1::PushRequest& r, v1::PushResponse* out) {
        return SetResponse(sync_->Push(call.caller, r, &call.audit_patients),
                           out);
      });
}

grpc::ServerUnaryReactor* SyncService::Pull(
    grpc::CallbackServerContext* context, const v1::PullRequest* request,
    v1::PullResponse* response) {
  return calls_->Serve(
      context, kPull, request, response,
      [this](Call& call, const v1::PullRequest& r, v1::PullResponse* out) {
        return SetResponse(sync_->Pull(call.caller, r, &call.audit_patients),
                           out);
      });
}

}  // namespace rehab
