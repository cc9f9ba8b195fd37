// rehab.v1.SyncService over gRPC: Push and Pull of the offline-first sync
// protocol (DESIGN.md section 6; the rules are SyncManager's).
#ifndef REHAB_SERVER_API_SYNC_SERVICE_H_
#define REHAB_SERVER_API_SYNC_SERVICE_H_

#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "rehab/v1/sync.grpc.pb.h"
#include "server/api/call_context.h"
#include "server/domain/sync_manager.h"

namespace rehab {

// Both methods read or write patient data: every call is audited with one
// event per patient it touched (and its outcome), or one event without a
// patient when it touched none. Thread-safe.
class SyncService final : public rehab::v1::SyncService::CallbackService {
 public:
  // The pointers must outlive the service.
  SyncService(const CallContext* calls, SyncManager* sync);

  grpc::ServerUnaryReactor* Push(grpc::CallbackServerContext* context,
                                 const rehab::v1::PushRequest* request,
                                 rehab::v1::PushResponse* response) override;
  grpc::ServerUnaryReactor* Pull(grpc::CallbackServerContext* context,
                                 const rehab::v1::PullRequest* request,
                                 rehab::v1::PullResponse* response) override;

 private:
  const CallContext* const calls_;
  SyncManager* const sync_;
};

}  // namespace rehab

#endif  // REHAB_SERVER_API_SYNC_SERVICE_H_
