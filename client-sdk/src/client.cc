#include "rehab/client/client.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "client-sdk/src/auth_session.h"
#include "client-sdk/src/collections.h"
#include "client-sdk/src/grpc_stub.h"
#include "client-sdk/src/local_store.h"
#include "client-sdk/src/session_call.h"
#include "client-sdk/src/stub.h"
#include "client-sdk/src/sync_engine.h"
#include "server/common/dates.h"
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
using rehab::v1::Alert;
using rehab::v1::Contract;
using rehab::v1::Enrollment;
using rehab::v1::FollowUp;
using rehab::v1::Mutation;
using rehab::v1::Patient;
using rehab::v1::Visit;

const Collection& Patients() {
  return *internal::FindCollectionByField(Mutation::kPatientFieldNumber);
}

const Collection& Enrollments() {
  return *internal::FindCollectionByField(Mutation::kEnrollmentFieldNumber);
}

const Collection& CollectionNamed(std::string_view name) {
  return *internal::FindCollection(name);
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

bool TimeBefore(const google::protobuf::Timestamp& a,
                const google::protobuf::Timestamp& b) {
  return a.seconds() != b.seconds() ? a.seconds() < b.seconds()
                                    : a.nanos() < b.nanos();
}

// The last day a contract serves: its ended_date when it stopped early,
// else its end date (as the server counts it).
std::optional<absl::CivilDay> LastDayOf(const Contract& contract) {
  const std::optional<absl::CivilDay> end =
      rehab::ParseDate(contract.end_date());
  const std::optional<absl::CivilDay> ended =
      rehab::ParseDate(contract.ended_date());
  if (ended.has_value() && (!end.has_value() || *ended < *end)) return ended;
  return end;
}

bool Covers(const Contract& contract, absl::CivilDay day) {
  const std::optional<absl::CivilDay> start =
      rehab::ParseDate(contract.start_date());
  const std::optional<absl::CivilDay> last = LastDayOf(contract);
  return start.has_value() && last.has_value() && *start <= day && day <= *last;
}

// Which contract a visit goes under when several terms hold its day,
// lowest first: the ACTIVE one (a contract made on this device and not yet
// answered will be ACTIVE on the server), then a RENEWED one, then any
// other: an EXPIRED or TERMINATED contract still takes a late-synced visit
// dated inside its term.
int VisitPreference(const Contract& contract) {
  switch (contract.status()) {
    case rehab::v1::CONTRACT_STATUS_ACTIVE:
      return 0;
    case rehab::v1::CONTRACT_STATUS_UNSPECIFIED:
      return contract.version() == 0 ? 0 : 2;
    case rehab::v1::CONTRACT_STATUS_RENEWED:
      return 1;
    default:
      return 2;
  }
}

// Where the follow-up stands on `today` (the rule of DOMAIN.md section 3):
// the server's figures are as of the day it wrote the record, and a phone
// may be offline for days since.
void StandAsOf(absl::CivilDay today, int32_t missed_visits_lost,
               FollowUp& follow_up) {
  absl::CivilDay due;
  if (!absl::ParseCivilTime(follow_up.due_date(), &due)) return;
  const int64_t late = today - due;
  follow_up.set_overdue(late > 0);
  follow_up.set_days_overdue(late > 0 ? static_cast<int32_t>(late) : 0);
  // Due dates passed by more than a whole interval: the k >= 1 with
  // today > due + k * interval.
  int32_t missed = 0;
  if (late > 0 && follow_up.interval_days() > 0) {
    missed = static_cast<int32_t>((late - 1) / follow_up.interval_days());
  }
  // A device clock behind the server's never counts fewer than the server
  // did for the same due date.
  missed = std::max(missed, follow_up.missed_visits());
  follow_up.set_missed_visits(missed);
  // The server's flag stays: it was worked out from this very due_date and
  // interval_days. Follow-ups are never written on a device (the
  // collection takes no local mutations) and a pull replaces the whole
  // record, so a newer due date arrives only together with the server's
  // flag for it. Missed visits only grow with the day, so a true flag is
  // not undone by a device clock behind the server's or by a threshold
  // here above the county's.
  if (missed_visits_lost > 0 && missed >= missed_visits_lost) {
    follow_up.set_lost_to_follow_up(true);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Client>> Client::Create(ClientOptions options) {
  if (options.default_deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("default_deadline: must be positive");
  }
  absl::StatusOr<std::shared_ptr<Stub>> stub = internal::MakeGrpcStub(options);
  if (!stub.ok()) return stub.status();
  auto client = std::make_unique<Client>(std::move(options), *std::move(stub));
  if (!client->zone_status_.ok()) return client->zone_status_;
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
  if (!absl::LoadTimeZone(options_.time_zone, &zone_)) {
    zone_status_ = rehab::InvalidArgumentError(
        "time_zone",
        absl::StrCat("cannot load the time zone \"", options_.time_zone,
                     "\" (an IANA name such as Asia/Shanghai)"));
  }
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
REHAB_CLIENT_METHOD(CreateContract, CreateContractRequest, Contract)
REHAB_CLIENT_METHOD(GetContract, GetContractRequest, Contract)
REHAB_CLIENT_METHOD(ListContracts, ListContractsRequest, ListContractsResponse)
REHAB_CLIENT_METHOD(RenewContract, RenewContractRequest, Contract)
REHAB_CLIENT_METHOD(TerminateContract, TerminateContractRequest, Contract)
REHAB_CLIENT_METHOD(CreateVisit, CreateVisitRequest, Visit)
REHAB_CLIENT_METHOD(ListVisits, ListVisitsRequest, ListVisitsResponse)
REHAB_CLIENT_METHOD(ListDueFollowUps, ListDueFollowUpsRequest,
                    ListDueFollowUpsResponse)
REHAB_CLIENT_METHOD(ListAlerts, ListAlertsRequest, ListAlertsResponse)
REHAB_CLIENT_METHOD(AcknowledgeAlert, AcknowledgeAlertRequest, Alert)
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

absl::StatusOr<std::string> Client::Create(Contract contract) {
  if (contract.device_id().empty()) {
    contract.set_device_id(options_.device_id);
  }
  Mutation mutation;
  *mutation.mutable_contract() = std::move(contract);
  return Enqueue(std::move(mutation));
}

absl::StatusOr<std::string> Client::Create(Visit visit) {
  if (sync_ == nullptr) return local_db_status_;
  std::optional<Contract> contract;
  if (!visit.contract_id().empty()) {
    ASSIGN_OR_RETURN(contract, GetLocalContract(visit.contract_id()));
  } else if (!visit.patient_id().empty()) {
    // The server picks the same contract when none is named; naming it
    // here lets the visit show under it before the next sync.
    if (!zone_status_.ok()) return zone_status_;
    if (!visit.has_start_time()) {
      return rehab::InvalidArgumentError("visit.start_time", "required");
    }
    const absl::CivilDay day =
        rehab::DayOf(rehab::FromProto(visit.start_time()), zone_);
    ASSIGN_OR_RETURN(std::vector<Contract> contracts,
                     ListLocalContracts(visit.patient_id()));
    // Newest start first, so a tie goes to the latest term.
    for (Contract& c : contracts) {
      if (!Covers(c, day)) continue;
      if (!contract.has_value() ||
          VisitPreference(c) < VisitPreference(*contract)) {
        contract = std::move(c);
      }
    }
    if (!contract.has_value()) {
      return rehab::InvalidArgumentError(
          "visit.contract_id",
          absl::StrCat("no contract of the patient covers the visit's day (",
                       rehab::FormatDate(day), ", patient ", visit.patient_id(),
                       ") on this device: sync, or name the contract"));
    }
    visit.set_contract_id(contract->id());
  }
  // Without the patient the visit would not show among the patient's
  // visits until the server's copy arrives.
  if (visit.patient_id().empty() && contract.has_value()) {
    visit.set_patient_id(contract->patient_id());
  }
  if (visit.device_id().empty()) visit.set_device_id(options_.device_id);
  const absl::Time now = options_.clock ? options_.clock() : absl::Now();
  if (!visit.has_device_time()) {
    *visit.mutable_device_time() = rehab::ToProto(now);
  }
  Mutation mutation;
  *mutation.mutable_device_time() = visit.device_time();
  *mutation.mutable_visit() = std::move(visit);
  return sync_->Enqueue(std::move(mutation));
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

absl::StatusOr<std::optional<Contract>> Client::GetLocalContract(
    const std::string& id) {
  if (sync_ == nullptr) return local_db_status_;
  return ParseIfAny<Contract>(sync_->store().GetRecord(
      CollectionNamed("contracts"), rehab::CanonicalizeUuid(id)));
}

absl::StatusOr<std::vector<Contract>> Client::ListLocalContracts(
    const std::string& patient_id) {
  if (sync_ == nullptr) return local_db_status_;
  const Collection& contracts = CollectionNamed("contracts");
  ASSIGN_OR_RETURN(
      std::vector<Contract> out,
      ParseAll<Contract>(
          patient_id.empty()
              ? sync_->store().ListAll(contracts)
              : sync_->store().ListByPatient(
                    contracts, rehab::CanonicalizeUuid(patient_id))));
  std::stable_sort(out.begin(), out.end(),
                   [](const Contract& a, const Contract& b) {
                     return a.start_date() > b.start_date();
                   });
  return out;
}

absl::StatusOr<std::vector<Visit>> Client::ListLocalVisits(
    const std::string& patient_id) {
  if (sync_ == nullptr) return local_db_status_;
  ASSIGN_OR_RETURN(
      std::vector<Visit> all,
      ParseAll<Visit>(sync_->store().ListByPatient(
          CollectionNamed("visits"), rehab::CanonicalizeUuid(patient_id))));
  // A visit queued here that amends or voids another hides it at once; the
  // server's copy of the old one goes when its tombstone is pulled.
  std::set<std::string> replaced;
  for (const Visit& v : all) {
    if (!v.amends_id().empty()) replaced.insert(v.amends_id());
    if (!v.voids_id().empty()) replaced.insert(v.voids_id());
  }
  std::vector<Visit> out;
  for (Visit& v : all) {
    if (!v.voids_id().empty() || !v.superseded_by_id().empty() ||
        replaced.count(v.id()) > 0) {
      continue;
    }
    out.push_back(std::move(v));
  }
  std::stable_sort(out.begin(), out.end(), [](const Visit& a, const Visit& b) {
    if (a.start_time().seconds() != b.start_time().seconds() ||
        a.start_time().nanos() != b.start_time().nanos()) {
      return TimeBefore(b.start_time(), a.start_time());
    }
    return TimeBefore(b.device_time(), a.device_time());
  });
  return out;
}

absl::StatusOr<std::string> Client::LocalToday() const {
  if (!zone_status_.ok()) return zone_status_;
  const absl::Time now = options_.clock ? options_.clock() : absl::Now();
  return absl::FormatCivilTime(absl::ToCivilDay(now, zone_));
}

absl::StatusOr<std::vector<FollowUp>> Client::ListLocalDueFollowUps(
    const LocalFollowUpQuery& query) {
  if (sync_ == nullptr) return local_db_status_;
  if (query.within_days < 0 || query.limit < 0 || query.offset < 0 ||
      query.missed_visits_lost < 0) {
    return absl::InvalidArgumentError(
        "within_days, missed_visits_lost, limit, offset: must not be "
        "negative");
  }
  ASSIGN_OR_RETURN(const std::string today_text, LocalToday());
  absl::CivilDay today;
  absl::ParseCivilTime(today_text, &today);
  const absl::CivilDay horizon = today + query.within_days;
  ASSIGN_OR_RETURN(std::vector<FollowUp> all,
                   ParseAll<FollowUp>(
                       sync_->store().ListAll(CollectionNamed("follow_ups"))));
  std::vector<FollowUp> due;
  for (FollowUp& f : all) {
    absl::CivilDay due_date;
    if (!absl::ParseCivilTime(f.due_date(), &due_date)) continue;
    if (due_date > horizon) continue;
    if (!query.doctor_id.empty() && f.doctor_id() != query.doctor_id) {
      continue;
    }
    StandAsOf(today, query.missed_visits_lost, f);
    if (query.lost_only && !f.lost_to_follow_up()) continue;
    due.push_back(std::move(f));
  }
  // ISO dates order as text: the earliest due is the longest overdue.
  std::stable_sort(due.begin(), due.end(),
                   [](const FollowUp& a, const FollowUp& b) {
                     return a.due_date() < b.due_date();
                   });
  const size_t begin = std::min(due.size(), static_cast<size_t>(query.offset));
  const size_t end =
      std::min(due.size(), begin + static_cast<size_t>(query.limit));
  return std::vector<FollowUp>(std::make_move_iterator(due.begin() + begin),
                               std::make_move_iterator(due.begin() + end));
}

absl::StatusOr<std::optional<FollowUp>> Client::GetLocalFollowUp(
    const std::string& patient_id) {
  if (sync_ == nullptr) return local_db_status_;
  ASSIGN_OR_RETURN(
      std::optional<FollowUp> follow_up,
      ParseIfAny<FollowUp>(sync_->store().GetRecord(
          CollectionNamed("follow_ups"), rehab::CanonicalizeUuid(patient_id))));
  if (!follow_up.has_value()) return follow_up;
  ASSIGN_OR_RETURN(const std::string today_text, LocalToday());
  absl::CivilDay today;
  absl::ParseCivilTime(today_text, &today);
  StandAsOf(today, LocalFollowUpQuery().missed_visits_lost, *follow_up);
  return follow_up;
}

absl::StatusOr<std::vector<Alert>> Client::ListLocalAlerts(
    const LocalAlertQuery& query) {
  if (sync_ == nullptr) return local_db_status_;
  if (query.limit < 0 || query.offset < 0) {
    return absl::InvalidArgumentError("limit, offset: must not be negative");
  }
  const Collection& alerts = CollectionNamed("alerts");
  ASSIGN_OR_RETURN(std::vector<Alert> all,
                   ParseAll<Alert>(query.patient_id.empty()
                                       ? sync_->store().ListAll(alerts)
                                       : sync_->store().ListByPatient(
                                             alerts, rehab::CanonicalizeUuid(
                                                         query.patient_id))));
  std::vector<Alert> out;
  for (Alert& a : all) {
    if (query.state != rehab::v1::ALERT_STATE_UNSPECIFIED &&
        a.state() != query.state) {
      continue;
    }
    out.push_back(std::move(a));
  }
  std::stable_sort(out.begin(), out.end(), [](const Alert& a, const Alert& b) {
    return TimeBefore(b.create_time(), a.create_time());
  });
  const size_t begin = std::min(out.size(), static_cast<size_t>(query.offset));
  const size_t end =
      std::min(out.size(), begin + static_cast<size_t>(query.limit));
  return std::vector<Alert>(std::make_move_iterator(out.begin() + begin),
                            std::make_move_iterator(out.begin() + end));
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
