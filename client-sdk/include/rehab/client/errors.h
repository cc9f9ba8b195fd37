// Reading the structured details of a failed call.
//
// A failed call returns an absl::Status with the server's code and message.
// When the server said more, the status also carries
//   - a reason (google.rpc.ErrorInfo), a stable upper-case word that code
//     may branch on: "INVALID_ID_NUMBER", "DUPLICATE_ID_NUMBER",
//     "VERSION_CONFLICT", "TOKEN_EXPIRED", "TOKEN_REVOKED",
//     "ACCOUNT_DISABLED", "BAD_CREDENTIALS", ... (DESIGN.md section 5);
//   - the offending fields of bad input (google.rpc.BadRequest), each named
//     by its path in the request, e.g. "patient.id_number".
//
//   absl::StatusOr<rehab::v1::Patient> p = client->CreatePatient(request);
//   if (!p.ok() && p.status().code() == absl::StatusCode::kInvalidArgument) {
//     for (const auto& v : rehab::client::FieldViolationsOf(p.status())) {
//       std::cerr << v.field << ": " << v.description << "\n";
//     }
//   }
#ifndef REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_ERRORS_H_
#define REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_ERRORS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace rehab::client {

// One offending field of a request.
struct FieldViolation {
  std::string field;        // e.g. "patient.guardian.phone"
  std::string description;  // e.g. "at most 64 characters"
};

// The reason the server gave for `status`, or "" when it gave none (or the
// status is OK).
std::string ErrorReason(const absl::Status& status);

// The field violations the server listed with `status` (usually an
// INVALID_ARGUMENT), in the server's order; empty when there are none.
std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status);

}  // namespace rehab::client

#endif  // REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_ERRORS_H_
