// rehabctl's commands: the command table, the session kept between runs,
// and the exit codes of exit_codes.h.
#ifndef REHAB_TOOLS_REHABCTL_COMMANDS_H_
#define REHAB_TOOLS_REHABCTL_COMMANDS_H_

#include <ostream>
#include <string>
#include <vector>

namespace rehab::rehabctl {

// The flags that apply to every command.
struct GlobalOptions {
  // --server, else $REHAB_SERVER; empty: the server of the saved session,
  // else kDefaultServer.
  std::string server;
  // --json: JSON Lines on stdout instead of tables.
  bool json = false;
  // --tls_ca FILE: connect over TLS, trusting the PEM roots in FILE.
  // Empty: as at login (saved with the session), else no TLS.
  std::string tls_ca;
  // Where the session is kept; empty: SessionFile::DefaultPath().
  std::string session_path;
};

inline constexpr char kDefaultServer[] = "127.0.0.1:50051";

// Runs the command `words` (e.g. {"patients", "get", "<id>"}) and returns
// its exit code. Results go to `out`, errors and progress to `err`.
int RunCommand(const GlobalOptions& options,
               const std::vector<std::string>& words, std::ostream& out,
               std::ostream& err);

// The text of `rehabctl --help`: commands, global flags, output, exit
// codes.
std::string HelpText();

}  // namespace rehab::rehabctl

#endif  // REHAB_TOOLS_REHABCTL_COMMANDS_H_
