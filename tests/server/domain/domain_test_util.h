// Helpers shared by the domain tests: the field paths an error names, the
// administrator who calls the managers, and a patient that validates.
#ifndef REHAB_TESTS_SERVER_DOMAIN_DOMAIN_TEST_UTIL_H_
#define REHAB_TESTS_SERVER_DOMAIN_DOMAIN_TEST_UTIL_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "rehab/v1/patient.pb.h"
#include "server/domain/caller.h"

namespace rehab::domain_test {

// The field paths of the BadRequest violations of `status`, in order
// (empty when it has none).
std::vector<std::string> FieldsOf(const absl::Status& status);

// An administrator: account "acct-admin", role ROLE_ADMIN, no scope.
Caller Admin();

// A patient that validates: "Wang Fang", ID number 11010519491231002X (a
// woman born 1949-12-31), area "area-1"; no id and nothing else set.
rehab::v1::Patient MakePatient();

}  // namespace rehab::domain_test

#endif  // REHAB_TESTS_SERVER_DOMAIN_DOMAIN_TEST_UTIL_H_
