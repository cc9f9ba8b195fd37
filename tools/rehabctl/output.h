// Where rehabctl's results go: aligned tables for people by default, or
// with --json one JSON object per line (JSON Lines: one line per record of
// a list, one line for a single record), for scripts (`| jq`).
#ifndef REHAB_TOOLS_REHABCTL_OUTPUT_H_
#define REHAB_TOOLS_REHABCTL_OUTPUT_H_

#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/message.h"

namespace rehab::rehabctl {

class Output {
 public:
  // A column of a list: its header and the field it shows (a FieldText
  // path, e.g. "guardian.phone"), or text made from the whole record (a
  // figure no single field holds, e.g. a percentage).
  struct Column {
    using Text = std::function<std::string(const google::protobuf::Message&)>;

    Column(std::string header, std::string path)
        : header(std::move(header)), path(std::move(path)) {}
    Column(std::string header, Text text)
        : header(std::move(header)), text(std::move(text)) {}

    std::string header;
    std::string path;
    Text text;  // when set, shown instead of `path`
  };

  Output(bool json, std::ostream& out) : json_(json), out_(out) {}

  bool json() const { return json_; }

  // A table of `records` with `columns` (the header alone when there are
  // none), or one JSON line per record.
  void List(const std::vector<const google::protobuf::Message*>& records,
            const std::vector<Column>& columns);

  template <typename Record>
  void List(const std::vector<Record>& records,
            const std::vector<Column>& columns) {
    std::vector<const google::protobuf::Message*> pointers;
    pointers.reserve(records.size());
    for (const Record& record : records) pointers.push_back(&record);
    List(pointers, columns);
  }

  // One record: its set fields as "field  value" lines, or one JSON line.
  void Record(const google::protobuf::Message& record);

  // A sentence for people ("Logged out."); nothing in --json mode.
  void Note(const std::string& text);

  // A line printed as is in --json mode (the caller writes the JSON);
  // nothing otherwise.
  void JsonLine(const std::string& json);

 private:
  const bool json_;
  std::ostream& out_;
};

}  // namespace rehab::rehabctl

#endif  // REHAB_TOOLS_REHABCTL_OUTPUT_H_
