/* The C ABI used from C, as an app would: protobuf bytes are written and
 * read by hand (the wire format of a few string and integer fields), every
 * result is checked by its code and, where it matters, by the error's
 * message, reason and field violations. */
#include "tests/client-sdk/client_c_test.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rehab/client_c.h"

/* Field numbers of the rehab.v1 messages used here (proto/rehab/v1). */
enum {
  kPatientId = 1,
  kPatientVersion = 2,
  kPatientName = 10,
  kPatientIdNumber = 11,
  kPatientAreaId = 17,
  kPatientFacilityId = 18,
  kListPatientsPatients = 1,
  kLookupIdNumber = 1,
  kLoginAccessToken = 1,
  kLoginAccount = 4,
  kWhoAmIAccount = 1,
  kAccountUsername = 10,
  kMutationId = 1,
  kMutationPatient = 10
};

/* --- Writing protobuf bytes --------------------------------------------- */

typedef struct writer {
  uint8_t bytes[1024];
  size_t size;
  int overflow;
} writer;

static void put_byte(writer* w, uint8_t b) {
  if (w->size < sizeof(w->bytes)) {
    w->bytes[w->size++] = b;
  } else {
    w->overflow = 1;
  }
}

static void put_varint(writer* w, uint64_t value) {
  while (value >= 0x80) {
    put_byte(w, (uint8_t)(value | 0x80));
    value >>= 7;
  }
  put_byte(w, (uint8_t)value);
}

/* A length-delimited field: a string or an embedded message. */
static void put_bytes(writer* w, uint32_t field, const void* data,
                      size_t size) {
  size_t i;
  put_varint(w, ((uint64_t)field << 3) | 2);
  put_varint(w, size);
  for (i = 0; i < size; ++i) put_byte(w, ((const uint8_t*)data)[i]);
}

static void put_string(writer* w, uint32_t field, const char* text) {
  put_bytes(w, field, text, strlen(text));
}

/* A rehab.v1.Patient; `id` may be NULL (the SDK gives one). */
static writer patient_bytes(const char* id, const char* name,
                            const char* id_number, const char* area_id,
                            const char* facility_id) {
  writer w;
  memset(&w, 0, sizeof(w));
  if (id != NULL) put_string(&w, kPatientId, id);
  put_string(&w, kPatientName, name);
  put_string(&w, kPatientIdNumber, id_number);
  put_string(&w, kPatientAreaId, area_id);
  put_string(&w, kPatientFacilityId, facility_id);
  return w;
}

/* --- Reading protobuf bytes --------------------------------------------- */

/* Reads a varint at *pos; 0 when the bytes end first. */
static int get_varint(const uint8_t* data, size_t size, size_t* pos,
                      uint64_t* value) {
  int shift = 0;
  *value = 0;
  while (*pos < size && shift < 64) {
    const uint8_t b = data[(*pos)++];
    *value |= (uint64_t)(b & 0x7F) << shift;
    if ((b & 0x80) == 0) return 1;
    shift += 7;
  }
  return 0;
}

/* Finds the `nth` (from 0) occurrence of `field`. A length-delimited one
 * sets *value and *value_size; a varint one sets *number. Returns 1 when
 * found, 0 when not (or when the bytes are malformed). */
static int find_field(const uint8_t* data, size_t size, uint32_t field,
                      size_t nth, const uint8_t** value, size_t* value_size,
                      uint64_t* number) {
  size_t pos = 0;
  while (pos < size) {
    uint64_t tag;
    uint64_t n;
    if (!get_varint(data, size, &pos, &tag)) return 0;
    switch (tag & 7) {
      case 0:
        if (!get_varint(data, size, &pos, &n)) return 0;
        if ((tag >> 3) == field && nth-- == 0) {
          if (number != NULL) *number = n;
          return 1;
        }
        break;
      case 1:
        pos += 8;
        break;
      case 2:
        if (!get_varint(data, size, &pos, &n) || n > size - pos) return 0;
        if ((tag >> 3) == field && nth-- == 0) {
          if (value != NULL) *value = data + pos;
          if (value_size != NULL) *value_size = (size_t)n;
          return 1;
        }
        pos += (size_t)n;
        break;
      case 5:
        pos += 4;
        break;
      default:
        return 0;
    }
  }
  return 0;
}

static size_t count_field(const rehab_buffer* b, uint32_t field) {
  size_t n = 0;
  while (find_field(b->data, b->size, field, n, NULL, NULL, NULL)) ++n;
  return n;
}

/* The `nth` embedded message `field` of `b` as a view into `b`. */
static rehab_buffer sub_message(const rehab_buffer* b, uint32_t field,
                                size_t nth) {
  rehab_buffer sub = {NULL, 0};
  const uint8_t* value = NULL;
  if (find_field(b->data, b->size, field, nth, &value, &sub.size, NULL)) {
    sub.data = (uint8_t*)value;
  }
  return sub;
}

/* Whether string `field` of `b` equals `want`. */
static int string_field_is(const rehab_buffer* b, uint32_t field,
                           const char* want) {
  const uint8_t* value = NULL;
  size_t size = 0;
  if (!find_field(b->data, b->size, field, 0, &value, &size, NULL)) {
    return want[0] == '\0';
  }
  return size == strlen(want) && memcmp(value, want, size) == 0;
}

static uint64_t varint_field(const rehab_buffer* b, uint32_t field) {
  uint64_t number = 0;
  find_field(b->data, b->size, field, 0, NULL, NULL, &number);
  return number;
}

/* --- Checks ----------------------------------------------------------------
 */

typedef struct test_context {
  char* failure;
  size_t failure_size;
  rehab_error error;
} test_context;

static int fail(test_context* t, int line, const char* format, ...) {
  va_list args;
  int n = snprintf(t->failure, t->failure_size, "client_c_test.c:%d: ", line);
  if (n < 0 || (size_t)n >= t->failure_size) return 1;
  va_start(args, format);
  vsnprintf(t->failure + n, t->failure_size - (size_t)n, format, args);
  va_end(args);
  return 1;
}

static const char* text_or(const char* text, const char* otherwise) {
  return text != NULL ? text : otherwise;
}

#define CHECK(t, condition, ...)                               \
  do {                                                         \
    if (!(condition)) return fail((t), __LINE__, __VA_ARGS__); \
  } while (0)

/* Runs `call`, which reports into t->error, and checks the code it
 * returned and the code it left in the error. */
#define CHECK_CODE(t, want, call)                                       \
  do {                                                                  \
    const int got_ = (call);                                            \
    if (got_ != (want) || (t)->error.code != got_) {                    \
      return fail((t), __LINE__, "%s returned %s (%s), want %s", #call, \
                  rehab_status_code_name(got_),                         \
                  text_or((t)->error.message, "no message"),            \
                  rehab_status_code_name(want));                        \
    }                                                                   \
  } while (0)

static int has_violation(const rehab_error* error, const char* field) {
  size_t i;
  for (i = 0; i < error->field_violation_count; ++i) {
    const char* f = error->field_violations[i].field;
    if (f != NULL && strcmp(f, field) == 0) return 1;
  }
  return 0;
}

static int message_mentions(const rehab_error* error, const char* text) {
  return error->message != NULL && strstr(error->message, text) != NULL;
}

/* --- The sync listener
 * -------------------------------------------------------- */

typedef struct listener_record {
  int calls;
  int last_state;
} listener_record;

static void record_status(const rehab_sync_status* status, void* user_data) {
  listener_record* record = (listener_record*)user_data;
  ++record->calls;
  record->last_state = status->state;
}

/* --- Tests
 * ----------------------------------------------------------------------- */

int c_abi_round_trip(const c_abi_fixture* f, char* failure,
                     size_t failure_size) {
  test_context context = {NULL, 0, REHAB_ERROR_INIT};
  test_context* t = &context;
  rehab_client_options options;
  rehab_client* client = NULL;
  rehab_buffer buffer = {NULL, 0};
  rehab_buffer id = {NULL, 0};
  rehab_buffer access = {NULL, 0};
  rehab_sync_report report;
  rehab_sync_status status;
  rehab_parked_list parked = {NULL, 0};
  listener_record listened = {0, -1};
  char patient_id[64];
  int64_t pending = -1;
  writer patient;
  writer request;
  rehab_buffer first;
  context.failure = failure;
  context.failure_size = failure_size;

  rehab_client_options_init(&options);
  options.target = f->target;
  options.device_id = "c-abi-test";
  options.local_db_path = f->db_path;
  options.retry_max_attempts = 1;
  CHECK_CODE(t, REHAB_OK, rehab_client_create(&options, &client, &t->error));
  CHECK(t, client != NULL, "rehab_client_create gave no client");

  /* The outbox belongs to an account: nothing is queued before the first
   * login on this database. */
  patient = patient_bytes(NULL, "Offline Patient", f->id_number, f->area_id,
                          f->facility_id);
  CHECK(t, !patient.overflow, "patient bytes overflow");
  CHECK_CODE(t, REHAB_FAILED_PRECONDITION,
             rehab_client_create_patient(client, patient.bytes, patient.size,
                                         &id, &t->error));
  CHECK(t, id.data == NULL && id.size == 0, "id_out not left empty");

  CHECK_CODE(t, REHAB_UNAUTHENTICATED,
             rehab_client_login(client, f->username, "wrong-password-1", NULL,
                                &t->error));
  CHECK(t,
        t->error.reason != NULL &&
            strcmp(t->error.reason, "BAD_CREDENTIALS") == 0,
        "wrong password: reason %s", text_or(t->error.reason, "(none)"));

  CHECK_CODE(
      t, REHAB_OK,
      rehab_client_login(client, f->username, f->password, &buffer, &t->error));
  CHECK(t, t->error.message == NULL && t->error.reason == NULL,
        "a success left the earlier error's text behind");
  first = sub_message(&buffer, kLoginAccount, 0);
  CHECK(t,
        first.data != NULL &&
            string_field_is(&first, kAccountUsername, f->username),
        "LoginResponse.account.username is not %s", f->username);
  CHECK_CODE(t, REHAB_OK,
             rehab_client_get_session(client, &access, NULL, &t->error));
  CHECK(
      t,
      access.size > 0 && strlen((const char*)access.data) == access.size &&
          string_field_is(&buffer, kLoginAccessToken, (const char*)access.data),
      "the session's access token is not the one LoginResponse carried");
  rehab_buffer_free(&access);
  rehab_buffer_free(&buffer);

  /* Queued offline: an id at once, one mutation pending, the patient in
   * the local cache before any sync. */
  CHECK_CODE(t, REHAB_OK,
             rehab_client_create_patient(client, patient.bytes, patient.size,
                                         &id, &t->error));
  CHECK(t, id.size == 36 && strlen((const char*)id.data) == 36,
        "the new patient's id is not a UUID: %s", (const char*)id.data);
  memcpy(patient_id, id.data, id.size + 1);
  rehab_buffer_free(&id);
  CHECK_CODE(t, REHAB_OK,
             rehab_client_pending_count(client, &pending, &t->error));
  CHECK(t, pending == 1, "pending %ld after one write, want 1", (long)pending);
  CHECK_CODE(
      t, REHAB_OK,
      rehab_client_list_local_patients(client, NULL, &buffer, &t->error));
  CHECK(t, count_field(&buffer, kListPatientsPatients) == 1,
        "%lu local patients before sync, want 1",
        (unsigned long)count_field(&buffer, kListPatientsPatients));
  first = sub_message(&buffer, kListPatientsPatients, 0);
  CHECK(t,
        string_field_is(&first, kPatientId, patient_id) &&
            string_field_is(&first, kPatientName, "Offline Patient"),
        "the local patient is not the one queued");
  rehab_buffer_free(&buffer);

  /* Sync: pushed and applied, pulled back as the server's copy. */
  CHECK_CODE(t, REHAB_OK, rehab_client_sync(client, &report, &t->error));
  CHECK(t,
        report.pushed == 1 && report.rejected == 0 && report.conflicts == 0 &&
            report.caught_up,
        "sync: pushed %ld rejected %ld conflicts %ld caught_up %d",
        (long)report.pushed, (long)report.rejected, (long)report.conflicts,
        report.caught_up);
  CHECK(t, report.server_time_unix_ms > 0, "sync: no server time");
  CHECK_CODE(t, REHAB_OK,
             rehab_client_pending_count(client, &pending, &t->error));
  CHECK(t, pending == 0, "pending %ld after sync, want 0", (long)pending);
  CHECK_CODE(t, REHAB_OK,
             rehab_client_get_sync_status(client, &status, &t->error));
  CHECK(t,
        status.state == REHAB_SYNC_UP_TO_DATE && status.pending == 0 &&
            status.last_success_unix_ms > 0 &&
            status.last_error.code == REHAB_OK,
        "sync status: state %d pending %ld last error %s", status.state,
        (long)status.pending, rehab_status_code_name(status.last_error.code));
  rehab_sync_status_free(&status);
  CHECK_CODE(
      t, REHAB_OK,
      rehab_client_get_local_patient(client, patient_id, &buffer, &t->error));
  CHECK(t, varint_field(&buffer, kPatientVersion) >= 1,
        "the cached patient has no server version after sync");
  rehab_buffer_free(&buffer);
  CHECK_CODE(
      t, REHAB_OK,
      rehab_client_list_local_patients(client, NULL, &buffer, &t->error));
  CHECK(t, count_field(&buffer, kListPatientsPatients) == 1,
        "%lu local patients after sync, want 1",
        (unsigned long)count_field(&buffer, kListPatientsPatients));
  rehab_buffer_free(&buffer);

  /* Online: the kiosk's lookup finds what the device created. */
  memset(&request, 0, sizeof(request));
  put_string(&request, kLookupIdNumber, f->id_number);
  CHECK_CODE(t, REHAB_OK,
             rehab_client_lookup_patient(client, request.bytes, request.size,
                                         &buffer, &t->error));
  CHECK(t,
        string_field_is(&buffer, kPatientId, patient_id) &&
            string_field_is(&buffer, kPatientName, "Offline Patient"),
        "LookupPatient found another patient");
  rehab_buffer_free(&buffer);

  /* Bad input: INVALID_ARGUMENT naming the field. */
  memset(&request, 0, sizeof(request));
  put_string(&request, kLookupIdNumber, "12345");
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_lookup_patient(client, request.bytes, request.size,
                                         &buffer, &t->error));
  CHECK(t,
        message_mentions(&t->error, "id_number") &&
            t->error.field_violation_count > 0,
        "a malformed ID number: message \"%s\", %lu violations",
        text_or(t->error.message, ""),
        (unsigned long)t->error.field_violation_count);
  {
    static const uint8_t kGarbage[] = {0x0F, 0xFF, 0xFF, 0x01};
    CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
               rehab_client_create_patient(client, kGarbage, sizeof(kGarbage),
                                           &id, &t->error));
    CHECK(t,
          has_violation(&t->error, "patient") &&
              message_mentions(&t->error, "rehab.v1.Patient"),
          "garbage bytes: message \"%s\"", text_or(t->error.message, ""));
  }
  patient = patient_bytes("not-a-uuid", "Bad Id", f->id_number, f->area_id,
                          f->facility_id);
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_create_patient(client, patient.bytes, patient.size,
                                         &id, &t->error));
  CHECK(t, message_mentions(&t->error, "patient.id"),
        "a malformed id: message \"%s\"", text_or(t->error.message, ""));
  CHECK_CODE(t, REHAB_UNIMPLEMENTED,
             rehab_client_call(client, "rehab.v1.NoService/Nothing", NULL, 0,
                               &buffer, &t->error));
  CHECK_CODE(t, REHAB_OK,
             rehab_client_pending_count(client, &pending, &t->error));
  CHECK(t, pending == 0, "a refused write was queued (%ld pending)",
        (long)pending);

  /* A record the server refuses is parked with the server's reason, never
   * blocks the queue, and goes away when discarded. */
  patient = patient_bytes(NULL, "Rejected Patient", f->bad_id_number,
                          f->area_id, f->facility_id);
  CHECK_CODE(t, REHAB_OK,
             rehab_client_create_patient(client, patient.bytes, patient.size,
                                         NULL, &t->error));
  CHECK_CODE(t, REHAB_OK, rehab_client_sync(client, &report, &t->error));
  CHECK(t, report.rejected == 1 && report.pushed == 0,
        "sync of a bad record: rejected %ld pushed %ld", (long)report.rejected,
        (long)report.pushed);
  CHECK_CODE(t, REHAB_OK, rehab_client_list_parked(client, &parked, &t->error));
  CHECK(t, parked.count == 1, "%lu parked, want 1",
        (unsigned long)parked.count);
  CHECK(t,
        parked.items[0].outcome == REHAB_OUTCOME_REJECTED &&
            parked.items[0].status.code == REHAB_INVALID_ARGUMENT &&
            has_violation(&parked.items[0].status, "patient.id_number"),
        "parked: outcome %d, code %s, message \"%s\"", parked.items[0].outcome,
        rehab_status_code_name(parked.items[0].status.code),
        text_or(parked.items[0].status.message, ""));
  first = sub_message(&parked.items[0].mutation, kMutationPatient, 0);
  CHECK(t,
        string_field_is(&parked.items[0].mutation, kMutationId,
                        parked.items[0].mutation_id) &&
            string_field_is(&first, kPatientName, "Rejected Patient"),
        "the parked mutation is not the one queued");
  CHECK(t, parked.items[0].server_copy.data == NULL,
        "a rejection carries a server copy");
  CHECK_CODE(t, REHAB_OK,
             rehab_client_get_sync_status(client, &status, &t->error));
  CHECK(t, status.parked == 1, "sync status: %ld parked, want 1",
        (long)status.parked);
  rehab_sync_status_free(&status);
  CHECK_CODE(t, REHAB_OK,
             rehab_client_discard_parked(client, parked.items[0].mutation_id,
                                         &t->error));
  CHECK_CODE(t, REHAB_NOT_FOUND,
             rehab_client_discard_parked(client, parked.items[0].mutation_id,
                                         &t->error));
  rehab_parked_list_free(&parked);
  CHECK(t, parked.items == NULL && parked.count == 0, "list not emptied");
  CHECK_CODE(t, REHAB_OK, rehab_client_list_parked(client, &parked, &t->error));
  CHECK(t, parked.count == 0, "%lu parked after discard, want 0",
        (unsigned long)parked.count);

  /* The listener sees the run through to its end. */
  CHECK_CODE(t, REHAB_OK,
             rehab_client_set_sync_listener(client, record_status, &listened,
                                            &t->error));
  CHECK_CODE(t, REHAB_OK, rehab_client_sync(client, NULL, &t->error));
  CHECK(t, listened.calls > 0 && listened.last_state == REHAB_SYNC_UP_TO_DATE,
        "listener: %d calls, last state %d", listened.calls,
        listened.last_state);
  CHECK_CODE(t, REHAB_OK,
             rehab_client_set_sync_listener(client, NULL, NULL, &t->error));

  /* The generic call and the typed one agree. */
  CHECK_CODE(t, REHAB_OK,
             rehab_client_call(client, "/rehab.v1.AuthService/WhoAmI", NULL, 0,
                               &buffer, &t->error));
  first = sub_message(&buffer, kWhoAmIAccount, 0);
  CHECK(t, string_field_is(&first, kAccountUsername, f->username),
        "WhoAmI names another account");
  rehab_buffer_free(&buffer);

  /* Logged out: the server refuses; the local data stays until wiped. */
  CHECK_CODE(t, REHAB_OK, rehab_client_logout(client, &t->error));
  CHECK_CODE(t, REHAB_UNAUTHENTICATED,
             rehab_client_who_am_i(client, &buffer, &t->error));
  CHECK(t, buffer.data == NULL, "a failed call left a response");
  CHECK_CODE(
      t, REHAB_OK,
      rehab_client_list_local_patients(client, NULL, &buffer, &t->error));
  CHECK(t, count_field(&buffer, kListPatientsPatients) == 1,
        "logout removed the local data");
  rehab_buffer_free(&buffer);
  CHECK_CODE(t, REHAB_OK, rehab_client_wipe_local_data(client, &t->error));
  CHECK_CODE(
      t, REHAB_OK,
      rehab_client_list_local_patients(client, NULL, &buffer, &t->error));
  CHECK(t, count_field(&buffer, kListPatientsPatients) == 0,
        "%lu local patients after wipe, want 0",
        (unsigned long)count_field(&buffer, kListPatientsPatients));
  rehab_buffer_free(&buffer);

  rehab_client_destroy(client);
  rehab_error_free(&t->error);
  return 0;
}

int c_abi_bad_arguments(const char* db_path, char* failure,
                        size_t failure_size) {
  test_context context = {NULL, 0, REHAB_ERROR_INIT};
  test_context* t = &context;
  rehab_client_options options;
  rehab_client* client = NULL;
  rehab_buffer buffer = {NULL, 0};
  rehab_buffer again = {NULL, 0};
  rehab_sync_report report;
  rehab_parked_list parked = {NULL, 0};
  int64_t count = 0;
  struct {
    rehab_client_options known;
    int64_t from_a_newer_sdk;
  } newer;
  static const uint8_t kPatient[] = {0x52, 0x01, 'x'}; /* name = "x" */
  context.failure = failure;
  context.failure_size = failure_size;

  CHECK(t,
        strcmp(rehab_status_code_name(REHAB_INVALID_ARGUMENT),
               "INVALID_ARGUMENT") == 0 &&
            strcmp(rehab_status_code_name(REHAB_UNAUTHENTICATED),
                   "UNAUTHENTICATED") == 0 &&
            strcmp(rehab_status_code_name(99), "UNKNOWN") == 0 &&
            strcmp(rehab_status_code_name(-1), "UNKNOWN") == 0,
        "rehab_status_code_name");
  CHECK(t, rehab_version()[0] != '\0', "no version");

  /* Freeing nothing is fine. */
  rehab_buffer_free(NULL);
  rehab_buffer_free(&buffer);
  rehab_error_free(NULL);
  rehab_error_free(&t->error);
  rehab_parked_list_free(NULL);
  rehab_sync_status_free(NULL);
  rehab_client_destroy(NULL);

  /* Options. */
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_create(NULL, &client, &t->error));
  CHECK(t, client == NULL && has_violation(&t->error, "options"),
        "NULL options: \"%s\"", text_or(t->error.message, ""));
  memset(&options, 0, sizeof(options));
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_create(&options, &client, &t->error));
  CHECK(t, has_violation(&t->error, "options.struct_size"),
        "uninitialised options: \"%s\"", text_or(t->error.message, ""));
  rehab_client_options_init(&options);
  options.deadline_ms = -1;
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_create(&options, &client, &t->error));
  CHECK(t, has_violation(&t->error, "options.deadline_ms"),
        "negative deadline: \"%s\"", text_or(t->error.message, ""));
  rehab_client_options_init(&options);
  options.tls_client_cert_pem = "-----BEGIN CERTIFICATE-----";
  options.use_tls = 1;
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_create(&options, &client, &t->error));
  rehab_client_options_init(&options);
  options.time_zone = "Nowhere/Land";
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_create(&options, &client, &t->error));
  CHECK(t, client == NULL && has_violation(&t->error, "time_zone"),
        "unknown time zone: \"%s\"", text_or(t->error.message, ""));
  rehab_client_options_init(&options);
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_create(&options, NULL, &t->error));
  CHECK(t, has_violation(&t->error, "client_out"), "NULL client_out");

  /* An app built against a newer header: unknown fields left zero are
   * fine, unknown fields set are refused. */
  memset(&newer, 0, sizeof(newer));
  rehab_client_options_init(&newer.known);
  newer.known.struct_size = sizeof(newer);
  newer.from_a_newer_sdk = 7;
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_create(&newer.known, &client, &t->error));
  newer.from_a_newer_sdk = 0;
  CHECK_CODE(t, REHAB_OK,
             rehab_client_create(&newer.known, &client, &t->error));
  rehab_client_destroy(client);
  client = NULL;

  /* No handle: every call says which argument is missing, and the error
   * may be left out. */
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_sync(NULL, &report, &t->error));
  CHECK(t,
        has_violation(&t->error, "client") &&
            message_mentions(&t->error, "client"),
        "NULL client: \"%s\"", text_or(t->error.message, ""));
  CHECK(t, rehab_client_sync(NULL, NULL, NULL) == REHAB_INVALID_ARGUMENT,
        "NULL client without an error struct");
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_login(NULL, "a", "b", &buffer, &t->error));
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_create_patient(NULL, kPatient, sizeof(kPatient),
                                         &buffer, &t->error));
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_list_local_patients(NULL, NULL, &buffer, &t->error));
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_list_parked(NULL, &parked, &t->error));
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_pending_count(NULL, &count, &t->error));
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_wipe_local_data(NULL, &t->error));
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_call(NULL, "rehab.v1.AuthService/WhoAmI", NULL, 0,
                               &buffer, &t->error));
  CHECK(t, buffer.data == NULL, "a failed call left a buffer");

  /* A client with a local database, not logged in (no server needed). */
  rehab_client_options_init(&options);
  options.target = "127.0.0.1:1";
  options.local_db_path = db_path;
  options.deadline_ms = 2000;
  options.retry_max_attempts = 1;
  CHECK_CODE(t, REHAB_OK, rehab_client_create(&options, &client, &t->error));
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_create_patient(client, NULL, 0, &buffer, &t->error));
  CHECK(t, has_violation(&t->error, "patient"), "NULL patient: \"%s\"",
        text_or(t->error.message, ""));
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_call(client, "rehab.v1.PatientService/GetPatient",
                               NULL, 5, &buffer, &t->error));
  CHECK(t, has_violation(&t->error, "request"), "NULL request of size 5");
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_call(client, NULL, NULL, 0, &buffer, &t->error));
  CHECK(t, has_violation(&t->error, "method"), "NULL method");
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_login(client, "someone", NULL, NULL, &t->error));
  CHECK(t, has_violation(&t->error, "password"), "NULL password");
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_get_local_patient(client, NULL, &buffer, &t->error));
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_start_background_sync(client, 0, &t->error));
  CHECK(t, has_violation(&t->error, "interval_ms"), "zero interval");
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_pending_count(client, NULL, &t->error));
  /* Follow-ups: a visit must be given; an empty cache has nothing due; the
   * online method is in the table (it fails to connect, it is not
   * UNIMPLEMENTED). */
  CHECK_CODE(t, REHAB_INVALID_ARGUMENT,
             rehab_client_create_visit(client, NULL, 0, &buffer, &t->error));
  CHECK(t, has_violation(&t->error, "visit"), "NULL visit: \"%s\"",
        text_or(t->error.message, ""));
  CHECK_CODE(
      t, REHAB_OK,
      rehab_client_list_local_due_follow_ups(client, NULL, &buffer, &t->error));
  CHECK(t, buffer.data != NULL && count_field(&buffer, 1) == 0,
        "follow-ups due in an empty cache");
  rehab_buffer_free(&buffer);
  CHECK_CODE(
      t, REHAB_UNAVAILABLE,
      rehab_client_call(client, "rehab.v1.ContractService/ListDueFollowUps",
                        NULL, 0, &buffer, &t->error));
  /* A server that is not there: UNAVAILABLE, not a crash or a hang. */
  CHECK_CODE(
      t, REHAB_UNAVAILABLE,
      rehab_client_login(client, "someone", "password-1", NULL, &t->error));
  rehab_client_destroy(client);
  client = NULL;

  /* Online only: the offline functions need a local database. */
  rehab_client_options_init(&options);
  CHECK_CODE(t, REHAB_OK, rehab_client_create(&options, &client, &t->error));
  CHECK_CODE(t, REHAB_FAILED_PRECONDITION,
             rehab_client_create_patient(client, kPatient, sizeof(kPatient),
                                         &buffer, &t->error));
  CHECK_CODE(t, REHAB_OK,
             rehab_client_get_session(client, &buffer, &again, &t->error));
  CHECK(t, buffer.data != NULL && buffer.size == 0 && again.size == 0,
        "a new client holds a session");
  rehab_buffer_free(&buffer);
  rehab_buffer_free(&again);
  rehab_client_destroy(client);

  /* Ids from ID numbers: stable, and the same as the C++ API's. */
  CHECK_CODE(
      t, REHAB_OK,
      rehab_patient_id_for_id_number("32083119800101001X", &buffer, &t->error));
  CHECK_CODE(t, REHAB_OK,
             rehab_patient_id_for_id_number(" 32083119800101001x ", &again,
                                            &t->error));
  CHECK(t,
        buffer.size == 36 &&
            strcmp((const char*)buffer.data, (const char*)again.data) == 0,
        "ids differ: %s %s", (const char*)buffer.data, (const char*)again.data);
  rehab_buffer_free(&buffer);
  rehab_buffer_free(&again);

  rehab_error_free(&t->error);
  return 0;
}
