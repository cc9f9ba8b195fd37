#include "tools/rehabctl/csv.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace rehab::rehabctl {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

bool IsBlank(const CsvRecord& record) {
  return record.error.empty() && record.fields.size() == 1 &&
         record.fields[0].empty();
}

// Reads one record starting at `pos` (which moves past it) from `text`.
class RecordReader {
 public:
  RecordReader(std::string_view text, size_t& pos, int& line)
      : text_(text), pos_(pos), line_(line) {}

  CsvRecord Read() {
    CsvRecord record;
    record.line = line_;
    std::string field;
    bool quoted = false;       // inside a quoted field
    bool after_quote = false;  // a quoted field just closed
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (quoted) {
        if (c == '"') {
          if (pos_ < text_.size() && text_[pos_] == '"') {
            field.push_back('"');
            ++pos_;
          } else {
            quoted = false;
            after_quote = true;
          }
        } else {
          if (c == '\n') ++line_;
          field.push_back(c);
        }
        continue;
      }
      if (c == ',') {
        record.fields.push_back(std::move(field));
        field.clear();
        after_quote = false;
      } else if (c == '\n' || (c == '\r' && Peek() == '\n')) {
        if (c == '\r') ++pos_;
        ++line_;
        record.fields.push_back(std::move(field));
        return record;
      } else if (c == '"' && field.empty() && !after_quote) {
        quoted = true;
      } else {
        if (after_quote && record.error.empty()) {
          record.error = "text after a closing quote";
        }
        field.push_back(c);
      }
    }
    if (quoted) record.error = "unterminated quoted field";
    record.fields.push_back(std::move(field));
    return record;
  }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  std::string_view text_;
  size_t& pos_;
  int& line_;
};

}  // namespace

std::vector<CsvRecord> ParseCsv(std::string_view text) {
  if (text.substr(0, kByteOrderMark.size()) == kByteOrderMark) {
    text.remove_prefix(kByteOrderMark.size());
  }
  std::vector<CsvRecord> records;
  size_t pos = 0;
  int line = 1;
  while (pos < text.size()) {
    records.push_back(RecordReader(text, pos, line).Read());
  }
  return records;
}

absl::StatusOr<CsvTable> CsvTable::Parse(std::string_view text) {
  std::vector<CsvRecord> records = ParseCsv(text);
  size_t first = 0;
  while (first < records.size() && IsBlank(records[first])) ++first;
  if (first == records.size()) {
    return absl::InvalidArgumentError("no header row naming the columns");
  }
  const CsvRecord& header = records[first];
  if (!header.error.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", header.line, ": header: ", header.error));
  }
  CsvTable table;
  for (const std::string& raw : header.fields) {
    std::string name = absl::AsciiStrToLower(raw);
    absl::StripAsciiWhitespace(&name);
    if (name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", header.line, ": header: column ",
                       table.columns_.size() + 1, " has no name"));
    }
    if (!table.index_.emplace(name, table.columns_.size()).second) {
      return absl::InvalidArgumentError(absl::StrCat("line ", header.line,
                                                     ": header: column \"",
                                                     name, "\" appears twice"));
    }
    table.columns_.push_back(std::move(name));
  }
  for (size_t i = first + 1; i < records.size(); ++i) {
    CsvRecord& row = records[i];
    if (IsBlank(row)) continue;
    if (row.error.empty() && row.fields.size() != table.columns_.size()) {
      row.error =
          absl::StrCat(row.fields.size(), " fields where the header has ",
                       table.columns_.size());
    }
    table.rows_.push_back(std::move(row));
  }
  return table;
}

const std::string& CsvTable::Field(const CsvRecord& row,
                                   const std::string& column) const {
  static const std::string* const kEmpty = new std::string();
  auto it = index_.find(column);
  if (it == index_.end() || it->second >= row.fields.size()) return *kEmpty;
  return row.fields[it->second];
}

}  // namespace rehab::rehabctl
