// One connection to the device's local SQLite database file.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<SqlConnection> db,
//                    SqlConnection::Open("/data/app/rehab.db"));
//   RETURN_IF_ERROR(db->Execute("CREATE TABLE ..."));
//
// The file is made readable by its owner only (it holds patient records),
// runs in WAL mode with synchronous=FULL (a committed transaction survives
// a crash or power loss) and secure_delete (erased records are overwritten,
// not merely unlinked). Not thread-safe: its owner serialises use.
#ifndef REHAB_CLIENT_SDK_SRC_SQL_CONNECTION_H_
#define REHAB_CLIENT_SDK_SRC_SQL_CONNECTION_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client-sdk/src/sql_statement.h"

struct sqlite3;

namespace rehab::client::internal {

class SqlConnection {
 public:
  // Opens `path`, creating it when absent. INVALID_ARGUMENT for an empty
  // path; UNAVAILABLE when another process holds the file locked;
  // INTERNAL when it cannot be opened or is not a database.
  static absl::StatusOr<std::unique_ptr<SqlConnection>> Open(
      const std::string& path);
  ~SqlConnection();

  SqlConnection(const SqlConnection&) = delete;
  SqlConnection& operator=(const SqlConnection&) = delete;

  // Runs one or more statements without parameters or results.
  absl::Status Execute(const char* sql);
  // A statement for `sql`, which must be a string that lives as long as the
  // connection (a constant): it is compiled once and kept, keyed by its
  // address. A statement still in use when the same `sql` is asked for
  // again is compiled afresh for the second user.
  absl::StatusOr<SqlStatement> Prepare(const char* sql);

  // The status for SQLite result code `rc` met while doing `what`:
  // UNAVAILABLE for a busy or locked file, RESOURCE_EXHAUSTED for a full
  // disk, INTERNAL otherwise. The message names SQLite's generic text for
  // the code, never a record's content.
  static absl::Status ErrorStatus(int rc, const char* what);

 private:
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };

  explicit SqlConnection(sqlite3* db);

  sqlite3* const db_;
  // Holds its elements in place, so SqlStatements may point at `in_use`.
  std::map<const char*, Cached> cache_;
};

}  // namespace rehab::client::internal

#endif  // REHAB_CLIENT_SDK_SRC_SQL_CONNECTION_H_
