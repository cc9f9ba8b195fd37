// The C ABI's tests, written in C (client_c_test.c, compiled as C99) so
// that they use rehab/client_c.h exactly as a C app does. A thin gtest
// (client_c_server_test.cc) starts a real server, prepares an account and
// calls these functions.
#ifndef REHAB_TESTS_CLIENT_SDK_CLIENT_C_TEST_H_
#define REHAB_TESTS_CLIENT_SDK_CLIENT_C_TEST_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// What the server side prepared: a FACILITY_STAFF account whose facility
// lies in `area_id`, and resident ID numbers for new patients.
typedef struct c_abi_fixture {
  const char* target;    // "127.0.0.1:<port>"
  const char* username;  // the staff account
  const char* password;
  const char* db_path;  // a local database path that does not exist yet
  const char* area_id;
  const char* facility_id;
  const char* id_number;      // valid, not registered yet
  const char* bad_id_number;  // fails the check character
} c_abi_fixture;

// Each returns 0 when every check passed, else 1 with the first failed
// check (line and what was seen) in `failure`.

// Login, a patient queued offline, sync, the local cache, an online
// lookup, a record the server rejects (parked), the listener, logout and
// wipe.
int c_abi_round_trip(const c_abi_fixture* fixture, char* failure,
                     size_t failure_size);

// NULL and garbage arguments, option handling and the helpers; needs no
// server (`db_path`: a local database path that does not exist yet).
int c_abi_bad_arguments(const char* db_path, char* failure,
                        size_t failure_size);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // REHAB_TESTS_CLIENT_SDK_CLIENT_C_TEST_H_
