#include "server/api/directory_service.h"

namespace rehab {
namespace {

namespace v1 = ::rehab::v1;

constexpr RpcMethod kCreateArea{"rehab.v1.DirectoryService/CreateArea",
                                Authentication::kRequired,
                                AuditPolicy::kAlways};
constexpr RpcMethod kListAreas{"rehab.v1.DirectoryService/ListAreas",
                               Authentication::kRequired, AuditPolicy::kNever};
constexpr RpcMethod kCreateFacility{"rehab.v1.DirectoryService/CreateFacility",
                                    Authentication::kRequired,
                                    AuditPolicy::kAlways};
constexpr RpcMethod kListFacilities{"rehab.v1.DirectoryService/ListFacilities",
                                    Authentication::kRequired,
                                    AuditPolicy::kNever};
constexpr RpcMethod kCreatePractitioner{
    "rehab.v1.DirectoryService/CreatePractitioner", Authentication::kRequired,
    AuditPolicy::kAlways};
constexpr RpcMethod kListPractitioners{
    "rehab.v1.DirectoryService/ListPractitioners", Authentication::kRequired,
    AuditPolicy::kNever};
constexpr RpcMethod kCreateAccount{"rehab.v1.DirectoryService/CreateAccount",
                                   Authentication::kRequired,
                                   AuditPolicy::kAlways};
constexpr RpcMethod kListAccounts{"rehab.v1.DirectoryService/ListAccounts",
                                  Authentication::kRequired,
                                  AuditPolicy::kNever};
constexpr RpcMethod kDisableAccount{"rehab.v1.DirectoryService/DisableAccount",
                                    Authentication::kRequired,
                                    AuditPolicy::kAlways};

}  // namespace

DirectoryService::DirectoryService(const CallContext* calls,
                                   DirectoryManager* directory)
    : calls_(calls), directory_(directory) {}

grpc::ServerUnaryReactor* DirectoryService::CreateArea(
    grpc::CallbackServerContext* context, const v1::CreateAreaRequest* request,
    v1::Area* response) {
  return calls_->Serve(
      context, kCreateArea, request, response,
      [this](Call& call, const v1::CreateAreaRequest& r, v1::Area* out) {
        return SetResponse(directory_->CreateArea(call.caller, r), out);
      });
}

grpc::ServerUnaryReactor* DirectoryService::ListAreas(
    grpc::CallbackServerContext* context, const v1::ListAreasRequest* request,
    v1::ListAreasResponse* response) {
  return calls_->Serve(context, kListAreas, request, response,
                       [this](Call& call, const v1::ListAreasRequest& r,
                              v1::ListAreasResponse* out) {
                         return SetResponse(
                             directory_->ListAreas(call.caller, r), out);
                       });
}

grpc::ServerUnaryReactor* DirectoryService::CreateFacility(
    grpc::CallbackServerContext* context,
    const v1::CreateFacilityRequest* request, v1::Facility* response) {
  return calls_->Serve(context, kCreateFacility, request, response,
                       [this](Call& call, const v1::CreateFacilityRequest& r,
                              v1::Facility* out) {
                         return SetResponse(
                             directory_->CreateFacility(call.caller, r), out);
                       });
}

grpc::ServerUnaryReactor* DirectoryService::ListFacilities(
    grpc::CallbackServerContext* context,
    const v1::ListFacilitiesRequest* request,
    v1::ListFacilitiesResponse* response) {
  return calls_->Serve(context, kListFacilities, request, response,
                       [this](Call& call, const v1::ListFacilitiesRequest& r,
                              v1::ListFacilitiesResponse* out) {
                         return SetResponse(
                             directory_->ListFacilities(call.caller, r), out);
                       });
}

grpc::ServerUnaryReactor* DirectoryService::CreatePractitioner(
    grpc::CallbackServerContext* context,
    const v1::CreatePractitionerRequest* request, v1::Practitioner* response) {
  return calls_->Serve(
      context, kCreatePractitioner, request, response,
      [this](Call& call, const v1::CreatePractitionerRequest& r,
             v1::Practitioner* out) {
        return SetResponse(directory_->CreatePractitioner(call.caller, r), out);
      });
}

grpc::ServerUnaryReactor* DirectoryService::ListPractitioners(
    grpc::CallbackServerContext* context,
    const v1::ListPractitionersRequest* request,
    v1::ListPractitionersResponse* response) {
  return calls_->Serve(
      context, kListPractitioners, request, response,
      [this](Call& call, const v1::ListPractitionersRequest& r,
             v1::ListPractitionersResponse* out) {
        return SetResponse(directory_->ListPractitioners(call.caller, r), out);
      });
}

grpc::ServerUnaryReactor* DirectoryService::CreateAccount(
    grpc::CallbackServerContext* context,
    const v1::CreateAccountRequest* request, v1::Account* response) {
  return calls_->Serve(
      context, kCreateAccount, request, response,
      [this](Call& call, const v1::CreateAccountRequest& r, v1::Account* out) {
        call.audit_detail = AuditText(r.account().username());
        return SetResponse(directory_->CreateAccount(call.caller, r), out);
      });
}

grpc::ServerUnaryReactor* DirectoryService::ListAccounts(
    grpc::CallbackServerContext* context,
    const v1::ListAccountsRequest* request,
    v1::ListAccountsResponse* response) {
  return calls_->Serve(context, kListAccounts, request, response,
                       [this](Call& call, const v1::ListAccountsRequest& r,
                              v1::ListAccountsResponse* out) {
                         return SetResponse(
                             directory_->ListAccounts(call.caller, r), out);
                       });
}

grpc::ServerUnaryReactor* DirectoryService::DisableAccount(
    grpc::CallbackServerContext* context,
    const v1::DisableAccountRequest* request, v1::Account* response) {
  return calls_->Serve(
      context, kDisableAccount, request, response,
      [this](Call& call, const v1::DisableAccountRequest& r, v1::Account* out) {
        call.audit_detail = AuditText(r.id());
        return SetResponse(directory_->DisableAccount(call.caller, r), out);
      });
}

}  // namespace rehab
