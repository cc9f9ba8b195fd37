// A prepared SQLite statement, RAII: binds, steps and reads columns.
//
//   ASSIGN_OR_RETURN(Statement s, conn.GetCachedStatement(kSelectAreaById));
//   s.BindText(0, id);
//   ASSIGN_OR_RETURN(bool row, s.Step());
//   if (row) use(s.ColumnBlob(0));
//
// Bind and column indexes are both 0-based. Bound values are copied, so a
// temporary may be bound. Binding errors are remembered and returned by the
// next Step or Run. A statement from a connection's cache goes back to the
// cache (reset, bindings cleared) when this object is destroyed; any other
// is finalized. A Statement must not outlive its Connection and, like it,
// is used by one thread at a time.
#ifndef REHAB_SERVER_STORAGE_STATEMENT_H_
#define REHAB_SERVER_STORAGE_STATEMENT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3_stmt;

namespace rehab::storage {

class Connection;

class Statement {
 public:
  // An invalid statement (is_valid() false); only assignment makes it
  // useful.
  Statement() = default;
  // Takes `stmt`. `in_use` (may be null) is the cache slot's flag, cleared
  // when this object lets the statement go.
  Statement(Connection* connection, sqlite3_stmt* stmt, bool* in_use);
  ~Statement();

  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool is_valid() const { return stmt_ != nullptr; }

  void BindNull(int index);
  void BindInt64(int index, int64_t value);
  void BindBool(int index, bool value) { BindInt64(index, value ? 1 : 0); }
  void BindText(int index, std::string_view value);
  // Binds NULL for an empty `value`, else the text (for nullable columns
  // whose absence the API spells as an empty string).
  void BindTextOrNull(int index, std::string_view value);
  void BindBlob(int index, std::string_view value);

  // Advances to the next row: true when a row is available, false when the
  // statement is done. Errors are converted by Connection::ErrorStatus.
  absl::StatusOr<bool> Step();

  // Steps until done, ignoring any rows (INSERT, UPDATE, DELETE, DDL).
  absl::Status Run();

  // Rewinds the statement so it can be stepped again; bindings are kept.
  void Reset();

  // Column readers for the current row. Views stay valid until the next
  // Step, Reset or destruction.
  bool ColumnIsNull(int index) const;
  int64_t ColumnInt64(int index) const;
  bool ColumnBool(int index) const { return ColumnInt64(index) != 0; }
  std::string_view ColumnTextView(int index) const;
  std::string ColumnText(int index) const {
    return std::string(ColumnTextView(index));
  }
  std::string_view ColumnBlobView(int index) const;
  std::string ColumnBlob(int index) const {
    return std::string(ColumnBlobView(index));
  }

 private:
  void Release();
  void NoteBindResult(int rc);

  Connection* connection_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  bool* in_use_ = nullptr;
  int bind_error_ = 0;  // SQLITE_OK
};

}  // namespace rehab::storage

#endif  // REHAB_SERVER_STORAGE_STATEMENT_H_
