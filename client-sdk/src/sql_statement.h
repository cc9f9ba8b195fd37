// A prepared statement on the device's local SQLite database, RAII:
// binds, steps and reads columns; finalized when destroyed.
//
//   ASSIGN_OR_RETURN(SqlStatement s, db.Prepare(kSelectRecord));
//   s.BindText(0, collection);
//   ASSIGN_OR_RETURN(bool row, s.Step());
//   if (row) use(s.ColumnBlob(0));
//
// Bind and column indexes are 0-based. Bound values are copied. A binding
// error is remembered and returned by the next Step or Run. A statement
// from the connection's cache goes back to it (reset, bindings cleared)
// when this object is destroyed; any other is finalized. A statement must
// not outlive its SqlConnection and is used by one thread at a time.
#ifndef REHAB_CLIENT_SDK_SRC_SQL_STATEMENT_H_
#define REHAB_CLIENT_SDK_SRC_SQL_STATEMENT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3_stmt;

namespace rehab::client::internal {

class SqlStatement {
 public:
  // Takes `stmt` (non-null). `in_use` (null for a statement not cached) is
  // the cache slot's flag, cleared when this object lets the statement go.
  SqlStatement(sqlite3_stmt* stmt, bool* in_use);
  ~SqlStatement();

  SqlStatement(SqlStatement&& other) noexcept;
  SqlStatement& operator=(SqlStatement&& other) noexcept;
  SqlStatement(const SqlStatement&) = delete;
  SqlStatement& operator=(const SqlStatement&) = delete;

  void BindNull(int index);
  void BindInt64(int index, int64_t value);
  void BindText(int index, std::string_view value);
  void BindBlob(int index, std::string_view value);

  // True when a row is available, false when the statement is done.
  absl::StatusOr<bool> Step();
  // Steps until done, ignoring rows (INSERT, UPDATE, DELETE).
  absl::Status Run();
  // Rewinds for another Step; bindings are kept.
  void Reset();

  bool ColumnIsNull(int index) const;
  int64_t ColumnInt64(int index) const;
  std::string ColumnText(int index) const;
  std::string ColumnBlob(int index) const;

 private:
  void Release();

  sqlite3_stmt* stmt_;
  bool* in_use_;
  int bind_error_ = 0;  // SQLITE_OK
};

}  // namespace rehab::client::internal

#endif  // REHAB_CLIENT_SDK_SRC_SQL_STATEMENT_H_
