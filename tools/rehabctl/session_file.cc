#include "tools/rehabctl/session_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace rehab::rehabctl {
namespace {

constexpr char kServer[] = "server";
constexpr char kUsername[] = "username";
constexpr char kAccessToken[] = "access_token";
constexpr char kRefreshToken[] = "refresh_token";
constexpr char kTlsCa[] = "tls_ca";

absl::Status ErrnoError(const std::string& what, const std::string& path) {
  return absl::Status(
      errno == ENOENT ? absl::StatusCode::kNotFound
                      : absl::StatusCode::kFailedPrecondition,
      absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

std::string Dirname(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Like `mkdir -p -m 0700`: parents that exist keep their modes.
absl::Status MakeDirectories(const std::string& dir) {
  struct stat info;
  if (stat(dir.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat(dir, " exists and is not a directory"));
  }
  const std::string parent = Dirname(dir);
  if (parent != dir) {
    absl::Status made = MakeDirectories(parent);
    if (!made.ok()) return made;
  }
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoError("cannot make directory", dir);
  }
  return absl::OkStatus();
}

std::string StringField(const google::protobuf::Struct& s, const char* key) {
  auto it = s.fields().find(key);
  if (it == s.fields().end()) return "";
  return it->second.string_value();
}

}  // namespace

absl::StatusOr<std::string> SessionFile::DefaultPath() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg != nullptr && xdg[0] == '/') {
    return absl::StrCat(xdg, "/rehabctl/session.json");
  }
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] != '\0') {
    return absl::StrCat(home, "/.config/rehabctl/session.json");
  }
  return absl::FailedPreconditionError(
      "neither XDG_CONFIG_HOME nor HOME is set: nowhere to keep the session");
}

absl::StatusOr<SavedSession> SessionFile::Load() const {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return ErrnoError("cannot read", path_);
  std::stringstream text;
  text << in.rdbuf();
  google::protobuf::Struct json;
  if (!google::protobuf::util::JsonStringToMessage(text.str(), &json).ok()) {
    return absl::DataLossError(
        absl::StrCat(path_, " is not a rehabctl session file"));
  }
  SavedSession session;
  session.server = StringField(json, kServer);
  session.username = StringField(json, kUsername);
  session.access_token = StringField(json, kAccessToken);
  session.refresh_token = StringField(json, kRefreshToken);
  session.tls_ca = StringField(json, kTlsCa);
  return session;
}

absl::Status SessionFile::Save(const SavedSession& session) const {
  absl::Status made = MakeDirectories(Dirname(path_));
  if (!made.ok()) return made;

  google::protobuf::Struct json;
  auto& fields = *json.mutable_fields();
  fields[kServer].set_string_value(session.server);
  fields[kUsername].set_string_value(session.username);
  fields[kAccessToken].set_string_value(session.access_token);
  fields[kRefreshToken].set_string_value(session.refresh_token);
  fields[kTlsCa].set_string_value(session.tls_ca);
  google::protobuf::util::JsonPrintOptions print;
  print.add_whitespace = true;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(json, &text, print).ok()) {
    return absl::InternalError("cannot encode the session");
  }

  // The tokens must never be readable by others, not even for a moment:
  // the file is created 0600 before anything is written to it.
  const std::string temp = absl::StrCat(path_, ".tmp");
  unlink(temp.c_str());
  const int fd =
      open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError("cannot write", temp);
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      absl::Status error = ErrnoError("cannot write", temp);
      close(fd);
      unlink(temp.c_str());
      return error;
    }
    written += static_cast<size_t>(n);
  }
  const bool synced = fsync(fd) == 0;
  if (close(fd) != 0 || !synced) {
    absl::Status error = ErrnoError("cannot write", temp);
    unlink(temp.c_str());
    return error;
  }
  if (rename(temp.c_str(), path_.c_str()) != 0) {
    absl::Status error = ErrnoError("cannot replace", path_);
    unlink(temp.c_str());
    return error;
  }
  return absl::OkStatus();
}

absl::Status SessionFile::Remove() const {
  if (unlink(path_.c_str()) != 0 && errno != ENOENT) {
    return ErrnoError("cannot remove", path_);
  }
  return absl::OkStatus();
}

}  // namespace rehab::rehabctl
