#include "server/storage/statement.h"

#include <sqlite3.h>

#include <utility>

#include "server/storage/connection.h"

namespace rehab::storage {

Statement::Statement(Connection* connection, sqlite3_stmt* stmt, bool* in_use)
    : connection_(connection), stmt_(stmt), in_use_(in_use) {}

Statement::~Statement() { Release(); }

Statement::Statement(Statement&& other) noexcept
    : connection_(std::exchange(other.connection_, nullptr)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      bind_error_(std::exchange(other.bind_error_, SQLITE_OK)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    Release();
    connection_ = std::exchange(other.connection_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
    in_use_ = std::exchange(other.in_use_, nullptr);
    bind_error_ = std::exchange(other.bind_error_, SQLITE_OK);
  }
  return *this;
}

void Statement::Release() {
  if (stmt_ == nullptr) return;
  if (in_use_ != nullptr) {
    // Back to the cache: an unreset statement would keep its read
    // transaction (and the WAL snapshot) alive.
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    *in_use_ = false;
  } else {
    sqlite3_finalize(stmt_);
  }
  stmt_ = nullptr;
  in_use_ = nullptr;
  connection_ = nullptr;
  bind_error_ = SQLITE_OK;
}

void Statement::NoteBindResult(int rc) {
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

void Statement::BindNull(int index) {
  NoteBindResult(sqlite3_bind_null(stmt_, index + 1));
}

void Statement::BindInt64(int index, int64_t value) {
  NoteBindResult(sqlite3_bind_int64(stmt_, index + 1, value));
}

void Statement::BindText(int index, std::string_view value) {
  // A non-null pointer even for "", so the value is '' and not NULL.
  static constexpr char kEmpty[] = "";
  NoteBindResult(sqlite3_bind_text64(
      stmt_, index + 1, value.empty() ? kEmpty : value.data(), value.size(),
      SQLITE_TRANSIENT, SQLITE_UTF8));
}

void Statement::BindTextOrNull(int index, std::string_view value) {
  if (value.empty()) {
    BindNull(index);
  } else {
    BindText(index, value);
  }
}

void Statement::BindBlob(int index, std::string_view value) {
  static constexpr char kEmpty[] = "";
  NoteBindResult(sqlite3_bind_blob64(stmt_, index + 1,
                                     value.empty() ? kEmpty : value.data(),
                                     value.size(), SQLITE_TRANSIENT));
}

absl::StatusOr<bool> Statement::Step() {
  if (stmt_ == nullptr) {
    return absl::InternalError("storage error: statement not prepared");
  }
  if (bind_error_ != SQLITE_OK) {
    return connection_->ErrorStatus(bind_error_, sqlite3_sql(stmt_));
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  absl::Status status = connection_->ErrorStatus(rc, sqlite3_sql(stmt_));
  // Leave the statement ready for another use (a cached one especially).
  sqlite3_reset(stmt_);
  return status;
}

absl::Status Statement::Run() {
  for (;;) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

void Statement::Reset() {
  if (stmt_ != nullptr) sqlite3_reset(stmt_);
}

bool Statement::ColumnIsNull(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

int64_t Statement::ColumnInt64(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

std::string_view Statement::ColumnTextView(int index) const {
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  if (text == nullptr) return {};
  return std::string_view(
      reinterpret_cast<const char*>(text),
      static_cast<size_t>(sqlite3_column_bytes(stmt_, index)));
}

std::string_view Statement::ColumnBlobView(int index) const {
  const void* blob = sqlite3_column_blob(stmt_, index);
  if (blob == nullptr) return {};
  return std::string_view(
      static_cast<const char*>(blob),
      static_cast<size_t>(sqlite3_column_bytes(stmt_, index)));
}

}  // namespace rehab::storage
