// rehabctl's exit codes, which scripts may rely on (also in `rehabctl
// --help` and README.md), and how a failed call is reported.
#ifndef REHAB_TOOLS_REHABCTL_EXIT_CODES_H_
#define REHAB_TOOLS_REHABCTL_EXIT_CODES_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"

namespace rehab::rehabctl {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,            // the server said no; import rows failed
  kExitUsage = 2,             // bad command line
  kExitUnauthenticated = 3,   // not logged in, or the session expired
  kExitNotFound = 4,          // NOT_FOUND
  kExitPermissionDenied = 5,  // PERMISSION_DENIED
  kExitInvalidArgument = 6,   // INVALID_ARGUMENT
  kExitConflict = 7,          // ALREADY_EXISTS or ABORTED
  kExitUnavailable = 8,       // UNAVAILABLE or DEADLINE_EXCEEDED
};

// The exit code for a command that ended with `status`.
ExitCode ExitCodeFor(const absl::Status& status);

// "CODE: message (REASON)", e.g. "INVALID_ARGUMENT: invalid
// patient.id_number: wrong check character (INVALID_ID_NUMBER)"; without
// the parentheses when the status has no reason.
std::string DescribeStatus(const absl::Status& status);

// Writes "rehabctl: " + DescribeStatus(status) and one indented line per
// field violation to `err`, plus a hint for an expired session or an
// unreachable server.
void ReportError(std::ostream& err, const absl::Status& status);

}  // namespace rehab::rehabctl

#endif  // REHAB_TOOLS_REHABCTL_EXIT_CODES_H_
