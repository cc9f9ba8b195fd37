#include "client-sdk/src/grpc_stub.h"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client-sdk/src/grpc_status.h"
#include "rehab/v1/admin.grpc.pb.h"
#include "rehab/v1/auth.grpc.pb.h"
#include "rehab/v1/contract.grpc.pb.h"
#include "rehab/v1/directory.grpc.pb.h"
#include "rehab/v1/patient.grpc.pb.h"
#include "rehab/v1/report.grpc.pb.h"
#include "rehab/v1/sync.grpc.pb.h"

namespace rehab::client::internal {
namespace {

using rehab::v1::AdminService;
using rehab::v1::AuthService;
using rehab::v1::ContractService;
using rehab::v1::DirectoryService;
using rehab::v1::PatientService;
using rehab::v1::ReportService;
using rehab::v1::SyncService;

// Runs one unary call: deadline and token from `context`, status converted.
// `invoke` is a generated stub method bound to its request.
template <typename Response, typename Invoke>
absl::StatusOr<Response> Unary(const CallContext& context, Invoke invoke) {
  grpc::ClientContext grpc_context;
  if (context.deadline != absl::InfiniteFuture()) {
    grpc_context.set_deadline(absl::ToChronoTime(context.deadline));
  }
  if (!context.access_token.empty()) {
    grpc_context.AddMetadata("authorization",
                             absl::StrCat("Bearer ", context.access_token));
  }
  Response response;
  grpc::Status status = invoke(&grpc_context, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

class GrpcStub final : public Stub {
 public:
  explicit GrpcStub(std::shared_ptr<grpc::Channel> channel)
      : auth_(AuthService::NewStub(channel)),
        directory_(DirectoryService::NewStub(channel)),
        patients_(PatientService::NewStub(channel)),
        admin_(AdminService::NewStub(channel)),
        contracts_(ContractService::NewStub(channel)),
        reports_(ReportService::NewStub(channel)),
        sync_(SyncService::NewStub(channel)) {}

// Each method forwards to the generated stub of its service.
#define REHAB_GRPC_STUB_METHOD(service, Method, Request, Response)     \
  absl::StatusOr<rehab::v1::Response> Method(                          \
      const CallContext& context, const rehab::v1::Request& request)   \
      override {                                                       \
    return Unary<rehab::v1::Response>(                                 \
        context, [&](grpc::ClientContext* c, rehab::v1::Response* r) { \
          return service->Method(c, request, r);                       \
        });                                                            \
  }

  REHAB_GRPC_STUB_METHOD(auth_, Login, LoginRequest, LoginResponse)
  REHAB_GRPC_STUB_METHOD(auth_, RefreshToken, RefreshTokenRequest,
                         LoginResponse)
  REHAB_GRPC_STUB_METHOD(auth_, Logout, LogoutRequest, LogoutResponse)
  REHAB_GRPC_STUB_METHOD(auth_, WhoAmI, WhoAmIRequest, WhoAmIResponse)
  REHAB_GRPC_STUB_METHOD(auth_, BreakGlass, BreakGlassRequest,
                         BreakGlassResponse)

  REHAB_GRPC_STUB_METHOD(directory_, CreateArea, CreateAreaRequest, Area)
  REHAB_GRPC_STUB_METHOD(directory_, ListAreas, ListAreasRequest,
                         ListAreasResponse)
  REHAB_GRPC_STUB_METHOD(directory_, CreateFacility, CreateFacilityRequest,
                         Facility)
  REHAB_GRPC_STUB_METHOD(directory_, ListFacilities, ListFacilitiesRequest,
                         ListFacilitiesResponse)
  REHAB_GRPC_STUB_METHOD(directory_, CreatePractitioner,
                         CreatePractitionerRequest, Practitioner)
  REHAB_GRPC_STUB_METHOD(directory_, ListPractitioners,
                         ListPractitionersRequest, ListPractitionersResponse)
  REHAB_GRPC_STUB_METHOD(directory_, CreateAccount, CreateAccountRequest,
                         Account)
  REHAB_GRPC_STUB_METHOD(directory_, ListAccounts, ListAccountsRequest,
                         ListAccountsResponse)
  REHAB_GRPC_STUB_METHOD(directory_, DisableAccount, DisableAccountRequest,
                         Account)

  REHAB_GRPC_STUB_METHOD(patients_, CreatePatient, CreatePatientRequest,
                         Patient)
  REHAB_GRPC_STUB_METHOD(patients_, GetPatient, GetPatientRequest, Patient)
  REHAB_GRPC_STUB_METHOD(patients_, UpdatePatient, UpdatePatientRequest,
                         Patient)
  REHAB_GRPC_STUB_METHOD(patients_, ListPatients, ListPatientsRequest,
                         ListPatientsResponse)
  REHAB_GRPC_STUB_METHOD(patients_, LookupPatient, LookupPatientRequest,
                         Patient)
  REHAB_GRPC_STUB_METHOD(patients_, CreateEnrollment, CreateEnrollmentRequest,
                         Enrollment)
  REHAB_GRPC_STUB_METHOD(patients_, EndEnrollment, EndEnrollmentRequest,
                         Enrollment)
  REHAB_GRPC_STUB_METHOD(patients_, ListEnrollments, ListEnrollmentsRequest,
                         ListEnrollmentsResponse)

  REHAB_GRPC_STUB_METHOD(admin_, ListAuditEvents, ListAuditEventsRequest,
                         ListAuditEventsResponse)
  REHAB_GRPC_STUB_METHOD(admin_, Backup, BackupRequest, BackupResponse)

  REHAB_GRPC_STUB_METHOD(contracts_, CreateContract, CreateContractRequest,
                         Contract)
  REHAB_GRPC_STUB_METHOD(contracts_, GetContract, GetContractRequest, Contract)
  REHAB_GRPC_STUB_METHOD(contracts_, ListContracts, ListContractsRequest,
                         ListContractsResponse)
  REHAB_GRPC_STUB_METHOD(contracts_, RenewContract, RenewContractRequest,
                         Contract)
  REHAB_GRPC_STUB_METHOD(contracts_, TerminateContract,
                         TerminateContractRequest, Contract)
  REHAB_GRPC_STUB_METHOD(contracts_, CreateVisit, CreateVisitRequest, Visit)
  REHAB_GRPC_STUB_METHOD(contracts_, ListVisits, ListVisitsRequest,
                         ListVisitsResponse)
  REHAB_GRPC_STUB_METHOD(contracts_, ListDueFollowUps, ListDueFollowUpsRequest,
                         ListDueFollowUpsResponse)
  REHAB_GRPC_STUB_METHOD(reports_, ListAlerts, ListAlertsRequest,
                         ListAlertsResponse)
  REHAB_GRPC_STUB_METHOD(reports_, AcknowledgeAlert, AcknowledgeAlertRequest,
                         Alert)

  REHAB_GRPC_STUB_METHOD(sync_, Push, PushRequest, PushResponse)
  REHAB_GRPC_STUB_METHOD(sync_, Pull, PullRequest, PullResponse)

#undef REHAB_GRPC_STUB_METHOD

 private:
  const std::unique_ptr<AuthService::Stub> auth_;
  const std::unique_ptr<DirectoryService::Stub> directory_;
  const std::unique_ptr<PatientService::Stub> patients_;
  const std::unique_ptr<AdminService::Stub> admin_;
  const std::unique_ptr<ContractService::Stub> contracts_;
  const std::unique_ptr<ReportService::Stub> reports_;
  const std::unique_ptr<SyncService::Stub> sync_;
};

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> Credentials(
    const ClientOptions& options) {
  if (!options.use_tls) return grpc::InsecureChannelCredentials();
  if (options.tls_client_cert_pem.empty() !=
      options.tls_client_key_pem.empty()) {
    return absl::InvalidArgumentError(
        "tls_client_cert_pem and tls_client_key_pem go together: give both "
        "or neither");
  }
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = options.tls_root_certs_pem;
  ssl.pem_cert_chain = options.tls_client_cert_pem;
  ssl.pem_private_key = options.tls_client_key_pem;
  return grpc::SslCredentials(ssl);
}

}  // namespace

absl::StatusOr<std::shared_ptr<Stub>> MakeGrpcStub(
    const ClientOptions& options) {
  if (options.target.empty()) {
    return absl::InvalidArgumentError("target: required");
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      Credentials(options);
  if (!credentials.ok()) return credentials.status();
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(options.target, *credentials);
  if (channel == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("target: cannot make a channel to ", options.target));
  }
  return std::shared_ptr<Stub>(std::make_shared<GrpcStub>(std::move(channel)));
}

}  // namespace rehab::client::internal
