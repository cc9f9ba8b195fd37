// A gmock Stub, for testing the Client without a server.
#ifndef REHAB_TESTS_CLIENT_SDK_MOCK_STUB_H_
#define REHAB_TESTS_CLIENT_SDK_MOCK_STUB_H_

#include "client-sdk/src/stub.h"
#include "gmock/gmock.h"

namespace rehab::client::internal {

class MockStub : public Stub {
 public:
#define REHAB_MOCK_STUB_METHOD(Method, Request, Response)  \
  MOCK_METHOD(absl::StatusOr<rehab::v1::Response>, Method, \
              (const CallContext&, const rehab::v1::Request&), (override))

  REHAB_MOCK_STUB_METHOD(Login, LoginRequest, LoginResponse);
  REHAB_MOCK_STUB_METHOD(RefreshToken, RefreshTokenRequest, LoginResponse);
  REHAB_MOCK_STUB_METHOD(Logout, LogoutRequest, LogoutResponse);
  REHAB_MOCK_STUB_METHOD(WhoAmI, WhoAmIRequest, WhoAmIResponse);
  REHAB_MOCK_STUB_METHOD(BreakGlass, BreakGlassRequest, BreakGlassResponse);
  REHAB_MOCK_STUB_METHOD(CreateArea, CreateAreaRequest, Area);
  REHAB_MOCK_STUB_METHOD(ListAreas, ListAreasRequest, ListAreasResponse);
  REHAB_MOCK_STUB_METHOD(CreateFacility, CreateFacilityRequest, Facility);
  REHAB_MOCK_STUB_METHOD(ListFacilities, ListFacilitiesRequest,
                         ListFacilitiesResponse);
  REHAB_MOCK_STUB_METHOD(CreatePractitioner, CreatePractitionerRequest,
                         Practitioner);
  REHAB_MOCK_STUB_METHOD(ListPractitioners, ListPractitionersRequest,
                         ListPractitionersResponse);
  REHAB_MOCK_STUB_METHOD(CreateAccount, CreateAccountRequest, Account);
  REHAB_MOCK_STUB_METHOD(ListAccounts, ListAccountsRequest,
                         ListAccountsResponse);
  REHAB_MOCK_STUB_METHOD(DisableAccount, DisableAccountRequest, Account);
  REHAB_MOCK_STUB_METHOD(CreatePatient, CreatePatientRequest, Patient);
  REHAB_MOCK_STUB_METHOD(GetPatient, GetPatientRequest, Patient);
  REHAB_MOCK_STUB_METHOD(UpdatePatient, UpdatePatientRequest, Patient);
  REHAB_MOCK_STUB_METHOD(ListPatients, ListPatientsRequest,
                         ListPatientsResponse);
  REHAB_MOCK_STUB_METHOD(LookupPatient, LookupPatientRequest, Patient);
  REHAB_MOCK_STUB_METHOD(CreateEnrollment, CreateEnrollmentRequest, Enrollment);
  REHAB_MOCK_STUB_METHOD(EndEnrollment, EndEnrollmentRequest, Enrollment);
  REHAB_MOCK_STUB_METHOD(ListEnrollments, ListEnrollmentsRequest,
                         ListEnrollmentsResponse);
  REHAB_MOCK_STUB_METHOD(ListAuditEvents, ListAuditEventsRequest,
                         ListAuditEventsResponse);
  REHAB_MOCK_STUB_METHOD(Backup, BackupRequest, BackupResponse);
  REHAB_MOCK_STUB_METHOD(CreateContract, CreateContractRequest, Contract);
  REHAB_MOCK_STUB_METHOD(GetContract, GetContractRequest, Contract);
  REHAB_MOCK_STUB_METHOD(ListContracts, ListContractsRequest,
                         ListContractsResponse);
  REHAB_MOCK_STUB_METHOD(RenewContract, RenewContractRequest, Contract);
  REHAB_MOCK_STUB_METHOD(TerminateContract, TerminateContractRequest, Contract);
  REHAB_MOCK_STUB_METHOD(CreateVisit, CreateVisitRequest, Visit);
  REHAB_MOCK_STUB_METHOD(ListVisits, ListVisitsRequest, ListVisitsResponse);
  REHAB_MOCK_STUB_METHOD(ListDueFollowUps, ListDueFollowUpsRequest,
                         ListDueFollowUpsResponse);
  REHAB_MOCK_STUB_METHOD(ListAlerts, ListAlertsRequest, ListAlertsResponse);
  REHAB_MOCK_STUB_METHOD(AcknowledgeAlert, AcknowledgeAlertRequest, Alert);
  REHAB_MOCK_STUB_METHOD(Push, PushRequest, PushResponse);
  REHAB_MOCK_STUB_METHOD(Pull, PullRequest, PullResponse);

#undef REHAB_MOCK_STUB_METHOD
};

}  // namespace rehab::client::internal

#endif  // REHAB_TESTS_CLIENT_SDK_MOCK_STUB_H_
