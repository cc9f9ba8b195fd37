#include "server/api/admin_service.h"

namespace rehab {
namespace {

namespace v1 = ::rehab::v1;

constexpr RpcMethod kListAuditEvents{"rehab.v1.AdminService/ListAuditEvents",
                                     Authentication::kRequired,
                                     AuditPolicy::kAlways};
constexpr RpcMethod kBackup{"rehab.v1.AdminService/Backup",
                            Authentication::kRequired, AuditPolicy::kAlways};

}  // namespace

AdminService::AdminService(const CallContext* calls, AdminManager* admin)
    : calls_(calls), admin_(admin) {}

grpc::ServerUnaryReactor* AdminService::ListAuditEvents(
    grpc::CallbackServerContext* context,
    const v1::ListAuditEventsRequest* request,
    v1::ListAuditEventsResponse* response) {
  return calls_->Serve(context, kListAuditEvents, request, response,
                       [this](Call& call, const v1::ListAuditEventsRequest& r,
                              v1::ListAuditEventsResponse* out) {
                         call.audit_patient_id = AuditText(r.patient_id());
                         return SetResponse(
                             admin_->ListAuditEvents(call.caller, r), out);
                       });
}

grpc::ServerUnaryReactor* AdminService::Backup(
    grpc::CallbackServerContext* context, const v1::BackupRequest* request,
    v1::BackupResponse* response) {
  return calls_->Serve(
      context, kBackup, request, response,
      [this](Call& call, const v1::BackupRequest& r, v1::BackupResponse* out) {
        call.audit_detail = AuditText(r.path());
        return SetResponse(admin_->Backup(call.caller, r), out);
      });
}

}  // namespace rehab
