// A real rehabd server for integration tests: started in-process on
// 127.0.0.1:0 with a fresh database in its own temporary directory, cheap
// password hashing, a FakeClock and a bootstrapped administrator; plus
// stubs, logins, authorized contexts and the decoding of error details.
//
//   std::unique_ptr<TestServer> server = TestServer::StartOrDie();
//   auto patients = server->Patients();
//   auto context = TestServer::Context(server->AdminToken());
//   grpc::Status status = patients->GetPatient(context.get(), request, &p);
//   EXPECT_EQ(DecodeError(status).reason, "TOKEN_EXPIRED");
#ifndef REHAB_TESTS_INTEGRATION_TEST_SERVER_H_
#define REHAB_TESTS_INTEGRATION_TEST_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "rehab/v1/admin.grpc.pb.h"
#include "rehab/v1/auth.grpc.pb.h"
#include "rehab/v1/contract.grpc.pb.h"
#include "rehab/v1/directory.grpc.pb.h"
#include "rehab/v1/patient.grpc.pb.h"
#include "rehab/v1/report.grpc.pb.h"
#include "rehab/v1/sync.grpc.pb.h"
#include "server/api/server.h"
#include "server/common/clock.h"

namespace rehab::testing {

inline constexpr char kAdminUsername[] = "admin";
inline constexpr char kAdminPassword[] = "admin-password-1";
// The password CreateAccount gives accounts unless told otherwise.
inline constexpr char kTestPassword[] = "test-password-1";

// What a failed call carried, decoded from its grpc-status-details-bin
// trailer (a google.rpc.Status with Any-packed ErrorInfo and BadRequest).
struct WireError {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string message;
  // True when the trailer was present, parsed, and agreed with the code.
  bool has_details = false;
  std::string reason;  // ErrorInfo.reason, "" when none
  std::string domain;  // ErrorInfo.domain
  // BadRequest field paths and descriptions, in order.
  std::vector<std::string> fields;
  std::vector<std::string> descriptions;
};

WireError DecodeError(const grpc::Status& status);

// A valid 18-character resident ID number: `address6` + `birth8`
// (YYYYMMDD) + the 3-digit `sequence` (odd: male, even: female) + the check
// character.
std::string TestIdNumber(const std::string& address6, const std::string& birth8,
                         int sequence);

// The small county CreateTwoTownCounty makes: county "320831" (Demo
// County) with townships "320831001" (Town A) and "320831002" (Town B), one
// village in each ("320831001001" Village A, "320831002001" Village B) and a
// rehab station in each village (Station A, Station B).
struct TwoTownCounty {
  rehab::v1::Area county;
  rehab::v1::Area township_a;
  rehab::v1::Area township_b;
  rehab::v1::Area village_a;
  rehab::v1::Area village_b;
  rehab::v1::Facility station_a;
  rehab::v1::Facility station_b;
};

class TestServer {
 public:
  // Starts a server; `adjust` may change the options first (listen
  // address, reflection, TTLs ...). The database lives in a new temporary
  // directory removed by the destructor.
  static absl::StatusOr<std::unique_ptr<TestServer>> Start(
      const std::function<void(ServerOptions&)>& adjust = {});
  // Start, or abort the test binary with the reason.
  static std::unique_ptr<TestServer> StartOrDie(
      const std::function<void(ServerOptions&)>& adjust = {});

  ~TestServer();

  // Stops the server and starts it again on the same database with the
  // same options (on a new port), as rehabd restarted; channel() and the
  // stubs made from it before must be made again. Access tokens stay valid.
  absl::Status Restart();

  RehabServer& server() { return *server_; }
  // The server's clock: starts at the real time of Start and stands still.
  FakeClock& clock() { return clock_; }
  // "127.0.0.1:<port>".
  const std::string& address() const { return address_; }
  const std::string& dir() const { return dir_; }
  const std::string& db_path() const { return db_path_; }

  // One insecure channel to the server, shared by the stubs below.
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  std::unique_ptr<rehab::v1::AuthService::Stub> Auth() const;
  std::unique_ptr<rehab::v1::DirectoryService::Stub> Directory() const;
  std::unique_ptr<rehab::v1::PatientService::Stub> Patients() const;
  std::unique_ptr<rehab::v1::AdminService::Stub> Admin() const;
  std::unique_ptr<rehab::v1::SyncService::Stub> Sync() const;
  std::unique_ptr<rehab::v1::ContractService::Stub> Contracts() const;
  std::unique_ptr<rehab::v1::ReportService::Stub> Reports() const;

  // A context with a 10 s deadline and, when `access_token` is not empty,
  // `authorization: Bearer <access_token>`.
  static std::unique_ptr<grpc::ClientContext> Context(
      const std::string& access_token = "");

  // Logs in over the wire.
  grpc::Status Login(const std::string& username, const std::string& password,
                     rehab::v1::LoginResponse* response) const;
  // The administrator's access token (logged in once, then reused).
  const std::string& AdminToken();

  // Directory records created by the administrator over the wire; a
  // failure fails the current test (ADD_FAILURE) and returns an empty
  // record.
  rehab::v1::Area CreateArea(const std::string& code, const std::string& name,
                             const std::string& parent_id = "");
  rehab::v1::Facility CreateFacility(const std::string& name,
                                     rehab::v1::FacilityType type,
                                     const std::string& area_id);
  rehab::v1::Account CreateAccount(const std::string& username,
                                   rehab::v1::Role role,
                                   const std::string& scope_id,
                                   const std::string& password = kTestPassword);
  // A practitioner of `facility_id` (a family doctor unless told
  // otherwise), in `team` when not empty.
  rehab::v1::Practitioner CreatePractitioner(
      const std::string& name, const std::string& facility_id,
      const std::string& team = "",
      rehab::v1::PractitionerKind kind =
          rehab::v1::PRACTITIONER_KIND_FAMILY_DOCTOR);
  // CreateAccount, then Login: the new account's access token ("" after a
  // failure, which fails the test).
  std::string CreateAndLogin(const std::string& username, rehab::v1::Role role,
                             const std::string& scope_id);
  // The audit events about `patient_id` as the administrator lists them,
  // polled (audit writes are queued, not awaited) until one of `method`
  // made by `account_id` (by anyone when `account_id` is empty) shows up,
  // for about two seconds; then the last list. A failed list fails the
  // test and returns what was read before.
  std::vector<rehab::v1::AuditEvent> AuditEventsFor(
      const std::string& patient_id, const std::string& method,
      const std::string& account_id = "");

  // The areas and stations of a TwoTownCounty, made with CreateArea and
  // CreateFacility (a failure fails the test and leaves a record empty).
  TwoTownCounty CreateTwoTownCounty();

 private:
  TestServer();

  FakeClock clock_;
  ServerOptions options_;
  std::string dir_;
  std::string db_path_;
  std::string address_;
  std::unique_ptr<RehabServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::string admin_token_;
};

}  // namespace rehab::testing

#endif  // REHAB_TESTS_INTEGRATION_TEST_SERVER_H_
