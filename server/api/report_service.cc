#include "server/api/report_service.h"

namespace rehab {
namespace {

namespace v1 = ::rehab::v1;

constexpr RpcMethod kListAlerts{"rehab.v1.ReportService/ListAlerts",
                                Authentication::kRequired,
                                AuditPolicy::kAlways};
constexpr RpcMethod kAcknowledgeAlert{"rehab.v1.ReportService/AcknowledgeAlert",
                                      Authentication::kRequired,
                                      AuditPolicy::kAlways};

}  // namespace

ReportService::ReportService(const CallContext* calls, AlertManager* alerts)
    : calls_(calls), alerts_(alerts) {}

grpc::ServerUnaryReactor* ReportService::ListAlerts(
    grpc::CallbackServerContext* context, const v1::ListAlertsRequest* request,
    v1::ListAlertsResponse* response) {
  return calls_->Serve(
      context, kListAlerts, request, response,
      [this](Call& call, const v1::ListAlertsRequest& r,
             v1::ListAlertsResponse* out) {
        return SetResponse(
            alerts_->ListAlerts(call.caller, r, &call.audit_patient_id), out);
      });
}

grpc::ServerUnaryReactor* ReportService::AcknowledgeAlert(
    grpc::CallbackServerContext* context,
    const v1::AcknowledgeAlertRequest* request, v1::Alert* response) {
  return calls_->Serve(
      context, kAcknowledgeAlert, request, response,
      [this](Call& call, const v1::AcknowledgeAlertRequest& r, v1::Alert* out) {
        return SetResponse(
            alerts_->AcknowledgeAlert(call.caller, r, &call.audit_patient_id),
            out);
      });
}

}  // namespace rehab
