#include "client-sdk/src/sql_connection.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace rehab::client::internal {
namespace {

// How long a statement waits for another connection's lock (a second
// process on the same file) before failing UNAVAILABLE.
constexpr int kBusyTimeoutMs = 5000;

constexpr char kConnectionPragmas[] =
    "PRAGMA journal_mode = WAL;"
    "PRAGMA synchronous = FULL;"
    "PRAGMA secure_delete = ON;"
    "PRAGMA foreign_keys = ON;";

}  // namespace

absl::Status SqlConnection::ErrorStatus(int rc, const char* what) {
  std::string message =
      absl::StrCat("local database: ", what, ": ", sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message);
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::StatusOr<std::unique_ptr<SqlConnection>> SqlConnection::Open(
    const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("local_db_path: empty");
  // SQLite would create the file world-readable under a usual umask; make
  // it first so that only the owner can read the records in it.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("local database: cannot open ", path));
  }
  ::close(fd);
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close(db);
    return ErrorStatus(rc, "open");
  }
  std::unique_ptr<SqlConnection> connection(new SqlConnection(db));
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  sqlite3_extended_result_codes(db, 1);
  absl::Status pragmas = connection->Execute(kConnectionPragmas);
  if (!pragmas.ok()) return pragmas;
  return connection;
}

SqlConnection::SqlConnection(sqlite3* db) : db_(db) {}

SqlConnection::~SqlConnection() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close_v2(db_);
}

absl::Status SqlConnection::Execute(const char* sql) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return ErrorStatus(rc, "execute");
  return absl::OkStatus();
}

absl::StatusOr<SqlStatement> SqlConnection::Prepare(const char* sql) {
  auto [slot, added] = cache_.try_emplace(sql);
  Cached& cached = slot->second;
  if (!added && !cached.in_use) {
    cached.in_use = true;
    return SqlStatement(cached.stmt, &cached.in_use);
  }
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(
      db_, sql, -1, added ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    if (added) cache_.erase(slot);
    return ErrorStatus(rc, "prepare");
  }
  if (!added) return SqlStatement(stmt, nullptr);
  cached.stmt = stmt;
  cached.in_use = true;
  return SqlStatement(stmt, &cached.in_use);
}

}  // namespace rehab::client::internal
