#include "server/storage/connection.h"

#include <sqlite3.h>

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/common/log.h"
#include "server/common/status_macros.h"

namespace rehab::storage {
namespace {

constexpr char kPragmaJournalModeWal[] = "PRAGMA journal_mode=WAL";
constexpr char kPragmaSynchronousFull[] = "PRAGMA synchronous=FULL";
constexpr char kPragmaForeignKeysOn[] = "PRAGMA foreign_keys=ON";
constexpr char kPragmaTempStoreMemory[] = "PRAGMA temp_store=MEMORY";

// Enough of a statement's text to recognise it in a log line.
std::string_view Abbreviate(std::string_view sql) {
  constexpr size_t kMax = 160;
  return sql.size() <= kMax ? sql : sql.substr(0, kMax);
}

bool IsBlank(std::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(
    const std::string& path, const ConnectionOptions& options) {
  // NOMUTEX: every connection is confined to one thread at a time by its
  // owner (the writer thread or a reader lease), so SQLite's own per-call
  // locking would be pure cost.
  const int flags =
      SQLITE_OPEN_NOMUTEX |
      (options.read_only ? SQLITE_OPEN_READONLY
                         : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, options.vfs);
  if (rc != SQLITE_OK) {
    log::Error("sqlite_open_failed",
               {{"path", path},
                {"code", std::to_string(rc)},
                {"detail", db != nullptr ? sqlite3_errmsg(db) : "no memory"}});
    sqlite3_close_v2(db);
    return absl::InternalError("cannot open the database file");
  }
  sqlite3_extended_result_codes(db, 1);
  std::unique_ptr<Connection> connection(
      new Connection(path, db, options.statement_cache_size));
  RETURN_IF_ERROR(connection->ApplyPragmas(options));
  return connection;
}

Connection::Connection(std::string path, sqlite3* db, int statement_cache_size)
    : path_(std::move(path)),
      db_(db),
      statement_cache_size_(statement_cache_size) {}

Connection::~Connection() {
  for (auto& [sql, slot] : cache_) sqlite3_finalize(slot.stmt);
  cache_.clear();
  const int rc = sqlite3_close_v2(db_);
  if (rc != SQLITE_OK) {
    log::Error("sqlite_close_failed",
               {{"path", path_}, {"code", std::to_string(rc)}});
  }
}

absl::Status Connection::ApplyPragmas(const ConnectionOptions& options) {
  sqlite3_busy_timeout(
      db_, static_cast<int>(absl::ToInt64Milliseconds(options.busy_timeout)));
  if (!options.read_only && options.wal) {
    // The pragma answers with the mode in force; a file system without
    // shared memory support leaves the old mode, and the readers would then
    // block the writer.
    ASSIGN_OR_RETURN(Statement mode, GetUniqueStatement(kPragmaJournalModeWal));
    ASSIGN_OR_RETURN(bool row, mode.Step());
    if (!row || absl::AsciiStrToLower(mode.ColumnText(0)) != "wal") {
      log::Error("sqlite_wal_unavailable", {{"path", path_}});
      return absl::InternalError("the database cannot use WAL mode");
    }
  }
  RETURN_IF_ERROR(Execute(kPragmaSynchronousFull));
  RETURN_IF_ERROR(Execute(kPragmaForeignKeysOn));
  // Savepoints and statements that may fail halfway keep the old content
  // of the pages they change in a sub-journal; in a temporary file that is
  // a write system call per page, in memory it is a copy.
  RETURN_IF_ERROR(Execute(kPragmaTempStoreMemory));
  const std::string cache_size =
      absl::StrCat("PRAGMA cache_size=-", std::max(options.page_cache_kib, 0));
  RETURN_IF_ERROR(Execute(cache_size.c_str()));
  return absl::OkStatus();
}

absl::Status Connection::Execute(const char* sql) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return ErrorStatus(rc, sql);
  return absl::OkStatus();
}

absl::StatusOr<sqlite3_stmt*> Connection::Prepare(std::string_view sql,
                                                  bool persistent) {
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(
      db_, sql.data(), static_cast<int>(sql.size()),
      persistent ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, &tail);
  if (rc != SQLITE_OK) return ErrorStatus(rc, sql);
  const size_t used = static_cast<size_t>(tail - sql.data());
  if (stmt == nullptr || !IsBlank(sql.substr(used))) {
    sqlite3_finalize(stmt);
    log::Error("sqlite_prepare_not_one_statement", {{"sql", Abbreviate(sql)}});
    return absl::InternalError("storage error");
  }
  return stmt;
}

absl::StatusOr<Statement> Connection::GetCachedStatement(std::string_view sql) {
  auto it = cache_.find(absl::string_view(sql.data(), sql.size()));
  if (it != cache_.end()) {
    CachedStatement& slot = it->second;
    // In use means a caller is still iterating it (a nested query with the
    // same text): give this caller its own.
    if (slot.in_use) return GetUniqueStatement(sql);
    slot.in_use = true;
    return Statement(this, slot.stmt, &slot.in_use);
  }
  const bool cacheable =
      static_cast<int>(cache_.size()) < statement_cache_size_;
  ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql, cacheable));
  if (!cacheable) {
    return Statement(this, stmt, nullptr);
  }
  auto [slot, inserted] =
      cache_.emplace(std::string(sql), CachedStatement{stmt, true});
  return Statement(this, stmt, &slot->second.in_use);
}

absl::StatusOr<Statement> Connection::GetUniqueStatement(std::string_view sql) {
  ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql, /*persistent=*/false));
  return Statement(this, stmt, nullptr);
}

bool Connection::in_transaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

int64_t Connection::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}

absl::Status Connection::ErrorStatus(int rc, std::string_view operation) const {
  const int primary = rc & 0xff;
  absl::Status status;
  log::Level level = log::Level::kError;
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      status = absl::UnavailableError("the database is busy");
      level = log::Level::kWarn;
      break;
    case SQLITE_FULL:
      status = absl::ResourceExhaustedError("storage is full");
      break;
    case SQLITE_CONSTRAINT:
      // Expected outcomes of a write (a taken username, a second open
      // enrollment); the repositories decide what they mean.
      level = log::Level::kDebug;
      if (rc == SQLITE_CONSTRAINT_UNIQUE ||
          rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        status = absl::AlreadyExistsError("the record already exists");
      } else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
        status = absl::FailedPreconditionError(
            "a record this one refers to does not exist");
      } else {
        status = absl::InternalError("storage error");
        level = log::Level::kError;
      }
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      status = absl::InternalError("the database file is damaged");
      break;
    case SQLITE_CANTOPEN:
      status = absl::InternalError("cannot open the database file");
      break;
    default:
      status = absl::InternalError("storage error");
      break;
  }
  if (log::Enabled(level)) {
    log::Write(level, "sqlite_error",
               {{"path", path_},
                {"code", std::to_string(rc)},
                {"detail", sqlite3_errmsg(db_)},
                {"sql", Abbreviate(operation)}});
  }
  return status;
}

}  // namespace rehab::storage
