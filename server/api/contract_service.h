// rehab.v1.ContractService over gRPC: family-doctor contracts, visits and due
// follow-ups.
#ifndef REHAB_SERVER_API_CONTRACT_SERVICE_H_
#define REHAB_SERVER_API_CONTRACT_SERVICE_H_

#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "rehab/v1/contract.grpc.pb.h"
#include "server/api/call_context.h"
#include "server/domain/contract_manager.h"

namespace rehab {

// Every method touches patient data, so every call (whatever its outcome)
// is audited with the patient the manager reports. Thread-safe.
class ContractService final
    : public rehab::v1::ContractService::CallbackService {
 public:
  // The pointers must outlive the service.
  ContractService(const CallContext* calls, ContractManager* contracts);

  grpc::ServerUnaryReactor* CreateContract(
      grpc::CallbackServerContext* context,
      const rehab::v1::CreateContractRequest* request,
      rehab::v1::Contract* response) override;
  grpc::ServerUnaryReactor* GetContract(
      grpc::CallbackServerContext* context,
      const rehab::v1::GetContractRequest* request,
      rehab::v1::Contract* response) override;
  grpc::ServerUnaryReactor* ListContracts(
      grpc::CallbackServerContext* context,
      const rehab::v1::ListContractsRequest* request,
      rehab::v1::ListContractsResponse* response) override;
  grpc::ServerUnaryReactor* RenewContract(
      grpc::CallbackServerContext* context,
      const rehab::v1::RenewContractRequest* request,
      rehab::v1::Contract* response) override;
  grpc::ServerUnaryReactor* TerminateContract(
      grpc::CallbackServerContext* context,
      const rehab::v1::TerminateContractRequest* request,
      rehab::v1::Contract* response) override;
  grpc::ServerUnaryReactor* CreateVisit(
      grpc::CallbackServerContext* context,
      const rehab::v1::CreateVisitRequest* request,
      rehab::v1::Visit* response) override;
  grpc::ServerUnaryReactor* ListVisits(
      grpc::CallbackServerContext* context,
      const rehab::v1::ListVisitsRequest* request,
      rehab::v1::ListVisitsResponse* response) override;
  grpc::ServerUnaryReactor* ListDueFollowUps(
      grpc::CallbackServerContext* context,
      const rehab::v1::ListDueFollowUpsRequest* request,
      rehab::v1::ListDueFollowUpsResponse* response) override;

 private:
  const CallContext* const calls_;
  ContractManager* const contracts_;
};

}  // namespace rehab

#endif  // REHAB_SERVER_API_CONTRACT_SERVICE_H_
