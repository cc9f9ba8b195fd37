#include "client-sdk/src/sql_statement.h"

#include <sqlite3.h>

#include <utility>

#include "client-sdk/src/sql_connection.h"

namespace rehab::client::internal {

SqlStatement::SqlStatement(sqlite3_stmt* stmt, bool* in_use)
    : stmt_(stmt), in_use_(in_use) {}

SqlStatement::~SqlStatement() { Release(); }

SqlStatement::SqlStatement(SqlStatement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      bind_error_(other.bind_error_) {}

SqlStatement& SqlStatement::operator=(SqlStatement&& other) noexcept {
  if (this != &other) {
    Release();
    stmt_ = std::exchange(other.stmt_, nullptr);
    in_use_ = std::exchange(other.in_use_, nullptr);
    bind_error_ = other.bind_error_;
  }
  return *this;
}

void SqlStatement::Release() {
  if (stmt_ == nullptr) return;
  if (in_use_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    *in_use_ = false;
  } else {
    sqlite3_finalize(stmt_);
  }
  stmt_ = nullptr;
  in_use_ = nullptr;
}

void SqlStatement::BindNull(int index) {
  const int rc = sqlite3_bind_null(stmt_, index + 1);
  if (rc != SQLITE_OK) bind_error_ = rc;
}

void SqlStatement::BindInt64(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index + 1, value);
  if (rc != SQLITE_OK) bind_error_ = rc;
}

void SqlStatement::BindText(int index, std::string_view value) {
  const int rc =
      sqlite3_bind_text64(stmt_, index + 1, value.data(), value.size(),
                          SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) bind_error_ = rc;
}

void SqlStatement::BindBlob(int index, std::string_view value) {
  // A zero-length blob, not NULL, for an empty value.
  const int rc = sqlite3_bind_blob64(stmt_, index + 1, value.data(),
                                     value.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) bind_error_ = rc;
}

absl::StatusOr<bool> SqlStatement::Step() {
  if (bind_error_ != SQLITE_OK) {
    return SqlConnection::ErrorStatus(bind_error_, "bind");
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqlConnection::ErrorStatus(rc, "step");
}

absl::Status SqlStatement::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

void SqlStatement::Reset() { sqlite3_reset(stmt_); }

bool SqlStatement::ColumnIsNull(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

int64_t SqlStatement::ColumnInt64(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

std::string SqlStatement::ColumnText(int index) const {
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text),
                     sqlite3_column_bytes(stmt_, index));
}

std::string SqlStatement::ColumnBlob(int index) const {
  const void* blob = sqlite3_column_blob(stmt_, index);
  if (blob == nullptr) return "";
  return std::string(static_cast<const char*>(blob),
                     sqlite3_column_bytes(stmt_, index));
}

}  // namespace rehab::client::internal
