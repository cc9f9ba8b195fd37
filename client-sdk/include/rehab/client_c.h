// The C ABI of the RehabTrack client SDK, for apps not written in C++
// (Swift, Kotlin through JNI, C). It wraps rehab::client::Client
// (rehab/client/client.h) one call for one call; read that header for what
// each operation does. This header only says how the C side is shaped.
//
//   rehab_client_options options;
//   rehab_client_options_init(&options);
//   options.target = "rehab.county.example:50051";
//   options.use_tls = 1;
//   options.local_db_path = "/data/app/rehab.db";
//   rehab_client* client = NULL;
//   rehab_error error = REHAB_ERROR_INIT;
//   if (rehab_client_create(&options, &client, &error) != REHAB_OK) ...
//   if (rehab_client_login(client, "doctor.wang", password, NULL, &error)
//       != REHAB_OK) ...
//   rehab_buffer id = {NULL, 0};
//   rehab_client_create_patient(client, patient_bytes, patient_size, &id,
//                               &error);   /* queued offline */
//   rehab_sync_report report;
//   rehab_client_sync(client, &report, &error);
//   rehab_buffer_free(&id);
//   rehab_error_free(&error);
//   rehab_client_destroy(client);
//
// Records. Records, requests and responses cross as serialized protobuf
// messages of the API contract (package rehab.v1, proto/rehab/v1/*.proto,
// installed under share/rehab/proto): the app builds and reads them with any
// protobuf library of its platform. Each function names the message type of
// its bytes.
//
// Results. Every function that can fail returns an int status code: 0
// (REHAB_OK) on success, else one of the standard codes below (the numbers
// of gRPC and absl::StatusCode). Its last parameter, `error`, may be NULL;
// when not NULL it must point to an initialised rehab_error (REHAB_ERROR_INIT,
// or all zero). The call frees what `error` held and fills it again: the
// code, a message, the server's reason (e.g. "TOKEN_EXPIRED") and the
// offending fields of bad input; on success it is left empty (code 0). One
// rehab_error may thus serve call after call and be freed once at the end.
// Invalid arguments (a NULL handle, a NULL pointer where one is required,
// bytes that do not parse as the named message) are INVALID_ARGUMENT (3)
// with the parameter named in the message and in the field violations.
// Nothing crosses this boundary but these codes: no C++ exception escapes
// (an unexpected one becomes INTERNAL, a failed allocation
// RESOURCE_EXHAUSTED).
//
// Memory. Everything the library returns (buffers, the strings inside
// rehab_error and the other result structs) is allocated by the library
// and released by the matching *_free function, never by free(). Output
// parameters are overwritten without being freed first, and are left empty
// (NULL, 0) when the call fails. Strings passed in are copied when kept;
// the caller may release them after the call returns.
//
// Threads. A rehab_client may be used from any number of threads at once
// (the client is thread-safe), except rehab_client_destroy, which must be
// the handle's last call, made when no other call on it is running. Buffers,
// errors and result structs belong to the caller and are not shared by the
// library. A sync listener runs on the thread that is syncing and must
// not destroy the client.
//
// Compatibility. The header compiles as C99 and as C++. rehab_client_options
// carries its own size (struct_size), so an app built against an older
// header keeps working with a newer library.
#ifndef REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_C_H_
#define REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_C_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// --- Status codes ------------------------------------------------------------

// The standard status codes (the numbers are gRPC's and absl::StatusCode's).
// When to retry: UNAVAILABLE, DEADLINE_EXCEEDED and RESOURCE_EXHAUSTED may
// succeed later; UNAUTHENTICATED asks for a new login; INVALID_ARGUMENT
// and FAILED_PRECONDITION will not succeed unchanged.
enum {
  REHAB_OK = 0,
  REHAB_CANCELLED = 1,
  REHAB_UNKNOWN = 2,
  REHAB_INVALID_ARGUMENT = 3,
  REHAB_DEADLINE_EXCEEDED = 4,
  REHAB_NOT_FOUND = 5,
  REHAB_ALREADY_EXISTS = 6,
  REHAB_PERMISSION_DENIED = 7,
  REHAB_RESOURCE_EXHAUSTED = 8,
  REHAB_FAILED_PRECONDITION = 9,
  REHAB_ABORTED = 10,
  REHAB_OUT_OF_RANGE = 11,
  REHAB_UNIMPLEMENTED = 12,
  REHAB_INTERNAL = 13,
  REHAB_UNAVAILABLE = 14,
  REHAB_DATA_LOSS = 15,
  REHAB_UNAUTHENTICATED = 16
};

// The upper-case name of `code` ("INVALID_ARGUMENT"), or "UNKNOWN" for a
// number that is not a code. A static string; never NULL.
const char* rehab_status_code_name(int code);

// The SDK's version, e.g. "0.1.0". A static string; never NULL.
const char* rehab_version(void);

// --- Buffers
// -------------------------------------------------------------------

// Bytes the library allocated: a serialized message or a text. `data` is
// followed by a NUL byte that `size` does not count, so a buffer holding
// text is also a C string. A filled buffer has non-NULL `data` even when
// `size` is 0 (an empty message serializes to no bytes); an empty one is
// {NULL, 0}.
typedef struct rehab_buffer {
  uint8_t* data;
  size_t size;
} rehab_buffer;

// Releases the buffer's bytes and leaves it empty. NULL, or an empty
// buffer, is fine.
void rehab_buffer_free(rehab_buffer* buffer);

// --- Errors
// --------------------------------------------------------------------

// One offending field of a request, by its path in the request message
// (e.g. "patient.id_number") or, for an argument of this ABI, the
// parameter's name (e.g. "patient").
typedef struct rehab_field_violation {
  char* field;
  char* description;
} rehab_field_violation;

// What a failed call said. All pointers are NULL when the call succeeded.
typedef struct rehab_error {
  int code;       // a status code; REHAB_OK after a success
  char* message;  // for people (log it, show it); NULL when none
  // The server's stable reason (google.rpc.ErrorInfo), e.g.
  // "TOKEN_EXPIRED", "ACCOUNT_DISABLED", "VERSION_CONFLICT",
  // "INVALID_ID_NUMBER"; NULL when none was given. Code may branch on it.
  char* reason;
  rehab_field_violation* field_violations;  // in the server's order
  size_t field_violation_count;
} rehab_error;

#define REHAB_ERROR_INIT \
  { 0, NULL, NULL, NULL, 0 }

// Releases what `error` holds and leaves it empty (code 0). NULL is fine.
void rehab_error_free(rehab_error* error);

// --- The client
// ----------------------------------------------------------------

// Options of rehab_client_create. Initialise with rehab_client_options_init
// (which sets struct_size and leaves every other field zero), then set what
// differs: a zero or NULL field means the SDK's default, given in brackets.
typedef struct rehab_client_options {
  size_t struct_size;  // sizeof(rehab_client_options), set by _init
  // The server, "host:port" or any gRPC target name ["127.0.0.1:50051"].
  const char* target;
  int use_tls;  // nonzero: connect over TLS [0]
  // PEM roots the server's certificate must chain to [the system's].
  const char* tls_root_certs_pem;
  // PEM client certificate chain and private key for mutual TLS: both or
  // neither [none].
  const char* tls_client_cert_pem;
  const char* tls_client_key_pem;
  // Names this device to the server on login [none].
  const char* device_id;
  // The device's local SQLite database (outbox and cache), created when
  // absent; NULL: online only, and the offline functions fail
  // FAILED_PRECONDITION [NULL].
  const char* local_db_path;
  // How long each call may take, in milliseconds; negative is refused
  // [10000].
  int64_t deadline_ms;
  // Mutations per Push, at most 500 [500].
  int32_t push_batch_size;
  // Changes per Pull page, at most 2000 [500].
  int32_t pull_page_size;
  // Attempts of a call that may succeed later (UNAVAILABLE,
  // DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED) during a sync; 1: no retry [5].
  int32_t retry_max_attempts;
  // The county's time zone, an IANA name: what "today" is for the local
  // follow-up queries; one that does not load is refused
  // ["Asia/Shanghai"].
  const char* time_zone;
} rehab_client_options;

// Sets `options` to all defaults, struct_size included.
void rehab_client_options_init(rehab_client_options* options);

// A connection to rehabd with its session and, when local_db_path is set,
// the device's outbox and cache. Opaque.
typedef struct rehab_client rehab_client;

// Makes a client; `*client_out` receives it (NULL on failure). The
// connection is made by the first call, so a server that is down shows as
// UNAVAILABLE there, not here. INVALID_ARGUMENT for unusable options (an
// empty target, a negative deadline, a certificate without its key, a
// struct_size this library cannot read); an unreadable local database
// fails here.
int rehab_client_create(const rehab_client_options* options,
                        rehab_client** client_out, rehab_error* error);

// Stops background sync, closes the local database and releases the client.
// NULL is fine. See "Threads" above.
void rehab_client_destroy(rehab_client* client);

// --- Session
// -------------------------------------------------------------------

// Logs in and keeps the tokens. `response_out` (may be NULL) receives the
// serialized rehab.v1.LoginResponse (tokens, expiry, the account).
// UNAUTHENTICATED (reason BAD_CREDENTIALS or ACCOUNT_DISABLED) for a wrong
// name or password or a disabled account; RESOURCE_EXHAUSTED (reason
// LOGIN_RATE_LIMITED) after too many failures.
int rehab_client_login(rehab_client* client, const char* username,
                       const char* password, rehab_buffer* response_out,
                       rehab_error* error);

// Revokes the session on the server and forgets it here; it is forgotten
// even when the server cannot be told (the code says so). OK when not
// logged in. The local database is kept (see rehab_client_wipe_local_data).
int rehab_client_logout(rehab_client* client, rehab_error* error);

// Exchanges the refresh token for a new pair now. `response_out` (may be
// NULL) receives the serialized rehab.v1.LoginResponse. FAILED_PRECONDITION
// without a refresh token; UNAUTHENTICATED (session cleared) when refused.
int rehab_client_refresh_token(rehab_client* client, rehab_buffer* response_out,
                               rehab_error* error);

// Adopts tokens kept from an earlier run (NULL counts as empty).
int rehab_client_set_session(rehab_client* client, const char* access_token,
                             const char* refresh_token, rehab_error* error);

// The tokens held now, as texts (empty when none). Both are secrets: keep
// them where a password would be kept (the platform's keychain), never in
// logs. They change when a call refreshes them, so read them again after
// calls when they are kept across runs. Either out-parameter may be NULL.
int rehab_client_get_session(rehab_client* client,
                             rehab_buffer* access_token_out,
                             rehab_buffer* refresh_token_out,
                             rehab_error* error);

// --- Online calls
// --------------------------------------------------------------

// Any unary method of the API other than the session's (Login,
// RefreshToken, Logout), by its full gRPC name, e.g.
// "rehab.v1.PatientService/GetPatient" (a leading '/' is accepted):
// `request` is the serialized request message of that method and
// `response_out` receives the serialized response. UNIMPLEMENTED for a
// method this library does not offer.
int rehab_client_call(rehab_client* client, const char* method,
                      const uint8_t* request, size_t request_size,
                      rehab_buffer* response_out, rehab_error* error);

// rehab.v1.AuthService/WhoAmI: `response_out` receives a serialized
// rehab.v1.WhoAmIResponse (the account logged in).
int rehab_client_who_am_i(rehab_client* client, rehab_buffer* response_out,
                          rehab_error* error);

// rehab.v1.PatientService/LookupPatient, the kiosk's check-in: `request` is
// a serialized rehab.v1.LookupPatientRequest (an ID number or a disability
// card number), `patient_out` receives a serialized rehab.v1.Patient.
// NOT_FOUND when no patient in the caller's scope has that number.
int rehab_client_lookup_patient(rehab_client* client, const uint8_t* request,
                                size_t request_size, rehab_buffer* patient_out,
                                rehab_error* error);

// --- Offline writes (the outbox)
// ----------------------------------------------- Each queues the record in the
// local outbox and cache at once, online or not; rehab_client_sync sends it.
// `id_out` (may be NULL) receives the record's id as text (a new UUID when the
// record had none). FAILED_PRECONDITION without local_db_path or before the
// first login on this device's database; INVALID_ARGUMENT for a record that
// cannot be queued (the server checks the rest at sync and parks what it
// refuses).

// `patient`: a serialized rehab.v1.Patient.
int rehab_client_create_patient(rehab_client* client, const uint8_t* patient,
                                size_t patient_size, rehab_buffer* id_out,
                                rehab_error* error);

// An edit of a cached patient: a serialized rehab.v1.Patient whose version
// is the version the edit started from.
int rehab_client_update_patient(rehab_client* client, const uint8_t* patient,
                                size_t patient_size, rehab_buffer* id_out,
                                rehab_error* error);

// `enrollment`: a serialized rehab.v1.Enrollment.
int rehab_client_create_enrollment(rehab_client* client,
                                   const uint8_t* enrollment,
                                   size_t enrollment_size, rehab_buffer* id_out,
                                   rehab_error* error);

// `contract`: a serialized rehab.v1.Contract (created from a device, changed
// only online: rehab.v1.ContractService/RenewContract, TerminateContract).
int rehab_client_create_contract(rehab_client* client, const uint8_t* contract,
                                 size_t contract_size, rehab_buffer* id_out,
                                 rehab_error* error);

// `visit`: a serialized rehab.v1.Visit, sent once as a create and never
// edited (a correction is a new visit with amends_id, a cancellation one
// with voids_id). An empty contract_id is filled with the patient's ACTIVE
// contract in the local cache (INVALID_ARGUMENT "visit.contract_id" when
// none); device_id and device_time are filled in.
int rehab_client_create_visit(rehab_client* client, const uint8_t* visit,
                              size_t visit_size, rehab_buffer* id_out,
                              rehab_error* error);

// Any change: a serialized rehab.v1.Mutation (missing mutation_id and
// device_time are filled in).
int rehab_client_enqueue(rehab_client* client, const uint8_t* mutation,
                         size_t mutation_size, rehab_buffer* id_out,
                         rehab_error* error);

// --- Sync
// ----------------------------------------------------------------------

// What one rehab_client_sync did (rehab::client::SyncReport).
typedef struct rehab_sync_report {
  int64_t pushed;               // mutations the server applied
  int64_t duplicates;           // applied before (retries)
  int64_t conflicts;            // parked: stale version
  int64_t rejected;             // parked: refused
  int64_t pulled;               // changes applied to the local cache
  int64_t skipped_pending;      // pulled records with unsent local edits
  int caught_up;                // nonzero: pulled to the end of the feed
  int resynced;                 // nonzero: the feed was started over
  int64_t clock_skew_ms;        // server time minus device time
  int clock_skew_flagged;       // nonzero: the device clock is over 10 min off
  int64_t server_time_unix_ms;  // 0 when unknown
} rehab_sync_report;

// Pushes the outbox, then pulls the scope's changes until caught up.
// `report_out` may be NULL. On ACCOUNT_DISABLED (a lost device) the local
// database is wiped and UNAUTHENTICATED returned; on TOKEN_EXPIRED or
// TOKEN_REVOKED the outbox is kept: log in and sync again.
int rehab_client_sync(rehab_client* client, rehab_sync_report* report_out,
                      rehab_error* error);

enum {
  REHAB_SYNC_IDLE = 0,        // not synced in this process yet
  REHAB_SYNC_OFFLINE = 1,     // the last attempt could not reach the server
  REHAB_SYNC_SYNCING = 2,     // a sync is running
  REHAB_SYNC_FAILED = 3,      // the last sync failed: see last_error
  REHAB_SYNC_UP_TO_DATE = 4,  // everything pushed, pulled to caught up
  REHAB_SYNC_WIPED = 5        // account disabled: local data erased
};

// The sync state for the app's UI (rehab::client::SyncStatus). Holds
// allocated strings in last_error: release with rehab_sync_status_free.
typedef struct rehab_sync_status {
  int state;                     // a REHAB_SYNC_* value
  int64_t pending;               // mutations in the outbox
  int64_t parked;                // conflicts and rejections to settle
  int64_t last_success_unix_ms;  // 0: never
  rehab_error last_error;        // code 0 unless OFFLINE or FAILED
  int clock_skew_flagged;
  int64_t clock_skew_ms;
} rehab_sync_status;

int rehab_client_get_sync_status(rehab_client* client,
                                 rehab_sync_status* status_out,
                                 rehab_error* error);

// Releases what `status` holds. NULL is fine.
void rehab_sync_status_free(rehab_sync_status* status);

// Called with each new sync status, on the syncing thread; `status` is
// valid during the call only. It must return promptly and must not call
// rehab_client_destroy or rehab_client_set_sync_listener.
typedef void (*rehab_sync_listener)(const rehab_sync_status* status,
                                    void* user_data);

// Replaces the listener (NULL removes it). `user_data` is passed back.
int rehab_client_set_sync_listener(rehab_client* client,
                                   rehab_sync_listener listener,
                                   void* user_data, rehab_error* error);

// Syncs every `interval_ms` on a background thread until stopped or
// destroyed. INVALID_ARGUMENT for a non-positive interval.
int rehab_client_start_background_sync(rehab_client* client,
                                       int64_t interval_ms, rehab_error* error);
int rehab_client_stop_background_sync(rehab_client* client, rehab_error* error);

// --- Local queries (offline)
// --------------------------------------------------- From the local cache:
// records pulled, plus local writes not yet sent.

// Filters of rehab_client_list_local_patients (zero: none / default).
typedef struct rehab_local_patient_query {
  const char* name_prefix;  // NULL or "": any name
  const char* area_id;      // NULL or "": any area
  int32_t limit;            // at most this many [100]
  int32_t offset;           // skip this many first [0]
} rehab_local_patient_query;

// Patients in name order, then id. `query` may be NULL (no filter, the
// first 100). `response_out` receives a serialized
// rehab.v1.ListPatientsResponse; its next_page_token is empty (page with
// `offset`).
int rehab_client_list_local_patients(rehab_client* client,
                                     const rehab_local_patient_query* query,
                                     rehab_buffer* response_out,
                                     rehab_error* error);

// A serialized rehab.v1.Patient; NOT_FOUND when the cache has none.
int rehab_client_get_local_patient(rehab_client* client, const char* id,
                                   rehab_buffer* patient_out,
                                   rehab_error* error);

// The cached patient with this disability card number (a kiosk offline);
// NOT_FOUND when none.
int rehab_client_find_local_patient_by_card(rehab_client* client,
                                            const char* disability_card_number,
                                            rehab_buffer* patient_out,
                                            rehab_error* error);

// The patient's enrollments as a serialized
// rehab.v1.ListEnrollmentsResponse.
int rehab_client_list_local_enrollments(rehab_client* client,
                                        const char* patient_id,
                                        rehab_buffer* response_out,
                                        rehab_error* error);

// Filters of rehab_client_list_local_due_follow_ups (zero: default).
typedef struct rehab_local_follow_up_query {
  // Overdue, or due within this many days of the device's today (county
  // time) [14]; negative: overdue or due today only.
  int32_t within_days;
  const char* doctor_id;  // NULL or "": any doctor
  int lost_only;          // nonzero: patients lost to follow-up only
  int32_t limit;          // at most this many [100]
  int32_t offset;         // skip this many first [0]
} rehab_local_follow_up_query;

// Due follow-ups, most urgent first, with overdue, days_overdue,
// missed_visits and lost_to_follow_up worked out again as of the device's
// today. `query` may be NULL (the defaults). `response_out` receives a
// serialized rehab.v1.ListDueFollowUpsResponse (next_page_token empty).
int rehab_client_list_local_due_follow_ups(
    rehab_client* client, const rehab_local_follow_up_query* query,
    rehab_buffer* response_out, rehab_error* error);

// The patient's visits, latest first, queued ones included, amended and
// voided ones (and the voids) left out, as a serialized
// rehab.v1.ListVisitsResponse.
int rehab_client_list_local_visits(rehab_client* client, const char* patient_id,
                                   rehab_buffer* response_out,
                                   rehab_error* error);

// The patient's contracts (every cached one when `patient_id` is NULL or
// ""), latest start first, as a serialized rehab.v1.ListContractsResponse.
int rehab_client_list_local_contracts(rehab_client* client,
                                      const char* patient_id,
                                      rehab_buffer* response_out,
                                      rehab_error* error);

// The alerts pulled to this device, newest first, as a serialized
// rehab.v1.ListAlertsResponse; `state` a rehab.v1.AlertState number
// (0: any).
int rehab_client_list_local_alerts(rehab_client* client, int32_t state,
                                   rehab_buffer* response_out,
                                   rehab_error* error);

// --- The outbox
// ----------------------------------------------------------------

// Mutations queued and not yet answered by the server.
int rehab_client_pending_count(rehab_client* client, int64_t* count_out,
                               rehab_error* error);

// Outcomes of rehab.v1.Outcome that park a mutation.
enum { REHAB_OUTCOME_CONFLICT = 3, REHAB_OUTCOME_REJECTED = 4 };

// A mutation the server answered CONFLICT or REJECTED; it stays parked,
// never re-sent, until discarded.
typedef struct rehab_parked_mutation {
  char* mutation_id;
  rehab_buffer mutation;     // serialized rehab.v1.Mutation, as queued
  int outcome;               // REHAB_OUTCOME_*
  rehab_error status;        // why: code, message, reason, fields
  rehab_buffer server_copy;  // CONFLICT: serialized rehab.v1.Change;
                             // else empty
  int64_t park_time_unix_ms;
} rehab_parked_mutation;

typedef struct rehab_parked_list {
  rehab_parked_mutation* items;  // oldest first
  size_t count;
} rehab_parked_list;

int rehab_client_list_parked(rehab_client* client, rehab_parked_list* list_out,
                             rehab_error* error);

// Releases what `list` holds and leaves it empty. NULL is fine.
void rehab_parked_list_free(rehab_parked_list* list);

// Forgets a parked mutation (after the user settled it); NOT_FOUND when
// none has the id.
int rehab_client_discard_parked(rehab_client* client, const char* mutation_id,
                                rehab_error* error);

// Erases every local record, the outbox (unsent writes are lost) and the
// sync position: for handing a shared device to another user.
int rehab_client_wipe_local_data(rehab_client* client, rehab_error* error);

// --- Ids
// -----------------------------------------------------------------------

// The patient id that belongs to a resident ID number
// (rehab::client::PatientIdForIdNumber), as text in `id_out`: give a new
// patient this id so that creating it twice stores it once.
int rehab_patient_id_for_id_number(const char* id_number, rehab_buffer* id_out,
                                   rehab_error* error);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_C_H_
