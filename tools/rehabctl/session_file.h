// The session rehabctl keeps between runs: the server, the username and
// the tokens, in $XDG_CONFIG_HOME/rehabctl/session.json (else
// ~/.config/rehabctl/session.json), readable by its owner only.
#ifndef REHAB_TOOLS_REHABCTL_SESSION_FILE_H_
#define REHAB_TOOLS_REHABCTL_SESSION_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace rehab::rehabctl {

struct SavedSession {
  std::string server;  // the --server the tokens belong to
  std::string username;
  std::string access_token;
  std::string refresh_token;
  std::string tls_ca;  // the --tls_ca file given at login; empty: no TLS
};

class SessionFile {
 public:
  // $XDG_CONFIG_HOME/rehabctl/session.json when XDG_CONFIG_HOME is set and
  // absolute, else $HOME/.config/rehabctl/session.json.
  // FAILED_PRECONDITION when neither variable helps.
  static absl::StatusOr<std::string> DefaultPath();

  explicit SessionFile(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  // NOT_FOUND when there is no file; DATA_LOSS when it is not a session
  // file this program wrote.
  absl::StatusOr<SavedSession> Load() const;

  // Replaces the file atomically (a temporary file renamed over it), with
  // mode 0600; missing directories are made with mode 0700.
  absl::Status Save(const SavedSession& session) const;

  // OK when there was no file.
  absl::Status Remove() const;

 private:
  std::string path_;
};

}  // namespace rehab::rehabctl

#endif  // REHAB_TOOLS_REHABCTL_SESSION_FILE_H_
