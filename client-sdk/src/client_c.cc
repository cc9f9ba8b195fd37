#include "rehab/client_c.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/message_lite.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "rehab/client.h"
#include "server/common/errors.h"
#include "server/common/status_macros.h"

// Set by the build from the project's version.
#ifndef REHAB_SDK_VERSION
#define REHAB_SDK_VERSION "unknown"
#endif

// The handle behind the opaque C type.
struct rehab_client {
  std::unique_ptr<rehab::client::Client> client;
};

namespace {

namespace v1 = ::rehab::v1;
using ::rehab::InvalidArgumentError;
using ::rehab::client::Client;

// --- Memory the caller frees with our *_free functions ----------------------

// malloc, not new: nothing here may throw, and a failure must be
// reportable as RESOURCE_EXHAUSTED.
char* CopyString(std::string_view text) {
  char* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (copy == nullptr) return nullptr;
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  return copy;
}

void ResetBuffer(rehab_buffer* buffer) {
  if (buffer != nullptr) *buffer = rehab_buffer{nullptr, 0};
}

// Error statuses made where memory may be short: a status with a message
// allocates, so each falls back to the bare code.
absl::Status OutOfMemory() noexcept {
  try {
    return absl::ResourceExhaustedError("out of memory");
  } catch (...) {
    return absl::Status(absl::StatusCode::kResourceExhausted, "");
  }
}

absl::Status Unexpected(const char* what) noexcept {
  try {
    return absl::InternalError(absl::StrCat("unexpected error: ", what));
  } catch (...) {
    return absl::Status(absl::StatusCode::kInternal, "");
  }
}

// Allocates size + 1 bytes (the trailing NUL of rehab_buffer).
absl::Status AllocateBuffer(size_t size, rehab_buffer* out) {
  if (size == SIZE_MAX) return OutOfMemory();
  auto* data = static_cast<uint8_t*>(std::malloc(size + 1));
  if (data == nullptr) return OutOfMemory();
  data[size] = 0;
  *out = rehab_buffer{data, size};
  return absl::OkStatus();
}

// `out` may be null: the caller did not want this result.
absl::Status FillText(std::string_view text, rehab_buffer* out) {
  if (out == nullptr) return absl::OkStatus();
  RETURN_IF_ERROR(AllocateBuffer(text.size(), out));
  if (!text.empty()) std::memcpy(out->data, text.data(), text.size());
  return absl::OkStatus();
}

absl::Status FillMessage(const google::protobuf::MessageLite& message,
                         rehab_buffer* out) {
  if (out == nullptr) return absl::OkStatus();
  const size_t size = message.ByteSizeLong();
  if (size > static_cast<size_t>(INT_MAX)) {
    return absl::ResourceExhaustedError(
        absl::StrCat(message.GetTypeName(), " is too large to serialize"));
  }
  RETURN_IF_ERROR(AllocateBuffer(size, out));
  if (!message.SerializeToArray(out->data, static_cast<int>(size))) {
    rehab_buffer_free(out);
    return absl::InternalError(
        absl::StrCat("cannot serialize ", message.GetTypeName()));
  }
  return absl::OkStatus();
}

// Moves `records` into the repeated field `field` of a new `Response` and
// serialises it into `out` (the local queries answer as the list methods
// do).
template <typename Response, typename Record>
absl::Status FillList(
    std::vector<Record> records,
    google::protobuf::RepeatedPtrField<Record>* (Response::*field)(),
    rehab_buffer* out) {
  Response response;
  google::protobuf::RepeatedPtrField<Record>& list = *(response.*field)();
  list.Reserve(static_cast<int>(records.size()));
  for (Record& record : records) *list.Add() = std::move(record);
  return FillMessage(response, out);
}

void FreeErrorContents(rehab_error* error) {
  std::free(error->message);
  std::free(error->reason);
  for (size_t i = 0; i < error->field_violation_count; ++i) {
    std::free(error->field_violations[i].field);
    std::free(error->field_violations[i].description);
  }
  std::free(error->field_violations);
  *error = rehab_error{0, nullptr, nullptr, nullptr, 0};
}

// Fills `error` from `status` (freeing what it held). The code always
// arrives; text that cannot be allocated is left out.
void FillError(const absl::Status& status, rehab_error* error) noexcept {
  FreeErrorContents(error);
  error->code = static_cast<int>(status.code());
  if (status.ok()) return;
  try {
    error->message = CopyString(
        std::string_view(status.message().data(), status.message().size()));
    const std::string reason = rehab::client::ErrorReason(status);
    if (!reason.empty()) error->reason = CopyString(reason);
    const std::vector<rehab::client::FieldViolation> violations =
        rehab::client::FieldViolationsOf(status);
    if (violations.empty()) return;
    error->field_violations = static_cast<rehab_field_violation*>(
        std::calloc(violations.size(), sizeof(rehab_field_violation)));
    if (error->field_violations == nullptr) return;
    error->field_violation_count = violations.size();
    for (size_t i = 0; i < violations.size(); ++i) {
      error->field_violations[i].field = CopyString(violations[i].field);
      error->field_violations[i].description =
          CopyString(violations[i].description);
    }
  } catch (...) {
    // Only allocation can throw here; the code already says what failed.
  }
}

int Finish(const absl::Status& status, rehab_error* error) noexcept {
  if (error != nullptr) FillError(status, error);
  return static_cast<int>(status.code());
}

// Runs the body of one C function: every exception stops here, and the
// outcome is reported through `error` and the returned code.
template <typename Body>
int Guard(rehab_error* error, Body&& body) noexcept {
  absl::Status status;
  try {
    status = body();
  } catch (const std::bad_alloc&) {
    status = OutOfMemory();
  } catch (const std::exception& e) {
    status = Unexpected(e.what());
  } catch (...) {
    status = Unexpected("not a std::exception");
  }
  return Finish(status, error);
}

// --- Arguments ---------------------------------------------------------------

absl::StatusOr<Client*> ClientOf(rehab_client* handle) {
  if (handle == nullptr || handle->client == nullptr) {
    return InvalidArgumentError("client", "required (NULL given)");
  }
  return handle->client.get();
}

absl::Status RequireText(const char* text, const char* parameter) {
  if (text == nullptr) {
    return InvalidArgumentError(parameter, "required (NULL given)");
  }
  return absl::OkStatus();
}

std::string TextOrEmpty(const char* text) {
  return text == nullptr ? std::string() : std::string(text);
}

// Parses `size` bytes at `data` as a `Message`. NULL with size 0 is the
// empty message, unless `required` (a record must be given).
template <typename Message>
absl::StatusOr<Message> Parse(const uint8_t* data, size_t size,
                              const char* parameter, bool required) {
  Message message;
  if (data == nullptr) {
    if (required) {
      return InvalidArgumentError(
          parameter, absl::StrCat("required: a serialized ",
                                  message.GetTypeName(), " (NULL given)"));
    }
    if (size != 0) {
      return InvalidArgumentError(parameter,
                                  absl::StrCat("NULL with a size of ", size));
    }
    return message;
  }
  if (size > static_cast<size_t>(INT_MAX) ||
      !message.ParseFromArray(data, static_cast<int>(size))) {
    return InvalidArgumentError(
        parameter, absl::StrCat("not a serialized ", message.GetTypeName()));
  }
  return message;
}

int64_t UnixMillis(absl::Time time) {
  if (time == absl::InfinitePast()) return 0;
  return absl::ToUnixMillis(time);
}

// --- Options -----------------------------------------------------------------

// The caller's options, read as far as its struct_size says: fields an
// older caller does not know stay zero (the defaults); fields a newer
// caller set that this library does not know are refused rather than
// silently ignored.
absl::StatusOr<rehab_client_options> ReadOptions(
    const rehab_client_options* given) {
  if (given == nullptr) {
    return InvalidArgumentError("options", "required (NULL given)");
  }
  if (given->struct_size < sizeof(given->struct_size)) {
    return InvalidArgumentError(
        "options.struct_size",
        "not set: initialise the options with rehab_client_options_init");
  }
  rehab_client_options options;
  std::memset(&options, 0, sizeof(options));
  std::memcpy(&options, given, std::min(given->struct_size, sizeof(options)));
  if (given->struct_size > sizeof(options)) {
    const auto* tail = reinterpret_cast<const unsigned char*>(given);
    for (size_t i = sizeof(options); i < given->struct_size; ++i) {
      if (tail[i] != 0) {
        return InvalidArgumentError(
            "options", absl::StrCat("sets fields that SDK ", REHAB_SDK_VERSION,
                                    " does not know (the app was built "
                                    "against a newer SDK)"));
      }
    }
  }
  options.struct_size = sizeof(options);
  return options;
}

absl::StatusOr<rehab::client::ClientOptions> ToClientOptions(
    const rehab_client_options& c) {
  rehab::client::ClientOptions options;
  if (c.target != nullptr && c.target[0] != '\0') options.target = c.target;
  options.use_tls = c.use_tls != 0;
  options.tls_root_certs_pem = TextOrEmpty(c.tls_root_certs_pem);
  options.tls_client_cert_pem = TextOrEmpty(c.tls_client_cert_pem);
  options.tls_client_key_pem = TextOrEmpty(c.tls_client_key_pem);
  options.device_id = TextOrEmpty(c.device_id);
  options.local_db_path = TextOrEmpty(c.local_db_path);
  // Zero means "the default" on this side of the ABI, so only negative
  // numbers are refused here; the client checks the ranges.
  if (c.deadline_ms < 0) {
    return InvalidArgumentError("options.deadline_ms", "must not be negative");
  }
  if (c.deadline_ms > 0) {
    options.default_deadline = absl::Milliseconds(c.deadline_ms);
  }
  if (c.push_batch_size < 0) {
    return InvalidArgumentError("options.push_batch_size",
                                "must not be negative");
  }
  if (c.push_batch_size > 0) options.push_batch_size = c.push_batch_size;
  if (c.pull_page_size < 0) {
    return InvalidArgumentError("options.pull_page_size",
                                "must not be negative");
  }
  if (c.pull_page_size > 0) options.pull_page_size = c.pull_page_size;
  if (c.retry_max_attempts < 0) {
    return InvalidArgumentError("options.retry_max_attempts",
                                "must not be negative");
  }
  if (c.retry_max_attempts > 0) {
    options.retry.max_attempts = c.retry_max_attempts;
  }
  if (c.time_zone != nullptr && c.time_zone[0] != '\0') {
    options.time_zone = c.time_zone;
  }
  return options;
}

// --- Result structs ----------------------------------------------------------

void FillReport(const rehab::client::SyncReport& report,
                rehab_sync_report* out) {
  out->pushed = report.pushed;
  out->duplicates = report.duplicates;
  out->conflicts = report.conflicts;
  out->rejected = report.rejected;
  out->pulled = report.pulled;
  out->skipped_pending = report.skipped_pending;
  out->caught_up = report.caught_up ? 1 : 0;
  out->resynced = report.resynced ? 1 : 0;
  out->clock_skew_ms = absl::ToInt64Milliseconds(report.clock_skew);
  out->clock_skew_flagged = report.clock_skew_flagged ? 1 : 0;
  out->server_time_unix_ms = UnixMillis(report.server_time);
}

int StateOf(rehab::client::SyncState state) {
  using rehab::client::SyncState;
  switch (state) {
    case SyncState::kIdle:
      return REHAB_SYNC_IDLE;
    case SyncState::kOffline:
      return REHAB_SYNC_OFFLINE;
    case SyncState::kSyncing:
      return REHAB_SYNC_SYNCING;
    case SyncState::kFailed:
      return REHAB_SYNC_FAILED;
    case SyncState::kUpToDate:
      return REHAB_SYNC_UP_TO_DATE;
    case SyncState::kWiped:
      return REHAB_SYNC_WIPED;
  }
  return REHAB_SYNC_IDLE;
}

// `out` must hold nothing to free (zeroed or just freed).
void FillStatus(const rehab::client::SyncStatus& status,
                rehab_sync_status* out) {
  out->state = StateOf(status.state);
  out->pending = status.pending;
  out->parked = status.parked;
  out->last_success_unix_ms = UnixMillis(status.last_success);
  out->last_error = rehab_error{0, nullptr, nullptr, nullptr, 0};
  FillError(status.last_error, &out->last_error);
  out->clock_skew_flagged = status.clock_skew_flagged ? 1 : 0;
  out->clock_skew_ms = absl::ToInt64Milliseconds(status.clock_skew);
}

absl::Status FillParked(const std::vector<rehab::client::ParkedMutation>& from,
                        rehab_parked_list* out) {
  if (from.empty()) return absl::OkStatus();
  auto* items = static_cast<rehab_parked_mutation*>(
      std::calloc(from.size(), sizeof(rehab_parked_mutation)));
  if (items == nullptr) return OutOfMemory();
  // Owned by `out` from here, so that a failure below frees what was made.
  *out = rehab_parked_list{items, from.size()};
  for (size_t i = 0; i < from.size(); ++i) {
    const rehab::client::ParkedMutation& parked = from[i];
    rehab_parked_mutation& item = items[i];
    item.mutation_id = CopyString(parked.mutation.mutation_id());
    if (item.mutation_id == nullptr) return OutOfMemory();
    RETURN_IF_ERROR(FillMessage(parked.mutation, &item.mutation));
    item.outcome = static_cast<int>(parked.outcome);
    FillError(parked.status, &item.status);
    if (parked.server_copy.has_value()) {
      RETURN_IF_ERROR(FillMessage(*parked.server_copy, &item.server_copy));
    }
    item.park_time_unix_ms = UnixMillis(parked.park_time);
  }
  return absl::OkStatus();
}

// --- Online calls by name ----------------------------------------------------

using CallFunction = absl::Status (*)(Client&, const uint8_t*, size_t,
                                      rehab_buffer*);

template <typename Request, typename Response,
          absl::StatusOr<Response> (Client::*kMethod)(const Request&)>
absl::Status CallMethod(Client& client, const uint8_t* data, size_t size,
                        rehab_buffer* out) {
  ASSIGN_OR_RETURN(const Request request,
                   Parse<Request>(data, size, "request", false));
  ASSIGN_OR_RETURN(const Response response, (client.*kMethod)(request));
  return FillMessage(response, out);
}

absl::Status CallWhoAmI(Client& client, const uint8_t* data, size_t size,
                        rehab_buffer* out) {
  RETURN_IF_ERROR(
      Parse<v1::WhoAmIRequest>(data, size, "request", false).status());
  ASSIGN_OR_RETURN(const v1::WhoAmIResponse response, client.WhoAmI());
  return FillMessage(response, out);
}

struct Method {
  const char* name;
  CallFunction call;
};

// Every unary method of Client that is not part of the session.
constexpr Method kMethods[] = {
    {"rehab.v1.AuthService/WhoAmI", &CallWhoAmI},
    {"rehab.v1.AuthService/BreakGlass",
     &CallMethod<v1::BreakGlassRequest, v1::BreakGlassResponse,
                 &Client::BreakGlass>},
    {"rehab.v1.DirectoryService/CreateArea",
     &CallMethod<v1::CreateAreaRequest, v1::Area, &Client::CreateArea>},
    {"rehab.v1.DirectoryService/ListAreas",
     &CallMethod<v1::ListAreasRequest, v1::ListAreasResponse,
                 &Client::ListAreas>},
    {"rehab.v1.DirectoryService/CreateFacility",
     &CallMethod<v1::CreateFacilityRequest, v1::Facility,
                 &Client::CreateFacility>},
    {"rehab.v1.DirectoryService/ListFacilities",
     &CallMethod<v1::ListFacilitiesRequest, v1::ListFacilitiesResponse,
                 &Client::ListFacilities>},
    {"rehab.v1.DirectoryService/CreatePractitioner",
     &CallMethod<v1::CreatePractitionerRequest, v1::Practitioner,
                 &Client::CreatePractitioner>},
    {"rehab.v1.DirectoryService/ListPractitioners",
     &CallMethod<v1::ListPractitionersRequest, v1::ListPractitionersResponse,
                 &Client::ListPractitioners>},
    {"rehab.v1.DirectoryService/CreateAccount",
     &CallMethod<v1::CreateAccountRequest, v1::Account,
                 &Client::CreateAccount>},
    {"rehab.v1.DirectoryService/ListAccounts",
     &CallMethod<v1::ListAccountsRequest, v1::ListAccountsResponse,
                 &Client::ListAccounts>},
    {"rehab.v1.DirectoryService/DisableAccount",
     &CallMethod<v1::DisableAccountRequest, v1::Account,
                 &Client::DisableAccount>},
    {"rehab.v1.PatientService/CreatePatient",
     &CallMethod<v1::CreatePatientRequest, v1::Patient,
                 &Client::CreatePatient>},
    {"rehab.v1.PatientService/GetPatient",
     &CallMethod<v1::GetPatientRequest, v1::Patient, &Client::GetPatient>},
    {"rehab.v1.PatientService/UpdatePatient",
     &CallMethod<v1::UpdatePatientRequest, v1::Patient,
                 &Client::UpdatePatient>},
    {"rehab.v1.PatientService/ListPatients",
     &CallMethod<v1::ListPatientsRequest, v1::ListPatientsResponse,
                 &Client::ListPatients>},
    {"rehab.v1.PatientService/LookupPatient",
     &CallMethod<v1::LookupPatientRequest, v1::Patient,
                 &Client::LookupPatient>},
    {"rehab.v1.PatientService/CreateEnrollment",
     &CallMethod<v1::CreateEnrollmentRequest, v1::Enrollment,
                 &Client::CreateEnrollment>},
    {"rehab.v1.PatientService/EndEnrollment",
     &CallMethod<v1::EndEnrollmentRequest, v1::Enrollment,
                 &Client::EndEnrollment>},
    {"rehab.v1.PatientService/ListEnrollments",
     &CallMethod<v1::ListEnrollmentsRequest, v1::ListEnrollmentsResponse,
                 &Client::ListEnrollments>},
    {"rehab.v1.ContractService/CreateContract",
     &CallMethod<v1::CreateContractRequest, v1::Contract,
                 &Client::CreateContract>},
    {"rehab.v1.ContractService/GetContract",
     &CallMethod<v1::GetContractRequest, v1::Contract, &Client::GetContract>},
    {"rehab.v1.ContractService/ListContracts",
     &CallMethod<v1::ListContractsRequest, v1::ListContractsResponse,
                 &Client::ListContracts>},
    {"rehab.v1.ContractService/RenewContract",
     &CallMethod<v1::RenewContractRequest, v1::Contract,
                 &Client::RenewContract>},
    {"rehab.v1.ContractService/TerminateContract",
     &CallMethod<v1::TerminateContractRequest, v1::Contract,
                 &Client::TerminateContract>},
    {"rehab.v1.ContractService/CreateVisit",
     &CallMethod<v1::CreateVisitRequest, v1::Visit, &Client::CreateVisit>},
    {"rehab.v1.ContractService/ListVisits",
     &CallMethod<v1::ListVisitsRequest, v1::ListVisitsResponse,
                 &Client::ListVisits>},
    {"rehab.v1.ContractService/ListDueFollowUps",
     &CallMethod<v1::ListDueFollowUpsRequest, v1::ListDueFollowUpsResponse,
                 &Client::ListDueFollowUps>},
    {"rehab.v1.ReportService/ListAlerts",
     &CallMethod<v1::ListAlertsRequest, v1::ListAlertsResponse,
                 &Client::ListAlerts>},
    {"rehab.v1.ReportService/AcknowledgeAlert",
     &CallMethod<v1::AcknowledgeAlertRequest, v1::Alert,
                 &Client::AcknowledgeAlert>},
    {"rehab.v1.AdminService/ListAuditEvents",
     &CallMethod<v1::ListAuditEventsRequest, v1::ListAuditEventsResponse,
                 &Client::ListAuditEvents>},
    {"rehab.v1.AdminService/Backup",
     &CallMethod<v1::BackupRequest, v1::BackupResponse, &Client::Backup>},
};

std::optional<CallFunction> FindMethod(std::string_view name) {
  if (!name.empty() && name.front() == '/') name.remove_prefix(1);
  for (const Method& method : kMethods) {
    if (name == method.name) return method.call;
  }
  return std::nullopt;
}

// The body of a C function that queues one record: parses the serialized
// `Record` given as `parameter` (required), queues it with `kQueue`, and
// returns the id it was given into `id_out`.
template <typename Record,
          absl::StatusOr<std::string> (Client::*kQueue)(Record)>
int QueueRecord(rehab_client* client, const uint8_t* data, size_t size,
                const char* parameter, rehab_buffer* id_out,
                rehab_error* error) {
  ResetBuffer(id_out);
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    ASSIGN_OR_RETURN(Record record, Parse<Record>(data, size, parameter, true));
    ASSIGN_OR_RETURN(const std::string id, (c->*kQueue)(std::move(record)));
    return FillText(id, id_out);
  });
}

absl::Status FillPatient(
    const absl::StatusOr<std::optional<v1::Patient>>& patient,
    const std::string& what, rehab_buffer* out) {
  RETURN_IF_ERROR(patient.status());
  if (!patient->has_value()) {
    return absl::NotFoundError(
        absl::StrCat("no patient with ", what, " in the local cache"));
  }
  return FillMessage(**patient, out);
}

}  // namespace

extern "C" {

const char* rehab_status_code_name(int code) {
  static constexpr const char* kNames[] = {
      "OK",
      "CANCELLED",
      "UNKNOWN",
      "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED",
      "NOT_FOUND",
      "ALREADY_EXISTS",
      "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION",
      "ABORTED",
      "OUT_OF_RANGE",
      "UNIMPLEMENTED",
      "INTERNAL",
      "UNAVAILABLE",
      "DATA_LOSS",
      "UNAUTHENTICATED",
  };
  constexpr int kCount = static_cast<int>(sizeof(kNames) / sizeof(kNames[0]));
  return code >= 0 && code < kCount ? kNames[code] : "UNKNOWN";
}

const char* rehab_version(void) { return REHAB_SDK_VERSION; }

void rehab_buffer_free(rehab_buffer* buffer) {
  if (buffer == nullptr) return;
  std::free(buffer->data);
  *buffer = rehab_buffer{nullptr, 0};
}

void rehab_error_free(rehab_error* error) {
  if (error != nullptr) FreeErrorContents(error);
}

void rehab_client_options_init(rehab_client_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
}

int rehab_client_create(const rehab_client_options* options,
                        rehab_client** client_out, rehab_error* error) {
  if (client_out != nullptr) *client_out = nullptr;
  return Guard(error, [&]() -> absl::Status {
    if (client_out == nullptr) {
      return InvalidArgumentError("client_out", "required (NULL given)");
    }
    ASSIGN_OR_RETURN(const rehab_client_options read, ReadOptions(options));
    ASSIGN_OR_RETURN(rehab::client::ClientOptions client_options,
                     ToClientOptions(read));
    ASSIGN_OR_RETURN(std::unique_ptr<Client> client,
                     Client::Create(std::move(client_options)));
    *client_out = new rehab_client{std::move(client)};
    return absl::OkStatus();
  });
}

void rehab_client_destroy(rehab_client* client) {
  try {
    delete client;
  } catch (...) {
    // A destructor that throws is a bug of ours; the C caller cannot act
    // on it, and the handle is gone either way.
  }
}

int rehab_client_login(rehab_client* client, const char* username,
                       const char* password, rehab_buffer* response_out,
                       rehab_error* error) {
  ResetBuffer(response_out);
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    RETURN_IF_ERROR(RequireText(username, "username"));
    RETURN_IF_ERROR(RequireText(password, "password"));
    ASSIGN_OR_RETURN(const v1::LoginResponse response,
                     c->Login(username, password));
    return FillMessage(response, response_out);
  });
}

int rehab_client_logout(rehab_client* client, rehab_error* error) {
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    return c->Logout();
  });
}

int rehab_client_refresh_token(rehab_client* client, rehab_buffer* response_out,
                               rehab_error* error) {
  ResetBuffer(response_out);
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    ASSIGN_OR_RETURN(const v1::LoginResponse response, c->RefreshToken());
    return FillMessage(response, response_out);
  });
}

int rehab_client_set_session(rehab_client* client, const char* access_token,
                             const char* refresh_token, rehab_error* error) {
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    c->SetSession(TextOrEmpty(access_token), TextOrEmpty(refresh_token));
    return absl::OkStatus();
  });
}

int rehab_client_get_session(rehab_client* client,
                             rehab_buffer* access_token_out,
                             rehab_buffer* refresh_token_out,
                             rehab_error* error) {
  ResetBuffer(access_token_out);
  ResetBuffer(refresh_token_out);
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    const rehab::client::Session session = c->session();
    RETURN_IF_ERROR(FillText(session.access_token, access_token_out));
    absl::Status status = FillText(session.refresh_token, refresh_token_out);
    if (!status.ok()) rehab_buffer_free(access_token_out);
    return status;
  });
}

int rehab_client_call(rehab_client* client, const char* method,
                      const uint8_t* request, size_t request_size,
                      rehab_buffer* response_out, rehab_error* error) {
  ResetBuffer(response_out);
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    RETURN_IF_ERROR(RequireText(method, "method"));
    const std::optional<CallFunction> call = FindMethod(method);
    if (!call.has_value()) {
      return absl::UnimplementedError(
          absl::StrCat("method ", std::string(method),
                       " is not offered by rehab_client_call (the session "
                       "methods have their own functions)"));
    }
    return (*call)(*c, request, request_size, response_out);
  });
}

int rehab_client_who_am_i(rehab_client* client, rehab_buffer* response_out,
                          rehab_error* error) {
  ResetBuffer(response_out);
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    return CallWhoAmI(*c, nullptr, 0, response_out);
  });
}

int rehab_client_lookup_patient(rehab_client* client, const uint8_t* request,
                                size_t request_size, rehab_buffer* patient_out,
                                rehab_error* error) {
  ResetBuffer(patient_out);
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    ASSIGN_OR_RETURN(const v1::LookupPatientRequest parsed,
                     Parse<v1::LookupPatientRequest>(request, request_size,
                                                     "request", true));
    ASSIGN_OR_RETURN(const v1::Patient patient, c->LookupPatient(parsed));
    return FillMessage(patient, patient_out);
  });
}

int rehab_client_create_patient(rehab_client* client, const uint8_t* patient,
                                size_t patient_size, rehab_buffer* id_out,
                                rehab_error* error) {
  return QueueRecord<v1::Patient, &Client::Create>(
      client, patient, patient_size, "patient", id_out, error);
}

int rehab_client_update_patient(rehab_client* client, const uint8_t* patient,
                                size_t patient_size, rehab_buffer* id_out,
                                rehab_error* error) {
  return QueueRecord<v1::Patient, &Client::Update>(
      client, patient, patient_size, "patient", id_out, error);
}

int rehab_client_create_enrollment(rehab_client* client,
                                   const uint8_t* enrollment,
                                   size_t enrollment_size, rehab_buffer* id_out,
                                   rehab_error* error) {
  return QueueRecord<v1::Enrollment, &Client::Create>(
      client, enrollment, enrollment_size, "enrollment", id_out, error);
}

int rehab_client_create_contract(rehab_client* client, const uint8_t* contract,
                                 size_t contract_size, rehab_buffer* id_out,
                                 rehab_error* error) {
  return QueueRecord<v1::Contract, &Client::Create>(
      client, contract, contract_size, "contract", id_out, error);
}

int rehab_client_create_visit(rehab_client* client, const uint8_t* visit,
                              size_t visit_size, rehab_buffer* id_out,
                              rehab_error* error) {
  return QueueRecord<v1::Visit, &Client::Create>(client, visit, visit_size,
                                                 "visit", id_out, error);
}

int rehab_client_enqueue(rehab_client* client, const uint8_t* mutation,
                         size_t mutation_size, rehab_buffer* id_out,
                         rehab_error* error) {
  return QueueRecord<v1::Mutation, &Client::Enqueue>(
      client, mutation, mutation_size, "mutation", id_out, error);
}

int rehab_client_sync(rehab_client* client, rehab_sync_report* report_out,
                      rehab_error* error) {
  if (report_out != nullptr) std::memset(report_out, 0, sizeof(*report_out));
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    ASSIGN_OR_RETURN(const rehab::client::SyncReport report, c->Sync());
    if (report_out != nullptr) FillReport(report, report_out);
    return absl::OkStatus();
  });
}

int rehab_client_get_sync_status(rehab_client* client,
                                 rehab_sync_status* status_out,
                                 rehab_error* error) {
  if (status_out != nullptr) std::memset(status_out, 0, sizeof(*status_out));
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    if (status_out == nullptr) {
      return InvalidArgumentError("status_out", "required (NULL given)");
    }
    FillStatus(c->sync_status(), status_out);
    return absl::OkStatus();
  });
}

void rehab_sync_status_free(rehab_sync_status* status) {
  if (status != nullptr) FreeErrorContents(&status->last_error);
}

int rehab_client_set_sync_listener(rehab_client* client,
                                   rehab_sync_listener listener,
                                   void* user_data, rehab_error* error) {
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    if (listener == nullptr) {
      c->SetSyncListener(nullptr);
      return absl::OkStatus();
    }
    c->SetSyncListener(
        [listener, user_data](const rehab::client::SyncStatus& status) {
          rehab_sync_status converted;
          std::memset(&converted, 0, sizeof(converted));
          try {
            FillStatus(status, &converted);
          } catch (...) {
            // Out of memory while converting: this update is skipped; the next
            // one (or rehab_client_get_sync_status) tells the app the state.
            rehab_sync_status_free(&converted);
            return;
          }
          listener(&converted, user_data);
          rehab_sync_status_free(&converted);
        });
    return absl::OkStatus();
  });
}

int rehab_client_start_background_sync(rehab_client* client,
                                       int64_t interval_ms,
                                       rehab_error* error) {
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    if (interval_ms <= 0) {
      return InvalidArgumentError("interval_ms", "must be positive");
    }
    return c->StartBackgroundSync(absl::Milliseconds(interval_ms));
  });
}

int rehab_client_stop_background_sync(rehab_client* client,
                                      rehab_error* error) {
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    c->StopBackgroundSync();
    return absl::OkStatus();
  });
}

int rehab_client_list_local_patients(rehab_client* client,
                                     const rehab_local_patient_query* query,
                                     rehab_buffer* response_out,
                                     rehab_error* error) {
  ResetBuffer(response_out);
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    rehab::client::LocalPatientQuery local;
    if (query != nullptr) {
      if (query->limit < 0) {
        return InvalidArgumentError("query.limit", "must not be negative");
      }
      if (query->offset < 0) {
        return InvalidArgumentError("query.offset", "must not be negative");
      }
      local.name_prefix = TextOrEmpty(query->name_prefix);
      local.area_id = TextOrEmpty(query->area_id);
      if (query->limit > 0) local.limit = query->limit;
      local.offset = query->offset;
    }
    ASSIGN_OR_RETURN(std::vector<v1::Patient> patients,
                     c->ListLocalPatients(local));
    return FillList(std::move(patients),
                    &v1::ListPatientsResponse::mutable_patients, response_out);
  });
}

int rehab_client_get_local_patient(rehab_client* client, const char* id,
                                   rehab_buffer* patient_out,
                                   rehab_error* error) {
  ResetBuffer(patient_out);
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    RETURN_IF_ERROR(RequireText(id, "id"));
    return FillPatient(c->GetLocalPatient(id), absl::StrCat("id ", id),
                       patient_out);
  });
}

int rehab_client_find_local_patient_by_card(rehab_client* client,
                                            const char* disability_card_number,
                                            rehab_buffer* patient_out,
                                            rehab_error* error) {
  ResetBuffer(patient_out);
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    RETURN_IF_ERROR(
        RequireText(disability_card_number, "disability_card_number"));
    return FillPatient(c->FindLocalPatientByCard(disability_card_number),
                       "that disability card number", patient_out);
  });
}

int rehab_client_list_local_enrollments(rehab_client* client,
                                        const char* patient_id,
                                        rehab_buffer* response_out,
                                        rehab_error* error) {
  ResetBuffer(response_out);
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    RETURN_IF_ERROR(RequireText(patient_id, "patient_id"));
    ASSIGN_OR_RETURN(std::vector<v1::Enrollment> enrollments,
                     c->ListLocalEnrollments(patient_id));
    return FillList(std::move(enrollments),
                    &v1::ListEnrollmentsResponse::mutable_enrollments,
                    response_out);
  });
}

int rehab_client_list_local_due_follow_ups(
    rehab_client* client, const rehab_local_follow_up_query* query,
    rehab_buffer* response_out, rehab_error* error) {
  ResetBuffer(response_out);
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    rehab::client::LocalFollowUpQuery local;
    if (query != nullptr) {
      if (query->limit < 0) {
        return InvalidArgumentError("query.limit", "must not be negative");
      }
      if (query->offset < 0) {
        return InvalidArgumentError("query.offset", "must not be negative");
      }
      if (query->within_days < 0) {
        local.within_days = 0;
      } else if (query->within_days > 0) {
        local.within_days = query->within_days;
      }
      local.doctor_id = TextOrEmpty(query->doctor_id);
      local.lost_only = query->lost_only != 0;
      if (query->limit > 0) local.limit = query->limit;
      local.offset = query->offset;
    }
    ASSIGN_OR_RETURN(std::vector<v1::FollowUp> follow_ups,
                     c->ListLocalDueFollowUps(local));
    return FillList(std::move(follow_ups),
                    &v1::ListDueFollowUpsResponse::mutable_follow_ups,
                    response_out);
  });
}

int rehab_client_list_local_visits(rehab_client* client, const char* patient_id,
                                   rehab_buffer* response_out,
                                   rehab_error* error) {
  ResetBuffer(response_out);
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    RETURN_IF_ERROR(RequireText(patient_id, "patient_id"));
    ASSIGN_OR_RETURN(std::vector<v1::Visit> visits,
                     c->ListLocalVisits(patient_id));
    return FillList(std::move(visits), &v1::ListVisitsResponse::mutable_visits,
                    response_out);
  });
}

int rehab_client_list_local_contracts(rehab_client* client,
                                      const char* patient_id,
                                      rehab_buffer* response_out,
                                      rehab_error* error) {
  ResetBuffer(response_out);
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    ASSIGN_OR_RETURN(std::vector<v1::Contract> contracts,
                     c->ListLocalContracts(TextOrEmpty(patient_id)));
    return FillList(std::move(contracts),
                    &v1::ListContractsResponse::mutable_contracts,
                    response_out);
  });
}

int rehab_client_list_local_alerts(rehab_client* client, int32_t state,
                                   rehab_buffer* response_out,
                                   rehab_error* error) {
  ResetBuffer(response_out);
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    if (!v1::AlertState_IsValid(state)) {
      return InvalidArgumentError("state", "not a rehab.v1.AlertState");
    }
    rehab::client::LocalAlertQuery query;
    query.state = static_cast<v1::AlertState>(state);
    query.limit = INT32_MAX;
    ASSIGN_OR_RETURN(std::vector<v1::Alert> alerts, c->ListLocalAlerts(query));
    return FillList(std::move(alerts), &v1::ListAlertsResponse::mutable_alerts,
                    response_out);
  });
}

int rehab_client_pending_count(rehab_client* client, int64_t* count_out,
                               rehab_error* error) {
  if (count_out != nullptr) *count_out = 0;
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    if (count_out == nullptr) {
      return InvalidArgumentError("count_out", "required (NULL given)");
    }
    ASSIGN_OR_RETURN(*count_out, c->PendingCount());
    return absl::OkStatus();
  });
}

int rehab_client_list_parked(rehab_client* client, rehab_parked_list* list_out,
                             rehab_error* error) {
  if (list_out != nullptr) *list_out = rehab_parked_list{nullptr, 0};
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    if (list_out == nullptr) {
      return InvalidArgumentError("list_out", "required (NULL given)");
    }
    ASSIGN_OR_RETURN(const std::vector<rehab::client::ParkedMutation> parked,
                     c->ListParked());
    absl::Status status = FillParked(parked, list_out);
    if (!status.ok()) rehab_parked_list_free(list_out);
    return status;
  });
}

void rehab_parked_list_free(rehab_parked_list* list) {
  if (list == nullptr) return;
  for (size_t i = 0; i < list->count; ++i) {
    rehab_parked_mutation& item = list->items[i];
    std::free(item.mutation_id);
    rehab_buffer_free(&item.mutation);
    FreeErrorContents(&item.status);
    rehab_buffer_free(&item.server_copy);
  }
  std::free(list->items);
  *list = rehab_parked_list{nullptr, 0};
}

int rehab_client_discard_parked(rehab_client* client, const char* mutation_id,
                                rehab_error* error) {
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    RETURN_IF_ERROR(RequireText(mutation_id, "mutation_id"));
    return c->DiscardParked(mutation_id);
  });
}

int rehab_client_wipe_local_data(rehab_client* client, rehab_error* error) {
  return Guard(error, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Client * c, ClientOf(client));
    return c->WipeLocalData();
  });
}

int rehab_patient_id_for_id_number(const char* id_number, rehab_buffer* id_out,
                                   rehab_error* error) {
  ResetBuffer(id_out);
  return Guard(error, [&]() -> absl::Status {
    RETURN_IF_ERROR(RequireText(id_number, "id_number"));
    if (id_out == nullptr) {
      return InvalidArgumentError("id_out", "required (NULL given)");
    }
    return FillText(rehab::client::PatientIdForIdNumber(id_number), id_out);
  });
}

}  // extern "C"
