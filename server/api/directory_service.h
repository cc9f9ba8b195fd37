// rehab.v1.DirectoryService over gRPC: areas, facilities, practitioners and
// accounts.
#ifndef REHAB_SERVER_API_DIRECTORY_SERVICE_H_
#define REHAB_SERVER_API_DIRECTORY_SERVICE_H_

#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "rehab/v1/directory.grpc.pb.h"
#include "server/api/call_context.h"
#include "server/domain/directory_manager.h"

namespace rehab {

// Writes (creates, DisableAccount) are audited; reads are not. Thread-safe.
class DirectoryService final
    : public rehab::v1::DirectoryService::CallbackService {
 public:
  // The pointers must outlive the service.
  DirectoryService(const CallContext* calls, DirectoryManager* directory);

  grpc::ServerUnaryReactor* CreateArea(
      grpc::CallbackServerContext* context,
      const rehab::v1::CreateAreaRequest* request,
      rehab::v1::Area* response) override;
  grpc::ServerUnaryReactor* ListAreas(
      grpc::CallbackServerContext* context,
      const rehab::v1::ListAreasRequest* request,
      rehab::v1::ListAreasResponse* response) override;
  grpc::ServerUnaryReactor* CreateFacility(
      grpc::CallbackServerContext* context,
      const rehab::v1::CreateFacilityRequest* request,
      rehab::v1::Facility* response) override;
  grpc::ServerUnaryReactor* ListFacilities(
      grpc::CallbackServerContext* context,
      const rehab::v1::ListFacilitiesRequest* request,
      rehab::v1::ListFacilitiesResponse* response) override;
  grpc::ServerUnaryReactor* CreatePractitioner(
      grpc::CallbackServerContext* context,
      const rehab::v1::CreatePractitionerRequest* request,
      rehab::v1::Practitioner* response) override;
  grpc::ServerUnaryReactor* ListPractitioners(
      grpc::CallbackServerContext* context,
      const rehab::v1::ListPractitionersRequest* request,
      rehab::v1::ListPractitionersResponse* response) override;
  grpc::ServerUnaryReactor* CreateAccount(
      grpc::CallbackServerContext* context,
      const rehab::v1::CreateAccountRequest* request,
      rehab::v1::Account* response) override;
  grpc::ServerUnaryReactor* ListAccounts(
      grpc::CallbackServerContext* context,
      const rehab::v1::ListAccountsRequest* request,
      rehab::v1::ListAccountsResponse* response) override;
  grpc::ServerUnaryReactor* DisableAccount(
      grpc::CallbackServerContext* context,
      const rehab::v1::DisableAccountRequest* request,
      rehab::v1::Account* response) override;

 private:
  const CallContext* const calls_;
  DirectoryManager* const directory_;
};

}  // namespace rehab

#endif  // REHAB_SERVER_API_DIRECTORY_SERVICE_H_
