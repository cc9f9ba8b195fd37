// A Stub that forwards every call to another one (a real GrpcStub in the
// end-to-end tests), with hooks that may replace Push and Pull: the
// fault-injecting decorator of the transport seam. Counts the calls it
// forwards.
//
//   auto stub = std::make_shared<ForwardingStub>(real);
//   stub->on_push = [](Stub& next, const CallContext& c,
//                      const rehab::v1::PushRequest& r)
//       -> absl::StatusOr<rehab::v1::PushResponse> {
//     absl::StatusOr<rehab::v1::PushResponse> answer = next.Push(c, r);
//     return absl::UnavailableError("the reply was lost");
//   };
#ifndef REHAB_TESTS_CLIENT_SDK_FORWARDING_STUB_H_
#define REHAB_TESTS_CLIENT_SDK_FORWARDING_STUB_H_

#include <atomic>
#include <functional>
#include <memory>
#include <utility>

#include "client-sdk/src/stub.h"

namespace rehab::client::internal {

// Thread-safe once the hooks are set (set them before the calls begin).
class ForwardingStub final : public Stub {
 public:
  using PushHook = std::function<absl::StatusOr<rehab::v1::PushResponse>(
      Stub& next, const CallContext&, const rehab::v1::PushRequest&)>;
  using PullHook = std::function<absl::StatusOr<rehab::v1::PullResponse>(
      Stub& next, const CallContext&, const rehab::v1::PullRequest&)>;

  explicit ForwardingStub(std::shared_ptr<Stub> next)
      : next_(std::move(next)) {}

  PushHook on_push;
  PullHook on_pull;
  std::atomic<int> push_calls{0};
  std::atomic<int> pull_calls{0};
  std::atomic<int> refresh_calls{0};

  absl::StatusOr<rehab::v1::PushResponse> Push(
      const CallContext& context,
      const rehab::v1::PushRequest& request) override {
    ++push_calls;
    return on_push ? on_push(*next_, context, request)
                   : next_->Push(context, request);
  }
  absl::StatusOr<rehab::v1::PullResponse> Pull(
      const CallContext& context,
      const rehab::v1::PullRequest& request) override {
    ++pull_calls;
    return on_pull ? on_pull(*next_, context, request)
                   : next_->Pull(context, request);
  }
  absl::StatusOr<rehab::v1::LoginResponse> RefreshToken(
      const CallContext& context,
      const rehab::v1::RefreshTokenRequest& request) override {
    ++refresh_calls;
    return next_->RefreshToken(context, request);
  }

#define REHAB_FORWARD(Method, Request, Response)                     \
  absl::StatusOr<rehab::v1::Response> Method(                        \
      const CallContext& context, const rehab::v1::Request& request) \
      override {                                                     \
    return next_->Method(context, request);                          \
  }

  REHAB_FORWARD(Login, LoginRequest, LoginResponse)
  REHAB_FORWARD(Logout, LogoutRequest, LogoutResponse)
  REHAB_FORWARD(WhoAmI, WhoAmIRequest, WhoAmIResponse)
  REHAB_FORWARD(BreakGlass, BreakGlassRequest, BreakGlassResponse)
  REHAB_FORWARD(CreateArea, CreateAreaRequest, Area)
  REHAB_FORWARD(ListAreas, ListAreasRequest, ListAreasResponse)
  REHAB_FORWARD(CreateFacility, CreateFacilityRequest, Facility)
  REHAB_FORWARD(ListFacilities, ListFacilitiesRequest, ListFacilitiesResponse)
  REHAB_FORWARD(CreatePractitioner, CreatePractitionerRequest, Practitioner)
  REHAB_FORWARD(ListPractitioners, ListPractitionersRequest,
                ListPractitionersResponse)
  REHAB_FORWARD(CreateAccount, CreateAccountRequest, Account)
  REHAB_FORWARD(ListAccounts, ListAccountsRequest, ListAccountsResponse)
  REHAB_FORWARD(DisableAccount, DisableAccountRequest, Account)
  REHAB_FORWARD(CreatePatient, CreatePatientRequest, Patient)
  REHAB_FORWARD(GetPatient, GetPatientRequest, Patient)
  REHAB_FORWARD(UpdatePatient, UpdatePatientRequest, Patient)
  REHAB_FORWARD(ListPatients, ListPatientsRequest, ListPatientsResponse)
  REHAB_FORWARD(LookupPatient, LookupPatientRequest, Patient)
  REHAB_FORWARD(CreateEnrollment, CreateEnrollmentRequest, Enrollment)
  REHAB_FORWARD(EndEnrollment, EndEnrollmentRequest, Enrollment)
  REHAB_FORWARD(ListEnrollments, ListEnrollmentsRequest,
                ListEnrollmentsResponse)
  REHAB_FORWARD(ListAuditEvents, ListAuditEventsRequest,
                ListAuditEventsResponse)
  REHAB_FORWARD(Backup, BackupRequest, BackupResponse)
  REHAB_FORWARD(CreateContract, CreateContractRequest, Contract)
  REHAB_FORWARD(GetContract, GetContractRequest, Contract)
  REHAB_FORWARD(ListContracts, ListContractsRequest, ListContractsResponse)
  REHAB_FORWARD(RenewContract, RenewContractRequest, Contract)
  REHAB_FORWARD(TerminateContract, TerminateContractRequest, Contract)
  REHAB_FORWARD(CreateVisit, CreateVisitRequest, Visit)
  REHAB_FORWARD(ListVisits, ListVisitsRequest, ListVisitsResponse)
  REHAB_FORWARD(ListDueFollowUps, ListDueFollowUpsRequest,
                ListDueFollowUpsResponse)
  REHAB_FORWARD(ListAlerts, ListAlertsRequest, ListAlertsResponse)
  REHAB_FORWARD(AcknowledgeAlert, AcknowledgeAlertRequest, Alert)

#undef REHAB_FORWARD

 private:
  const std::shared_ptr<Stub> next_;
};

}  // namespace rehab::client::internal

#endif  // REHAB_TESTS_CLIENT_SDK_FORWARDING_STUB_H_
