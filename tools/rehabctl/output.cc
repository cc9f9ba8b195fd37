#include "tools/rehabctl/output.h"

#include "tools/rehabctl/proto_text.h"
#include "tools/rehabctl/table.h"

namespace rehab::rehabctl {

void Output::List(const std::vector<const google::protobuf::Message*>& records,
                  const std::vector<Column>& columns) {
  if (json_) {
    for (const auto* record : records) out_ << ToJson(*record) << "\n";
    return;
  }
  std::vector<std::string> header;
  for (const Column& column : columns) header.push_back(column.header);
  Table table(std::move(header));
  for (const auto* record : records) {
    std::vector<std::string> cells;
    for (const Column& column : columns) {
      cells.push_back(column.text ? column.text(*record)
                                  : FieldText(*record, column.path));
    }
    table.AddRow(std::move(cells));
  }
  table.Print(out_);
}

void Output::Record(const google::protobuf::Message& record) {
  if (json_) {
    out_ << ToJson(record) << "\n";
    return;
  }
  Table table({});
  for (auto& [path, text] : SetFields(record)) {
    table.AddRow({path, std::move(text)});
  }
  table.Print(out_);
}

void Output::Note(const std::string& text) {
  if (!json_) out_ << text << "\n";
}

void Output::JsonLine(const std::string& json) {
  if (json_) out_ << json << "\n";
}

}  // namespace rehab::rehabctl
