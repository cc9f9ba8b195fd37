// rehab.v1.ReportService over gRPC: alerts for supervisors and doctors.
#ifndef REHAB_SERVER_API_REPORT_SERVICE_H_
#define REHAB_SERVER_API_REPORT_SERVICE_H_

#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "rehab/v1/report.grpc.pb.h"
#include "server/api/call_context.h"
#include "server/domain/alert_manager.h"

namespace rehab {

// Every method touches patient data, so every call (whatever its outcome)
// is audited with the patient the manager reports. Thread-safe.
class ReportService final : public rehab::v1::ReportService::CallbackService {
 public:
  // The pointers must outlive the service.
  ReportService(const CallContext* calls, AlertManager* alerts);

  grpc::ServerUnaryReactor* ListAlerts(
      grpc::CallbackServerContext* context,
      const rehab::v1::ListAlertsRequest* request,
      rehab::v1::ListAlertsResponse* response) override;
  grpc::ServerUnaryReactor* AcknowledgeAlert(
      grpc::CallbackServerContext* context,
      const rehab::v1::AcknowledgeAlertRequest* request,
      rehab::v1::Alert* response) override;

 private:
  const CallContext* const calls_;
  AlertManager* const alerts_;
};

}  // namespace rehab

#endif  // REHAB_SERVER_API_REPORT_SERVICE_H_
