// Errors that carry the structured details of DESIGN.md section 5.
//
// Inside the server, errors are absl::Status values. The details a client
// must be able to decode (google.rpc.BadRequest field violations and a
// google.rpc.ErrorInfo reason) travel as status payloads under their type
// URLs; server/api turns them into the `grpc-status-details-bin` trailer.
//
//   return InvalidArgumentError("patient.id_number", "bad check character",
//                               kReasonInvalidIdNumber);
//
//   FieldViolations v;
//   v.Add("patient.name", "required");
//   v.Add("patient.phone", "at most 32 characters");
//   RETURN_IF_ERROR(v.ToStatus());
#ifndef REHAB_SERVER_COMMON_ERRORS_H_
#define REHAB_SERVER_COMMON_ERRORS_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "google/rpc/status.pb.h"

namespace rehab {

// ErrorInfo.domain of every RehabTrack error.
inline constexpr char kErrorDomain[] = "rehab.v1";

// Type URLs of the payloads (as google.protobuf.Any would name them).
inline constexpr char kBadRequestTypeUrl[] =
    "type.googleapis.com/google.rpc.BadRequest";
inline constexpr char kErrorInfoTypeUrl[] =
    "type.googleapis.com/google.rpc.ErrorInfo";

// ErrorInfo reasons clients rely on.
inline constexpr char kReasonInvalidArgument[] = "INVALID_ARGUMENT";
inline constexpr char kReasonInvalidIdNumber[] = "INVALID_ID_NUMBER";
inline constexpr char kReasonInvalidCardNumber[] = "INVALID_CARD_NUMBER";
inline constexpr char kReasonInvalidAreaCode[] = "INVALID_AREA_CODE";
inline constexpr char kReasonVersionConflict[] = "VERSION_CONFLICT";
inline constexpr char kReasonAlreadyExists[] = "ALREADY_EXISTS";
inline constexpr char kReasonDuplicateIdNumber[] = "DUPLICATE_ID_NUMBER";
inline constexpr char kReasonEnrollmentAlreadyOpen[] =
    "ENROLLMENT_ALREADY_OPEN";
inline constexpr char kReasonContractAlreadyActive[] =
    "CONTRACT_ALREADY_ACTIVE";
inline constexpr char kReasonContractNotActive[] = "CONTRACT_NOT_ACTIVE";
inline constexpr char kReasonTokenExpired[] = "TOKEN_EXPIRED";
inline constexpr char kReasonTokenRevoked[] = "TOKEN_REVOKED";
inline constexpr char kReasonAccountDisabled[] = "ACCOUNT_DISABLED";
inline constexpr char kReasonBadCredentials[] = "BAD_CREDENTIALS";
inline constexpr char kReasonLoginRateLimited[] = "LOGIN_RATE_LIMITED";
inline constexpr char kReasonPermissionDenied[] = "PERMISSION_DENIED";
inline constexpr char kReasonOverloaded[] = "OVERLOADED";
inline constexpr char kReasonResyncRequired[] = "RESYNC_REQUIRED";
inline constexpr char kReasonMutationIdReused[] = "MUTATION_ID_REUSED";
inline constexpr char kReasonBatchTooLarge[] = "BATCH_TOO_LARGE";

// One offending field: `field` is a path into the request, e.g.
// "patient.id_number" or "patient.guardian.phone".
struct FieldViolation {
  std::string field;
  std::string description;
};

// Collects field violations and makes one INVALID_ARGUMENT status of them.
class FieldViolations {
 public:
  void Add(std::string field, std::string description);
  bool empty() const { return violations_.empty(); }
  const std::vector<FieldViolation>& violations() const { return violations_; }

  // OK when no violation was added; else INVALID_ARGUMENT whose message names
  // every field, with a BadRequest payload and an ErrorInfo carrying
  // `reason` (kReasonInvalidArgument when empty).
  absl::Status ToStatus(std::string_view reason = {}) const;

 private:
  std::vector<FieldViolation> violations_;
};

// INVALID_ARGUMENT naming one field.
absl::Status InvalidArgumentError(std::string_view field,
                                  std::string_view description,
                                  std::string_view reason = {});

// Returns `status` with an ErrorInfo payload carrying `reason` (replacing
// any earlier one). An OK status is returned unchanged.
absl::Status WithReason(absl::Status status, std::string_view reason);

// Shorthands: the code, the message and an ErrorInfo reason.
absl::Status ErrorWithReason(absl::StatusCode code, std::string_view message,
                             std::string_view reason);

// The ErrorInfo reason of `status`, or "" when it has none.
std::string ReasonOf(const absl::Status& status);

// The BadRequest field violations of `status` (empty when it has none).
std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status);

// Prefixes every violation's field path of `status` with `prefix` + "."
// (e.g. "patient"); other statuses are returned unchanged.
absl::Status PrefixFields(absl::Status status, std::string_view prefix);

// `status` as the google.rpc.Status a client decodes: the code, the message
// and every payload (BadRequest, ErrorInfo) packed into an Any under its
// type URL. Used for the grpc-status-details-bin trailer and wherever a
// response carries a status of its own (a Push item's outcome).
google::rpc::Status ToRpcStatus(const absl::Status& status);

}  // namespace rehab

#endif  // REHAB_SERVER_COMMON_ERRORS_H_
