#include "tools/rehabctl/exit_codes.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "rehab/client/errors.h"

namespace rehab::rehabctl {

ExitCode ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return kExitOk;
    case absl::StatusCode::kUnauthenticated:
      return kExitUnauthenticated;
    case absl::StatusCode::kNotFound:
      return kExitNotFound;
    case absl::StatusCode::kPermissionDenied:
      return kExitPermissionDenied;
    case absl::StatusCode::kInvalidArgument:
      return kExitInvalidArgument;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return kExitConflict;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return kExitUnavailable;
    default:
      return kExitFailed;
  }
}

std::string DescribeStatus(const absl::Status& status) {
  std::string text = absl::StrCat(absl::StatusCodeToString(status.code()), ": ",
                                  std::string(status.message()));
  const std::string reason = client::ErrorReason(status);
  if (!reason.empty()) absl::StrAppend(&text, " (", reason, ")");
  return text;
}

void ReportError(std::ostream& err, const absl::Status& status) {
  err << "rehabctl: " << DescribeStatus(status) << "\n";
  const std::string reason = client::ErrorReason(status);
  for (const client::FieldViolation& v : client::FieldViolationsOf(status)) {
    err << "  " << v.field << ": " << v.description << "\n";
  }
  switch (status.code()) {
    case absl::StatusCode::kUnauthenticated:
      if (reason != "BAD_CREDENTIALS") {
        err << "  log in (again): rehabctl login USERNAME\n";
      }
      break;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      err << "  is rehabctl talking to the right server? (--server, "
             "REHAB_SERVER)\n";
      break;
    default:
      break;
  }
}

}  // namespace rehab::rehabctl
