// One SQLite database connection, RAII, with a cache of prepared statements.
//
//   ConnectionOptions options;
//   options.read_only = true;
//   ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn,
//                    Connection::Open("/var/lib/rehab/rehab.db", options));
//   ASSIGN_OR_RETURN(Statement s, conn->GetCachedStatement(kSelectX));
//
// Errors never carry SQLite's own text (it may name tables and constraints
// and is no business of a client): ErrorStatus logs the detail and returns
// a status with a generic message, choosing the code a caller acts on:
//   SQLITE_BUSY, SQLITE_LOCKED          UNAVAILABLE (retry later)
//   SQLITE_FULL                         RESOURCE_EXHAUSTED
//   UNIQUE / PRIMARY KEY constraint     ALREADY_EXISTS (repositories
//                                       replace the message and add a
//                                       reason)
//   FOREIGN KEY constraint              FAILED_PRECONDITION
//   anything else                       INTERNAL
//
// Not thread-safe: one thread at a time uses a connection and its
// statements (SQLite is opened without its per-connection mutex).
#ifndef REHAB_SERVER_STORAGE_CONNECTION_H_
#define REHAB_SERVER_STORAGE_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/storage/statement.h"

struct sqlite3;
struct sqlite3_stmt;

namespace rehab::storage {

struct ConnectionOptions {
  // Open with SQLITE_OPEN_READONLY; the file must exist.
  bool read_only = false;
  // Put the database in WAL mode (read-write connections only). Off for
  // files that must stay a single self-contained file, e.g. a backup.
  bool wal = true;
  // How long a statement waits for a lock held by another connection
  // before failing with UNAVAILABLE.
  absl::Duration busy_timeout = absl::Seconds(5);
  // At most this many distinct SQL texts are kept prepared; statements
  // beyond it are prepared per use.
  int statement_cache_size = 256;
  // SQLite's page cache of this connection, in KiB (SQLite's default is
  // 2000). The writer wants the hot index pages of every table to stay in
  // memory between groups.
  int page_cache_kib = 8 * 1024;
  // The name of a registered SQLite VFS to open the file through; null for
  // the default one.
  const char* vfs = nullptr;
};

class Connection {
 public:
  // Opens (a read-write connection creates) the database at `path` and
  // applies the pragmas: journal_mode=WAL (unless !wal), synchronous=FULL,
  // foreign_keys=ON, temp_store=MEMORY, the page cache size and the busy
  // timeout. INTERNAL (logged) when the file cannot be opened or is not a
  // database.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(
      const std::string& path, const ConnectionOptions& options);

  // Finalizes the cached statements and closes the database. Every
  // Statement taken from this connection must be gone by then.
  ~Connection();

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql`, which may hold several statements and returns no rows that
  // matter (DDL, pragmas, transaction control). `sql` is not cached.
  absl::Status Execute(const char* sql);

  // A prepared statement for `sql` (one SQL statement), from the cache when
  // it holds one that is not in use. The statement returns to the cache
  // when the Statement object is destroyed.
  absl::StatusOr<Statement> GetCachedStatement(std::string_view sql);

  // A freshly prepared statement for `sql`, finalized on destruction.
  absl::StatusOr<Statement> GetUniqueStatement(std::string_view sql);

  // True while a transaction is open on this connection (SQLite leaves
  // autocommit mode). SQLite may roll a transaction back by itself after an
  // I/O error or a full disk; this tells.
  bool in_transaction() const;

  // The rowid of the last row inserted through this connection.
  int64_t last_insert_rowid() const;

  // Converts SQLite result code `rc` of `operation` to a status as the
  // file comment describes, logging SQLite's detail. `rc` must be an error.
  absl::Status ErrorStatus(int rc, std::string_view operation) const;

  const std::string& path() const { return path_; }

  // The raw handle, for the few SQLite APIs without a wrapper here (online
  // backup). Owned by this object.
  sqlite3* db() const { return db_; }

 private:
  struct CachedStatement {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };

  Connection(std::string path, sqlite3* db, int statement_cache_size);

  absl::Status ApplyPragmas(const ConnectionOptions& options);
  // `persistent`: the statement will be kept and reused (a hint to SQLite's
  // allocator).
  absl::StatusOr<sqlite3_stmt*> Prepare(std::string_view sql, bool persistent);

  const std::string path_;
  sqlite3* const db_;
  const int statement_cache_size_;
  // Node-based so that a slot's `in_use` flag keeps its address while the
  // map grows.
  absl::node_hash_map<std::string, CachedStatement> cache_;
};

}  // namespace rehab::storage

#endif  // REHAB_SERVER_STORAGE_CONNECTION_H_
