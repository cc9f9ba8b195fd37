#include "rehab/client/client.h"

#include <optional>
#include <utility>
#include <vector>

#include "client-sdk/src/auth_session.h"
#include "client-sdk/src/collections.h"
#include "client-sdk/src/grpc_stub.h"
#include "client-sdk/src/local_store.h"
#include "client-sdk/src/session_call.h"
#include "client-sdk/src/stub.h"
#include "client-sdk/src/sync_engine.h"
#include "server/common/errors.h"
#include "server/common/ids.h"
#include "server/common/status_macros.h"

namespace rehab::client {
namespace {

using internal::AuthSession;
using internal::CallContext;
using internal::CallMethod;
using internal::CallWithSession;
using internal::Collection;
using internal::ContextFor;
using internal::Stub;
using internal::SyncEngine;
using rehab::v1::Enrollment;
using rehab::v1::Mutation;
using rehab::v1::Patient;

const Collection& Patients() {
  return *internal::FindCollectionByField(Mutation::kPatientFieldNumber);
}

const Collection& Enrollments() {
  return *internal::FindCollectionByField(Mutation::kEnrollmentFieldNumber);
}

template <typename Record>
absl::StatusOr<Record> Parse(const std::string& bytes) {
  Record record;
  if (!record.ParseFromString(bytes)) {
    return absl::DataLossError(
        "local database: a cached record does not parse");
  }
  return record;
}

template <typename Record>
absl::StatusOr<std::optional<Record>> ParseIfAny(
    absl::StatusOr<std::optional<std::string>> bytes) {
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::nullopt;
  ASSIGN_OR_RETURN(Record record, Parse<Record>(**bytes));
  return record;
}

template <typename Record>
absl::StatusOr<std::vector<Record>> ParseAll(
    absl::StatusOr<std::vector<std::string>> bytes) {
  if (!bytes.ok()) return bytes.status();
  std::vector<Record> out;
  out.reserve(bytes->size());
  for (const std::string& one : *bytes) {
    ASSIGN_OR_RETURN(Record record, Parse<Record>(one));
    out.push_back(std::move(record));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Client>> Client::Create(ClientOptions options) {
  if (options.default_deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("default_deadline: must be positive");
  }
  absl::StatusOr<std::shared_ptr<Stub>> stub = internal::MakeGrpcStub(options);
  if (!stub.ok()) return stub.status();
  auto client = std::make_unique<Client>(std::move(options), *std::move(stub));
  if (!client->options_.local_db_path.empty() &&
      !client->local_db_status_.ok()) {
    return client->local_db_status_;
  }
  return client;
}

Client::Client(ClientOptions options, std::shared_ptr<Stub> stub)
    : options_(std::move(options)),
      stub_(std::move(stub)),
      auth_(std::make_unique<AuthSession>()) {
  if (options_.local_db_path.empty()) {
    local_db_status_ = absl::FailedPreconditionError(
        "offline work needs a local database: set "
        "ClientOptions::local_db_path");
    return;
  }
  absl::StatusOr<std::unique_ptr<SyncEngine>> engine =
      SyncEngine::Open(options_, *stub_, *auth_);
  if (engine.ok()) {
    sync_ = *std::move(engine);
  } else {
    local_db_status_ = engine.status();
  }
}

Client::~Client() = default;

absl::StatusOr<rehab::v1::LoginResponse> Client::Login(
    const std::string& username, const std::string& password) {
  rehab::v1::LoginRequest request;
  request.set_username(username);
  request.set_password(password);
  request.set_device_id(options_.device_id);
  absl::StatusOr<rehab::v1::LoginResponse> response =
      stub_->Login(ContextFor(options_, ""), request);
  if (!response.ok()) {
    if (sync_ != nullptr) sync_->OnLoginRefused(username, response.status());
    return response;
  }
  if (sync_ != nullptr) {
    absl::Status bound = sync_->OnLogin(username, *response);
    if (!bound.ok()) {
      // The tokens are not kept, so revoke them rather than leave them
      // live until they expire.
      rehab::v1::LogoutRequest logout;
      logout.set_refresh_token(response->refresh_token());
      stub_->Logout(ContextFor(options_, response->access_token()), logout)
          .IgnoreError();
      return bound;
    }
  }
  auth_->Set(Session{response->access_token(), response->refresh_token()});
  return response;
}

absl::Status Client::Logout() {
  if (!auth_->Current().session.logged_in()) return absl::OkStatus();
  // The request names the refresh token of the session it is sent with, so
  // that a refresh on the way revokes the new pair, not the spent one.
  absl::StatusOr<rehab::v1::LogoutResponse> response =
      CallWithSession(*stub_, *auth_, options_,
                      [&](const CallContext& context, const Session& session) {
                        rehab::v1::LogoutRequest request;
                        request.set_refresh_token(session.refresh_token);
                        return stub_->Logout(context, request);
                      });
  auth_->Clear();
  if (sync_ != nullptr) sync_->OnSessionChanged();
  return response.status();
}

absl::StatusOr<rehab::v1::LoginResponse> Client::RefreshToken() {
  absl::StatusOr<rehab::v1::LoginResponse> response =
      auth_->RefreshNow([&](const std::string& refresh_token) {
        return internal::ExchangeRefreshToken(*stub_, options_, refresh_token);
      });
  auth_->Observe(response.status());
  return response;
}

void Client::SetSession(std::string access_token, std::string refresh_token) {
  auth_->Set(Session{std::move(access_token), std::move(refresh_token)});
  if (sync_ != nullptr) sync_->OnSessionChanged();
}

Session Client::session() const { return auth_->Current().session; }

absl::StatusOr<rehab::v1::WhoAmIResponse> Client::WhoAmI() {
  return CallMethod(*stub_, *auth_, options_, &Stub::WhoAmI,
                    rehab::v1::WhoAmIRequest());
}

// The remaining calls differ only in the method; each goes through
// CallMethod.
#define REHAB_CLIENT_METHOD(Method, Request, Response)                   \
  absl::StatusOr<rehab::v1::Response> Client::Method(                    \
      const rehab::v1::Request& request) {                               \
    return CallMethod(*stub_, *auth_, options_, &Stub::Method, request); \
  }

REHAB_CLIENT_METHOD(BreakGlass, BreakGlassRequest, BreakGlassResponse)
REHAB_CLIENT_METHOD(CreateArea, CreateAreaRequest, Area)
REHAB_CLIENT_METHOD(ListAreas, ListAreasRequest, ListAreasResponse)
REHAB_CLIENT_METHOD(CreateFacility, CreateFacilityRequest, Facility)
REHAB_CLIENT_METHOD(ListFacilities, ListFacilitiesRequest,
                    ListFacilitiesResponse)
REHAB_CLIENT_METHOD(CreatePractitioner, CreatePractitionerRequest, Practitioner)
REHAB_CLIENT_METHOD(ListPractitioners, ListPractitionersRequest,
                    ListPractitionersResponse)
REHAB_CLIENT_METHOD(CreateAccount, CreateAccountRequest, Account)
REHAB_CLIENT_METHOD(ListAccounts, ListAccountsRequest, ListAccountsResponse)
REHAB_CLIENT_METHOD(DisableAccount, DisableAccountRequest, Account)
REHAB_CLIENT_METHOD(CreatePatient, CreatePatientRequest, Patient)
REHAB_CLIENT_METHOD(GetPatient, GetPatientRequest, Patient)
REHAB_CLIENT_METHOD(UpdatePatient, UpdatePatientRequest, Patient)
REHAB_CLIENT_METHOD(ListPatients, ListPatientsRequest, ListPatientsResponse)
REHAB_CLIENT_METHOD(LookupPatient, LookupPatientRequest, Patient)
REHAB_CLIENT_METHOD(CreateEnrollment, CreateEnrollmentRequest, Enrollment)
REHAB_CLIENT_METHOD(EndEnrollment, EndEnrollmentRequest, Enrollment)
REHAB_CLIENT_METHOD(ListEnrollments, ListEnrollmentsRequest,
                    ListEnrollmentsResponse)
REHAB_CLIENT_METHOD(ListAuditEvents, ListAuditEventsRequest,
                    ListAuditEventsResponse)
REHAB_CLIENT_METHOD(Backup, BackupRequest, BackupResponse)

#undef REHAB_CLIENT_METHOD

// --- Offline work ------------------------------------------------------------

absl::StatusOr<std::string> Client::Create(Patient patient) {
  Mutation mutation;
  *mutation.mutable_patient() = std::move(patient);
  return Enqueue(std::move(mutation));
}

absl::StatusOr<std::string> Client::Create(Enrollment enrollment) {
  Mutation mutation;
  *mutation.mutable_enrollment() = std::move(enrollment);
  return Enqueue(std::move(mutation));
}

absl::StatusOr<std::string> Client::Update(Patient patient) {
  if (sync_ == nullptr) return local_db_status_;
  if (patient.id().empty()) {
    return rehab::InvalidArgumentError("patient.id", "required");
  }
  if (patient.version() == 0) {
    // Version 0 is a record made on this device and not yet answered by the
    // server: the edit goes out as a change of that create once it is in.
    ASSIGN_OR_RETURN(std::optional<Patient> cached,
                     GetLocalPatient(patient.id()));
    if (!cached.has_value() || cached->version() != 0) {
      return rehab::InvalidArgumentError(
          "patient.version", "required: the version the edit started from");
    }
  }
  Mutation mutation;
  mutation.set_base_version(patient.version());
  *mutation.mutable_patient() = std::move(patient);
  return sync_->Enqueue(std::move(mutation));
}

absl::StatusOr<std::string> Client::Enqueue(Mutation mutation) {
  if (sync_ == nullptr) return local_db_status_;
  return sync_->Enqueue(std::move(mutation));
}

absl::StatusOr<SyncReport> Client::Sync() {
  if (sync_ == nullptr) return local_db_status_;
  return sync_->Sync();
}

SyncStatus Client::sync_status() const {
  if (sync_ == nullptr) {
    SyncStatus status;
    status.state = SyncState::kFailed;
    status.last_error = local_db_status_;
    return status;
  }
  return sync_->status();
}

void Client::SetSyncListener(std::function<void(const SyncStatus&)> listener) {
  if (sync_ != nullptr) sync_->SetListener(std::move(listener));
}

absl::Status Client::StartBackgroundSync(absl::Duration interval) {
  if (sync_ == nullptr) return local_db_status_;
  return sync_->StartBackground(interval);
}

void Client::StopBackgroundSync() {
  if (sync_ != nullptr) sync_->StopBackground();
}

absl::StatusOr<std::optional<Patient>> Client::GetLocalPatient(
    const std::string& id) {
  if (sync_ == nullptr) return local_db_status_;
  return ParseIfAny<Patient>(
      sync_->store().GetRecord(Patients(), rehab::CanonicalizeUuid(id)));
}

absl::StatusOr<std::vector<Patient>> Client::ListLocalPatients(
    const LocalPatientQuery& query) {
  if (sync_ == nullptr) return local_db_status_;
  if (query.limit < 0 || query.offset < 0) {
    return absl::InvalidArgumentError("limit, offset: must not be negative");
  }
  return ParseAll<Patient>(sync_->store().ListByName(
      Patients(), query.name_prefix, query.area_id, query.limit, query.offset));
}

absl::StatusOr<std::optional<Patient>> Client::FindLocalPatientByCard(
    const std::string& disability_card_number) {
  if (sync_ == nullptr) return local_db_status_;
  if (disability_card_number.empty()) return std::nullopt;
  return ParseIfAny<Patient>(
      sync_->store().FindByCard(Patients(), disability_card_number));
}

absl::StatusOr<std::vector<Enrollment>> Client::ListLocalEnrollments(
    const std::string& patient_id) {
  if (sync_ == nullptr) return local_db_status_;
  return ParseAll<Enrollment>(sync_->store().ListByPatient(
      Enrollments(), rehab::CanonicalizeUuid(patient_id)));
}

absl::StatusOr<int64_t> Client::PendingCount() {
  if (sync_ == nullptr) return local_db_status_;
  return sync_->store().PendingCount();
}

absl::StatusOr<std::vector<ParkedMutation>> Client::ListParked() {
  if (sync_ == nullptr) return local_db_status_;
  return sync_->store().ListParked();
}

absl::Status Client::DiscardParked(const std::string& mutation_id) {
  if (sync_ == nullptr) return local_db_status_;
  return sync_->DiscardParked(mutation_id);
}

absl::Status Client::WipeLocalData() {
  if (sync_ == nullptr) return local_db_status_;
  return sync_->Wipe();
}

}  // namespace rehab::client
