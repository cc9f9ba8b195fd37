// The transport under rehab::client::Client: one call per API method, each
// returning absl::StatusOr, no retries and no token handling (the Client
// does those). GrpcStub is the real one; tests substitute fakes.
#ifndef REHAB_CLIENT_SDK_SRC_STUB_H_
#define REHAB_CLIENT_SDK_SRC_STUB_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "rehab/v1/admin.pb.h"
#include "rehab/v1/auth.pb.h"
#include "rehab/v1/contract.pb.h"
#include "rehab/v1/directory.pb.h"
#include "rehab/v1/patient.pb.h"
#include "rehab/v1/report.pb.h"
#include "rehab/v1/sync.pb.h"

namespace rehab::client::internal {

// What every call carries besides its request.
struct CallContext {
  // The call fails DEADLINE_EXCEEDED when no answer came by then.
  absl::Time deadline = absl::InfiniteFuture();
  // Sent as `authorization: Bearer <access_token>` unless empty.
  std::string access_token;
};

// Implementations must be thread-safe.
class Stub {
 public:
  virtual ~Stub() = default;

  // AuthService
  virtual absl::StatusOr<rehab::v1::LoginResponse> Login(
      const CallContext& context, const rehab::v1::LoginRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::LoginResponse> RefreshToken(
      const CallContext& context,
      const rehab::v1::RefreshTokenRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::LogoutResponse> Logout(
      const CallContext& context, const rehab::v1::LogoutRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::WhoAmIResponse> WhoAmI(
      const CallContext& context, const rehab::v1::WhoAmIRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::BreakGlassResponse> BreakGlass(
      const CallContext& context,
      const rehab::v1::BreakGlassRequest& request) = 0;

  // DirectoryService
  virtual absl::StatusOr<rehab::v1::Area> CreateArea(
      const CallContext& context,
      const rehab::v1::CreateAreaRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::ListAreasResponse> ListAreas(
      const CallContext& context,
      const rehab::v1::ListAreasRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::Facility> CreateFacility(
      const CallContext& context,
      const rehab::v1::CreateFacilityRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::ListFacilitiesResponse> ListFacilities(
      const CallContext& context,
      const rehab::v1::ListFacilitiesRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::Practitioner> CreatePractitioner(
      const CallContext& context,
      const rehab::v1::CreatePractitionerRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::ListPractitionersResponse>
  ListPractitioners(const CallContext& context,
                    const rehab::v1::ListPractitionersRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::Account> CreateAccount(
      const CallContext& context,
      const rehab::v1::CreateAccountRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::ListAccountsResponse> ListAccounts(
      const CallContext& context,
      const rehab::v1::ListAccountsRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::Account> DisableAccount(
      const CallContext& context,
      const rehab::v1::DisableAccountRequest& request) = 0;

  // PatientService
  virtual absl::StatusOr<rehab::v1::Patient> CreatePatient(
      const CallContext& context,
      const rehab::v1::CreatePatientRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::Patient> GetPatient(
      const CallContext& context,
      const rehab::v1::GetPatientRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::Patient> UpdatePatient(
      const CallContext& context,
      const rehab::v1::UpdatePatientRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::ListPatientsResponse> ListPatients(
      const CallContext& context,
      const rehab::v1::ListPatientsRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::Patient> LookupPatient(
      const CallContext& context,
      const rehab::v1::LookupPatientRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::Enrollment> CreateEnrollment(
      const CallContext& context,
      const rehab::v1::CreateEnrollmentRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::Enrollment> EndEnrollment(
      const CallContext& context,
      const rehab::v1::EndEnrollmentRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::ListEnrollmentsResponse> ListEnrollments(
      const CallContext& context,
      const rehab::v1::ListEnrollmentsRequest& request) = 0;

  // AdminService
  virtual absl::StatusOr<rehab::v1::ListAuditEventsResponse> ListAuditEvents(
      const CallContext& context,
      const rehab::v1::ListAuditEventsRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::BackupResponse> Backup(
      const CallContext& context, const rehab::v1::BackupRequest& request) = 0;

  // ContractService
  virtual absl::StatusOr<rehab::v1::Contract> CreateContract(
      const CallContext& context,
      const rehab::v1::CreateContractRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::Contract> GetContract(
      const CallContext& context,
      const rehab::v1::GetContractRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::ListContractsResponse> ListContracts(
      const CallContext& context,
      const rehab::v1::ListContractsRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::Contract> RenewContract(
      const CallContext& context,
      const rehab::v1::RenewContractRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::Contract> TerminateContract(
      const CallContext& context,
      const rehab::v1::TerminateContractRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::Visit> CreateVisit(
      const CallContext& context,
      const rehab::v1::CreateVisitRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::ListVisitsResponse> ListVisits(
      const CallContext& context,
      const rehab::v1::ListVisitsRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::ListDueFollowUpsResponse> ListDueFollowUps(
      const CallContext& context,
      const rehab::v1::ListDueFollowUpsRequest& request) = 0;

  // ReportService
  virtual absl::StatusOr<rehab::v1::ListAlertsResponse> ListAlerts(
      const CallContext& context,
      const rehab::v1::ListAlertsRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::Alert> AcknowledgeAlert(
      const CallContext& context,
      const rehab::v1::AcknowledgeAlertRequest& request) = 0;

  // SyncService
  virtual absl::StatusOr<rehab::v1::PushResponse> Push(
      const CallContext& context, const rehab::v1::PushRequest& request) = 0;
  virtual absl::StatusOr<rehab::v1::PullResponse> Pull(
      const CallContext& context, const rehab::v1::PullRequest& request) = 0;
};

}  // namespace rehab::client::internal

#endif  // REHAB_CLIENT_SDK_SRC_STUB_H_
