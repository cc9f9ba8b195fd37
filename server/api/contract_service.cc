#include "server/api/contract_service.h"

namespace rehab {
namespace {

namespace v1 = ::rehab::v1;

constexpr RpcMethod kCreateContract{"rehab.v1.ContractService/CreateContract",
                                    Authentication::kRequired,
                                    AuditPolicy::kAlways};
constexpr RpcMethod kGetContract{"rehab.v1.ContractService/GetContract",
                                 Authentication::kRequired,
                                 AuditPolicy::kAlways};
constexpr RpcMethod kListContracts{"rehab.v1.ContractService/ListContracts",
                                   Authentication::kRequired,
                                   AuditPolicy::kAlways};
constexpr RpcMethod kRenewContract{"rehab.v1.ContractService/RenewContract",
                                   Authentication::kRequired,
                                   AuditPolicy::kAlways};
constexpr RpcMethod kTerminateContract{
    "rehab.v1.ContractService/TerminateContract", Authentication::kRequired,
    AuditPolicy::kAlways};
constexpr RpcMethod kCreateVisit{"rehab.v1.ContractService/CreateVisit",
                                 Authentication::kRequired,
                                 AuditPolicy::kAlways};
constexpr RpcMethod kListVisits{"rehab.v1.ContractService/ListVisits",
                                Authentication::kRequired,
                                AuditPolicy::kAlways};
constexpr RpcMethod kListDueFollowUps{
    "rehab.v1.ContractService/ListDueFollowUps", Authentication::kRequired,
    AuditPolicy::kAlways};

}  // namespace

ContractService::ContractService(const CallContext* calls,
                                 ContractManager* contracts)
    : calls_(calls), contracts_(contracts) {}

grpc::ServerUnaryReactor* ContractService::CreateContract(
    grpc::CallbackServerContext* context,
    const v1::CreateContractRequest* request, v1::Contract* response) {
  return calls_->Serve(
      context, kCreateContract, request, response,
      [this](Call& call, const v1::CreateContractRequest& r,
             v1::Contract* out) {
        return SetResponse(
            contracts_->CreateContract(call.caller, r, &call.audit_patient_id),
            out);
      });
}

grpc::ServerUnaryReactor* ContractService::GetContract(
    grpc::CallbackServerContext* context, const v1::GetContractRequest* request,
    v1::Contract* response) {
  return calls_->Serve(
      context, kGetContract, request, response,
      [this](Call& call, const v1::GetContractRequest& r, v1::Contract* out) {
        return SetResponse(
            contracts_->GetContract(call.caller, r, &call.audit_patient_id),
            out);
      });
}

grpc::ServerUnaryReactor* ContractService::ListContracts(
    grpc::CallbackServerContext* context,
    const v1::ListContractsRequest* request,
    v1::ListContractsResponse* response) {
  return calls_->Serve(
      context, kListContracts, request, response,
      [this](Call& call, const v1::ListContractsRequest& r,
             v1::ListContractsResponse* out) {
        return SetResponse(
            contracts_->ListContracts(call.caller, r, &call.audit_patient_id),
            out);
      });
}

grpc::ServerUnaryReactor* ContractService::RenewContract(
    grpc::CallbackServerContext* context,
    const v1::RenewContractRequest* request, v1::Contract* response) {
  return calls_->Serve(
      context, kRenewContract, request, response,
      [this](Call& call, const v1::RenewContractRequest& r, v1::Contract* out) {
        return SetResponse(
            contracts_->RenewContract(call.caller, r, &call.audit_patient_id),
            out);
      });
}

grpc::ServerUnaryReactor* ContractService::TerminateContract(
    grpc::CallbackServerContext* context,
    const v1::TerminateContractRequest* request, v1::Contract* response) {
  return calls_->Serve(context, kTerminateContract, request, response,
                       [this](Call& call, const v1::TerminateContractRequest& r,
                              v1::Contract* out) {
                         return SetResponse(
                             contracts_->TerminateContract(
                                 call.caller, r, &call.audit_patient_id),
                             out);
                       });
}

grpc::ServerUnaryReactor* ContractService::CreateVisit(
    grpc::CallbackServerContext* context, const v1::CreateVisitRequest* request,
    v1::Visit* response) {
  return calls_->Serve(
      context, kCreateVisit, request, response,
      [this](Call& call, const v1::CreateVisitRequest& r, v1::Visit* out) {
        return SetResponse(
            contracts_->CreateVisit(call.caller, r, &call.audit_patient_id),
            out);
      });
}

grpc::ServerUnaryReactor* ContractService::ListVisits(
    grpc::CallbackServerContext* context, const v1::ListVisitsRequest* request,
    v1::ListVisitsResponse* response) {
  return calls_->Serve(
      context, kListVisits, request, response,
      [this](Call& call, const v1::ListVisitsRequest& r,
             v1::ListVisitsResponse* out) {
        return SetResponse(
            contracts_->ListVisits(call.caller, r, &call.audit_patient_id),
            out);
      });
}

grpc::ServerUnaryReactor* ContractService::ListDueFollowUps(
    grpc::CallbackServerContext* context,
    const v1::ListDueFollowUpsRequest* request,
    v1::ListDueFollowUpsResponse* response) {
  return calls_->Serve(context, kListDueFollowUps, request, response,
                       [this](Call& call, const v1::ListDueFollowUpsRequest& r,
                              v1::ListDueFollowUpsResponse* out) {
                         return SetResponse(
                             contracts_->ListDueFollowUps(call.caller, r), out);
                       });
}

}  // namespace rehab
