#include "tools/rehabctl/patient_import.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "rehab/client/errors.h"
#include "rehab/client/ids.h"
#include "tools/rehabctl/area_codes.h"
#include "tools/rehabctl/csv.h"
#include "tools/rehabctl/exit_codes.h"

namespace rehab::rehabctl {
namespace {

constexpr char kName[] = "name";
constexpr char kIdNumber[] = "id_number";
constexpr char kCardNumber[] = "disability_card_number";
constexpr char kAreaCode[] = "area_code";
constexpr char kFacilityId[] = "facility_id";
constexpr char kAddress[] = "address";
constexpr char kPhone[] = "phone";
constexpr char kGuardianName[] = "guardian_name";
constexpr char kGuardianRelation[] = "guardian_relation";
constexpr char kGuardianPhone[] = "guardian_phone";

const std::vector<std::string>& RequiredColumns() {
  static const auto* const kColumns =
      new std::vector<std::string>{kName, kIdNumber, kAreaCode};
  return *kColumns;
}

const std::vector<std::string>& KnownColumns() {
  static const auto* const kColumns = new std::vector<std::string>{
      kName,    kIdNumber, kCardNumber,   kAreaCode,         kFacilityId,
      kAddress, kPhone,    kGuardianName, kGuardianRelation, kGuardianPhone};
  return *kColumns;
}

absl::Status CheckColumns(const CsvTable& table) {
  std::vector<std::string> missing;
  for (const std::string& column : RequiredColumns()) {
    if (!table.HasColumn(column)) missing.push_back(column);
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the header lacks the column(s) ", absl::StrJoin(missing, ", ")));
  }
  const std::vector<std::string>& known = KnownColumns();
  for (const std::string& column : table.columns()) {
    if (std::find(known.begin(), known.end(), column) == known.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown column \"", column, "\"; the columns are ",
                       absl::StrJoin(known, ", ")));
    }
  }
  return absl::OkStatus();
}

// After one of these no later row can succeed either.
bool StopsTheImport(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return true;
    default:
      return false;
  }
}

// The CSV column a field path of CreatePatientRequest came from, so that
// the report speaks of the file the user wrote.
std::string ColumnOf(const std::string& field) {
  std::string path = field;
  constexpr std::string_view kPrefix = "patient.";
  if (path.compare(0, kPrefix.size(), kPrefix) == 0) {
    path = path.substr(kPrefix.size());
  }
  if (path == "area_id") return kAreaCode;
  if (path == "id") return kIdNumber;
  if (path == "guardian.name") return kGuardianName;
  if (path == "guardian.relation") return kGuardianRelation;
  if (path == "guardian.phone") return kGuardianPhone;
  const std::vector<std::string>& known = KnownColumns();
  if (std::find(known.begin(), known.end(), path) != known.end()) return path;
  return field;
}

std::string Trimmed(const std::string& text) {
  std::string out = text;
  absl::StripAsciiWhitespace(&out);
  return out;
}

class Importer {
 public:
  Importer(client::Client& client, const CsvTable& table, std::ostream& err,
           bool show_progress)
      : client_(client),
        table_(table),
        err_(err),
        show_progress_(show_progress),
        areas_(client) {}

  ImportSummary Run() {
    const std::vector<CsvRecord>& rows = table_.rows();
    for (size_t i = 0; i < rows.size(); ++i) {
      DrawProgress(i, rows.size());
      ImportRow(rows[i]);
      if (!summary_.stopped.ok()) {
        summary_.not_tried = static_cast<int64_t>(rows.size() - i - 1);
        break;
      }
    }
    ClearProgress();
    return summary_;
  }

 private:
  std::string Field(const CsvRecord& row, const std::string& column) const {
    return Trimmed(table_.Field(row, column));
  }

  void ImportRow(const CsvRecord& row) {
    if (!row.error.empty()) return Fail(row, row.error);
    rehab::v1::CreatePatientRequest request;
    rehab::v1::Patient& patient = *request.mutable_patient();
    patient.set_name(Field(row, kName));
    patient.set_id_number(Field(row, kIdNumber));
    if (patient.id_number().empty()) {
      return Fail(row, absl::StrCat("column ", kIdNumber, ": required"));
    }
    patient.set_id(client::PatientIdForIdNumber(patient.id_number()));
    patient.set_disability_card_number(Field(row, kCardNumber));
    const std::string area_code = Field(row, kAreaCode);
    if (area_code.empty()) {
      return Fail(row, absl::StrCat("column ", kAreaCode, ": required"));
    }
    absl::StatusOr<std::string> area_id = areas_.IdOf(area_code);
    if (!area_id.ok()) {
      if (area_id.status().code() != absl::StatusCode::kNotFound) {
        return Stop(row, area_id.status());
      }
      return Fail(row, absl::StrCat("column ", kAreaCode, ": ",
                                    area_id.status().message()));
    }
    patient.set_area_id(*area_id);
    patient.set_facility_id(Field(row, kFacilityId));
    patient.set_address(Field(row, kAddress));
    patient.set_phone(Field(row, kPhone));
    const std::string guardian_name = Field(row, kGuardianName);
    const std::string guardian_relation = Field(row, kGuardianRelation);
    const std::string guardian_phone = Field(row, kGuardianPhone);
    if (!guardian_name.empty() || !guardian_relation.empty() ||
        !guardian_phone.empty()) {
      patient.mutable_guardian()->set_name(guardian_name);
      patient.mutable_guardian()->set_relation(guardian_relation);
      patient.mutable_guardian()->set_phone(guardian_phone);
    }

    // Whether the record was there before tells "created" from
    // "unchanged"; the create itself still runs, so that the server
    // compares the content (other content is ALREADY_EXISTS).
    rehab::v1::GetPatientRequest get;
    get.set_id(patient.id());
    absl::StatusOr<rehab::v1::Patient> existing = client_.GetPatient(get);
    if (!existing.ok() &&
        existing.status().code() != absl::StatusCode::kNotFound) {
      if (StopsTheImport(existing.status())) {
        return Stop(row, existing.status());
      }
      return Fail(row, existing.status());
    }
    absl::StatusOr<rehab::v1::Patient> created = client_.CreatePatient(request);
    if (!created.ok()) {
      if (StopsTheImport(created.status())) {
        return Stop(row, created.status());
      }
      return Fail(row, created.status());
    }
    if (existing.ok()) {
      ++summary_.unchanged;
    } else {
      ++summary_.created;
    }
  }

  void Fail(const CsvRecord& row, const std::string& why) {
    ++summary_.failed;
    ClearProgress();
    err_ << "line " << row.line << ": " << why << "\n";
  }

  void Fail(const CsvRecord& row, const absl::Status& status) {
    Fail(row, DescribeStatus(status));
    for (const client::FieldViolation& v : client::FieldViolationsOf(status)) {
      err_ << "  column " << ColumnOf(v.field) << ": " << v.description << "\n";
    }
  }

  void Stop(const CsvRecord& row, const absl::Status& status) {
    Fail(row, status);
    summary_.stopped = status;
  }

  void DrawProgress(size_t done, size_t total) {
    if (!show_progress_) return;
    constexpr size_t kWidth = 30;
    const size_t filled = total == 0 ? kWidth : done * kWidth / total;
    err_ << "\r[" << std::string(filled, '#')
         << std::string(kWidth - filled, ' ') << "] " << done << "/" << total
         << std::flush;
    progress_drawn_ = true;
  }

  void ClearProgress() {
    if (!progress_drawn_) return;
    err_ << "\r\033[K" << std::flush;
    progress_drawn_ = false;
  }

  client::Client& client_;
  const CsvTable& table_;
  std::ostream& err_;
  const bool show_progress_;
  AreaCodes areas_;
  ImportSummary summary_;
  bool progress_drawn_ = false;
};

}  // namespace

absl::StatusOr<ImportSummary> ImportPatients(client::Client& client,
                                             std::string_view csv_text,
                                             std::ostream& err,
                                             bool show_progress) {
  absl::StatusOr<CsvTable> table = CsvTable::Parse(csv_text);
  if (!table.ok()) return table.status();
  absl::Status columns = CheckColumns(*table);
  if (!columns.ok()) return columns;
  return Importer(client, *table, err, show_progress).Run();
}

}  // namespace rehab::rehabctl
