// The controlling terminal: asking for a password without echoing it.
#ifndef REHAB_TOOLS_REHABCTL_TERMINAL_H_
#define REHAB_TOOLS_REHABCTL_TERMINAL_H_

#include <string>

#include "absl/status/statusor.h"

namespace rehab::rehabctl {

// Writes `prompt` to the terminal (/dev/tty, so that it works while stdin
// and stdout are redirected), reads one line with echo off and returns it
// without the line break. FAILED_PRECONDITION when there is no terminal.
absl::StatusOr<std::string> ReadSecretFromTerminal(const std::string& prompt);

// True when file descriptor `fd` is a terminal.
bool IsTerminal(int fd);

}  // namespace rehab::rehabctl

#endif  // REHAB_TOOLS_REHABCTL_TERMINAL_H_
