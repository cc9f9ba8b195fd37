#include "tests/integration/test_server.h"

#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "server/common/errors.h"
#include "server/common/status_macros.h"
#include "server/domain/password_hasher.h"
#include "server/domain/validation.h"

namespace rehab::testing {
namespace {

namespace v1 = ::rehab::v1;

std::string MakeTempDir() {
  std::string pattern =
      (std::filesystem::path(::testing::TempDir()) / "rehab-it-XXXXXX")
          .string();
  if (mkdtemp(pattern.data()) == nullptr) return "";
  return pattern;
}

}  // namespace

WireError DecodeError(const grpc::Status& status) {
  WireError out;
  out.code = status.error_code();
  out.message = status.error_message();
  google::rpc::Status details;
  if (status.error_details().empty() ||
      !details.ParseFromString(status.error_details()) ||
      details.code() != static_cast<int>(status.error_code())) {
    return out;
  }
  out.has_details = true;
  for (const google::protobuf::Any& any : details.details()) {
    if (any.type_url() == kErrorInfoTypeUrl) {
      google::rpc::ErrorInfo info;
      if (any.UnpackTo(&info)) {
        out.reason = info.reason();
        out.domain = info.domain();
      }
    } else if (any.type_url() == kBadRequestTypeUrl) {
      google::rpc::BadRequest bad_request;
      if (any.UnpackTo(&bad_request)) {
        for (const auto& v : bad_request.field_violations()) {
          out.fields.push_back(v.field());
          out.descriptions.push_back(v.description());
        }
      }
    }
  }
  return out;
}

std::string TestIdNumber(const std::string& address6, const std::string& birth8,
                         int sequence) {
  std::string first17 =
      absl::StrCat(address6, birth8, absl::StrFormat("%03d", sequence));
  return first17 + IdCheckCharacter(first17);
}

TestServer::TestServer() : clock_(absl::Now()) {}

TestServer::~TestServer() {
  channel_.reset();
  if (server_ != nullptr) server_->Shutdown(absl::Seconds(5));
  server_.reset();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

absl::StatusOr<std::unique_ptr<TestServer>> TestServer::Start(
    const std::function<void(ServerOptions&)>& adjust) {
  std::unique_ptr<TestServer> test(new TestServer());
  test->dir_ = MakeTempDir();
  if (test->dir_.empty()) {
    return absl::InternalError("cannot make a temporary directory");
  }
  test->db_path_ = test->dir_ + "/rehab.db";
  ServerOptions& options = test->options_;
  options.listen = "127.0.0.1:0";
  options.db_path = test->db_path_;
  options.password_hasher = PasswordHasherOptions::ForTests();
  options.clock = &test->clock_;
  options.workers = 8;
  if (adjust) adjust(options);
  ASSIGN_OR_RETURN(test->server_, RehabServer::Start(options));
  RETURN_IF_ERROR(test->server_->auth()
                      ->BootstrapAdmin(kAdminUsername, kAdminPassword)
                      .status());
  test->address_ = absl::StrCat("127.0.0.1:", test->server_->port());
  test->channel_ =
      grpc::CreateChannel(test->address_, grpc::InsecureChannelCredentials());
  return test;
}

absl::Status TestServer::Restart() {
  channel_.reset();
  server_->Shutdown(absl::Seconds(5));
  server_.reset();
  ASSIGN_OR_RETURN(server_, RehabServer::Start(options_));
  address_ = absl::StrCat("127.0.0.1:", server_->port());
  channel_ = grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
  return absl::OkStatus();
}

std::unique_ptr<TestServer> TestServer::StartOrDie(
    const std::function<void(ServerOptions&)>& adjust) {
  absl::StatusOr<std::unique_ptr<TestServer>> server = Start(adjust);
  if (!server.ok()) {
    std::fprintf(stderr, "cannot start the test server: %s\n",
                 server.status().ToString().c_str());
    std::abort();
  }
  return *std::move(server);
}

std::unique_ptr<v1::AuthService::Stub> TestServer::Auth() const {
  return v1::AuthService::NewStub(channel_);
}
std::unique_ptr<v1::DirectoryService::Stub> TestServer::Directory() const {
  return v1::DirectoryService::NewStub(channel_);
}
std::unique_ptr<v1::PatientService::Stub> TestServer::Patients() const {
  return v1::PatientService::NewStub(channel_);
}
std::unique_ptr<v1::AdminService::Stub> TestServer::Admin() const {
  return v1::AdminService::NewStub(channel_);
}
std::unique_ptr<v1::SyncService::Stub> TestServer::Sync() const {
  return v1::SyncService::NewStub(channel_);
}
std::unique_ptr<v1::ContractService::Stub> TestServer::Contracts() const {
  return v1::ContractService::NewStub(channel_);
}
std::unique_ptr<v1::ReportService::Stub> TestServer::Reports() const {
  return v1::ReportService::NewStub(channel_);
}

std::unique_ptr<grpc::ClientContext> TestServer::Context(
    const std::string& access_token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(10));
  if (!access_token.empty()) {
    context->AddMetadata("authorization",
                         absl::StrCat("Bearer ", access_token));
  }
  return context;
}

grpc::Status TestServer::Login(const std::string& username,
                               const std::string& password,
                               v1::LoginResponse* response) const {
  v1::LoginRequest request;
  request.set_username(username);
  request.set_password(password);
  request.set_device_id("test-device");
  auto context = Context();
  return Auth()->Login(context.get(), request, response);
}

const std::string& TestServer::AdminToken() {
  if (admin_token_.empty()) {
    v1::LoginResponse response;
    grpc::Status status = Login(kAdminUsername, kAdminPassword, &response);
    if (!status.ok()) {
      ADD_FAILURE() << "admin login failed: " << status.error_message();
    }
    admin_token_ = response.access_token();
  }
  return admin_token_;
}

v1::Area TestServer::CreateArea(const std::string& code,
                                const std::string& name,
                                const std::string& parent_id) {
  v1::CreateAreaRequest request;
  request.mutable_area()->set_code(code);
  request.mutable_area()->set_name(name);
  request.mutable_area()->set_parent_id(parent_id);
  v1::Area area;
  auto context = Context(AdminToken());
  grpc::Status status = Directory()->CreateArea(context.get(), request, &area);
  if (!status.ok()) {
    ADD_FAILURE() << "CreateArea " << code << ": " << status.error_message();
  }
  return area;
}

v1::Facility TestServer::CreateFacility(const std::string& name,
                                        v1::FacilityType type,
                                        const std::string& area_id) {
  v1::CreateFacilityRequest request;
  request.mutable_facility()->set_name(name);
  request.mutable_facility()->set_type(type);
  request.mutable_facility()->set_area_id(area_id);
  v1::Facility facility;
  auto context = Context(AdminToken());
  grpc::Status status =
      Directory()->CreateFacility(context.get(), request, &facility);
  if (!status.ok()) {
    ADD_FAILURE() << "CreateFacility " << name << ": "
                  << status.error_message();
  }
  return facility;
}

v1::Practitioner TestServer::CreatePractitioner(const std::string& name,
                                                const std::string& facility_id,
                                                const std::string& team,
                                                v1::PractitionerKind kind) {
  v1::CreatePractitionerRequest request;
  request.mutable_practitioner()->set_name(name);
  request.mutable_practitioner()->set_facility_id(facility_id);
  request.mutable_practitioner()->set_team(team);
  request.mutable_practitioner()->set_kind(kind);
  v1::Practitioner practitioner;
  auto context = Context(AdminToken());
  grpc::Status status =
      Directory()->CreatePractitioner(context.get(), request, &practitioner);
  if (!status.ok()) {
    ADD_FAILURE() << "CreatePractitioner " << name << ": "
                  << status.error_message();
  }
  return practitioner;
}

v1::Account TestServer::CreateAccount(const std::string& username,
                                      v1::Role role,
                                      const std::string& scope_id,
                                      const std::string& password) {
  v1::CreateAccountRequest request;
  request.mutable_account()->set_username(username);
  request.mutable_account()->set_role(role);
  request.mutable_account()->set_scope_id(scope_id);
  request.set_password(password);
  v1::Account account;
  auto context = Context(AdminToken());
  grpc::Status status =
      Directory()->CreateAccount(context.get(), request, &account);
  if (!status.ok()) {
    ADD_FAILURE() << "CreateAccount " << username << ": "
                  << status.error_message();
  }
  return account;
}

std::string TestServer::CreateAndLogin(const std::string& username,
                                       v1::Role role,
                                       const std::string& scope_id) {
  if (CreateAccount(username, role, scope_id).id().empty()) return "";
  v1::LoginResponse response;
  grpc::Status status = Login(username, kTestPassword, &response);
  if (!status.ok()) {
    ADD_FAILURE() << "login of " << username << ": " << status.error_message();
    return "";
  }
  return response.access_token();
}

std::vector<v1::AuditEvent> TestServer::AuditEventsFor(
    const std::string& patient_id, const std::string& method,
    const std::string& account_id) {
  std::vector<v1::AuditEvent> events;
  for (int attempt = 0; attempt < 100; ++attempt) {
    v1::ListAuditEventsRequest request;
    request.set_patient_id(patient_id);
    v1::ListAuditEventsResponse response;
    auto context = Context(AdminToken());
    grpc::Status status =
        Admin()->ListAuditEvents(context.get(), request, &response);
    if (!status.ok()) {
      ADD_FAILURE() << "ListAuditEvents: " << status.error_message();
      return events;
    }
    events.assign(response.audit_events().begin(),
                  response.audit_events().end());
    for (const v1::AuditEvent& e : events) {
      if (e.method() == method &&
          (account_id.empty() || e.account_id() == account_id)) {
        return events;
      }
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return events;
}

TwoTownCounty TestServer::CreateTwoTownCounty() {
  TwoTownCounty c;
  c.county = CreateArea("320831", "Demo County");
  c.township_a = CreateArea("320831001", "Town A", c.county.id());
  c.township_b = CreateArea("320831002", "Town B", c.county.id());
  c.village_a = CreateArea("320831001001", "Village A", c.township_a.id());
  c.village_b = CreateArea("320831002001", "Village B", c.township_b.id());
  c.station_a = CreateFacility("Station A", v1::FACILITY_TYPE_REHAB_STATION,
                               c.village_a.id());
  c.station_b = CreateFacility("Station B", v1::FACILITY_TYPE_REHAB_STATION,
                               c.village_b.id());
  return c;
}

}  // namespace rehab::testing
