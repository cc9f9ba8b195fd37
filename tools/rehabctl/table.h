// Aligned text tables for people to read.
//
//   Table table({"ID", "NAME"});
//   table.AddRow({"3f2a…", "王小明"});
//   table.Print(std::cout);
//
// prints
//
//   ID      NAME
//   3f2a…   王小明
//
// Columns are as wide as their widest cell, counted in terminal columns
// (CJK characters take two), separated by two spaces; the last column is
// not padded.
#ifndef REHAB_TOOLS_REHABCTL_TABLE_H_
#define REHAB_TOOLS_REHABCTL_TABLE_H_

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace rehab::rehabctl {

class Table {
 public:
  // `header` may be empty: a table without a header row (e.g. the
  // "field  value" lines of one record).
  explicit Table(std::vector<std::string> header);

  // Cells past the header's width are kept; missing cells print empty.
  void AddRow(std::vector<std::string> cells);
  size_t size() const { return rows_.size(); }

  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// The number of terminal columns `text` (UTF-8) occupies: two for East
// Asian wide and full-width characters, none for combining marks, one
// otherwise; control characters and invalid bytes count one each.
size_t DisplayWidth(std::string_view text);

}  // namespace rehab::rehabctl

#endif  // REHAB_TOOLS_REHABCTL_TABLE_H_
