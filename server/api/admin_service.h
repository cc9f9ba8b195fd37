// rehab.v1.AdminService over gRPC: the audit trail and online backup.
#ifndef REHAB_SERVER_API_ADMIN_SERVICE_H_
#define REHAB_SERVER_API_ADMIN_SERVICE_H_

#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "rehab/v1/admin.grpc.pb.h"
#include "server/api/call_context.h"
#include "server/domain/admin_manager.h"

namespace rehab {

// Reading the audit trail and backing up are themselves audited.
// Thread-safe.
class AdminService final : public rehab::v1::AdminService::CallbackService {
 public:
  // The pointers must outlive the service.
  AdminService(const CallContext* calls, AdminManager* admin);

  grpc::ServerUnaryReactor* ListAuditEvents(
      grpc::CallbackServerContext* context,
      const rehab::v1::ListAuditEventsRequest* request,
      rehab::v1::ListAuditEventsResponse* response) override;
  grpc::ServerUnaryReactor* Backup(
      grpc::CallbackServerContext* context,
      const rehab::v1::BackupRequest* request,
      rehab::v1::BackupResponse* response) override;

 private:
  const CallContext* const calls_;
  AdminManager* const admin_;
};

}  // namespace rehab

#endif  // REHAB_SERVER_API_ADMIN_SERVICE_H_
