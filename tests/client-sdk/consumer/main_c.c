/* A C app built against the installed SDK with pkg-config (rehab-client-c):
 * logs in, queues a patient offline into a new local database and prints
 * its id.
 *
 *   consumer_c TARGET USERNAME PASSWORD DB_PATH
 *
 * Prints "queued <id> (1 pending)" and exits 0, or says what failed and
 * exits 1. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rehab/client_c.h"

/* A rehab.v1.Patient with its id (field 1), name (10) and ID number (11),
 * in protobuf's wire format. */
static size_t patient_bytes(const char* id, uint8_t* out) {
  const char* fields[3];
  const uint8_t tags[3] = {(1 << 3) | 2, (10 << 3) | 2, (11 << 3) | 2};
  size_t size = 0;
  int i;
  fields[0] = id;
  fields[1] = "Consumer Patient C";
  fields[2] = "32083119800101002X";
  for (i = 0; i < 3; ++i) {
    const size_t n = strlen(fields[i]);
    out[size++] = tags[i];
    out[size++] = (uint8_t)n; /* every field here is under 128 bytes */
    memcpy(out + size, fields[i], n);
    size += n;
  }
  return size;
}

static int failed(const char* what, const rehab_error* error) {
  fprintf(stderr, "consumer_c: %s: %s: %s\n", what,
          rehab_status_code_name(error->code),
          error->message != NULL ? error->message : "");
  return 1;
}

int main(int argc, char** argv) {
  rehab_client_options options;
  rehab_client* client = NULL;
  rehab_error error = REHAB_ERROR_INIT;
  rehab_buffer expected = {NULL, 0};
  rehab_buffer id = {NULL, 0};
  uint8_t patient[256];
  size_t patient_size;
  int64_t pending = 0;
  int ok;

  if (argc != 5) {
    fprintf(stderr, "usage: consumer_c TARGET USERNAME PASSWORD DB_PATH\n");
    return 2;
  }
  rehab_client_options_init(&options);
  options.target = argv[1];
  options.device_id = "consumer_c";
  options.local_db_path = argv[4];
  if (rehab_client_create(&options, &client, &error) != REHAB_OK) {
    return failed("create", &error);
  }
  if (rehab_client_login(client, argv[2], argv[3], NULL, &error) != REHAB_OK) {
    return failed("login", &error);
  }
  if (rehab_patient_id_for_id_number("32083119800101002X", &expected, &error) !=
      REHAB_OK) {
    return failed("id", &error);
  }
  patient_size = patient_bytes((const char*)expected.data, patient);
  if (rehab_client_create_patient(client, patient, patient_size, &id, &error) !=
      REHAB_OK) {
    return failed("queue", &error);
  }
  if (rehab_client_pending_count(client, &pending, &error) != REHAB_OK) {
    return failed("pending", &error);
  }
  printf("queued %s (%ld pending)\n", (const char*)id.data, (long)pending);
  ok = strcmp((const char*)id.data, (const char*)expected.data) == 0 &&
       pending == 1;
  rehab_buffer_free(&expected);
  rehab_buffer_free(&id);
  rehab_error_free(&error);
  rehab_client_destroy(client);
  return ok ? 0 : 1;
}
