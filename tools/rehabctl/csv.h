// CSV files as spreadsheets export them (RFC 4180): fields separated by
// commas; a field in double quotes may hold commas, line breaks and quotes
// (doubled: ""); lines end in LF or CRLF; a UTF-8 byte order mark at the
// start is ignored.
#ifndef REHAB_TOOLS_REHABCTL_CSV_H_
#define REHAB_TOOLS_REHABCTL_CSV_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace rehab::rehabctl {

// One record (row) of a CSV file.
struct CsvRecord {
  // The line the record starts on, 1-based (a quoted line break makes a
  // record span lines; the next record's number counts them).
  int line = 0;
  std::vector<std::string> fields;
  // Non-empty when the record is malformed ("unterminated quoted field",
  // "text after a closing quote", "3 fields where the header has 10");
  // `fields` then holds what could be read.
  std::string error;
};

// Splits `text` into records. Never fails: a malformed record carries its
// error and the records after it are still read (an unterminated quote
// runs to the end of the text, so it is the last record). A final line
// break does not start an empty record.
std::vector<CsvRecord> ParseCsv(std::string_view text);

// A CSV file whose first record names the columns.
class CsvTable {
 public:
  // INVALID_ARGUMENT when there is no header, or the header is malformed,
  // names a column twice or has an empty name. Column names are matched
  // with surrounding spaces removed and letters lower-cased. Blank lines
  // are skipped; a row whose field count differs from the header's gets an
  // error.
  static absl::StatusOr<CsvTable> Parse(std::string_view text);

  const std::vector<std::string>& columns() const { return columns_; }
  bool HasColumn(const std::string& column) const {
    return index_.count(column) > 0;
  }
  const std::vector<CsvRecord>& rows() const { return rows_; }

  // The field of `row` in `column`; "" when the table has no such column or
  // the row is too short.
  const std::string& Field(const CsvRecord& row,
                           const std::string& column) const;

 private:
  std::vector<std::string> columns_;
  std::map<std::string, size_t> index_;
  std::vector<CsvRecord> rows_;
};

}  // namespace rehab::rehabctl

#endif  // REHAB_TOOLS_REHABCTL_CSV_H_
