#include "tools/bench/sqlite_insert_baseline.h"

#include <stdlib.h>  // mkdtemp

#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "server/common/ids.h"
#include "server/common/status_macros.h"
#include "server/domain/caller.h"
#include "server/domain/resource.h"
#include "server/domain/validation.h"
#include "server/storage/connection.h"
#include "server/storage/statement.h"
#include "server/storage/transaction.h"
#include "tools/bench/bench_patients.h"

namespace rehab::bench {
namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE patients (
  id TEXT PRIMARY KEY NOT NULL,
  id_number TEXT NOT NULL UNIQUE,
  area_id TEXT NOT NULL,
  change_seq INTEGER NOT NULL,
  body BLOB NOT NULL
);
CREATE INDEX patients_by_area ON patients (area_id, id);
)sql";

constexpr char kInsertRow[] =
    "INSERT INTO patients (id, id_number, area_id, change_seq, body) "
    "VALUES (?, ?, ?, ?, ?)";

constexpr char kDeviceId[] = "rehab_load";
// A change_seq of a busy server's size, so the stored body has its length.
constexpr int64_t kTypicalChangeSeq = 1000000;

std::string TempRoot(const std::string& directory) {
  if (!directory.empty()) return directory;
  const char* tmpdir = std::getenv("TMPDIR");
  return tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
}

// A bench patient in the form rehabd stores a pushed one: validated (sex
// and birth date filled from the ID number) and stamped as created by an
// account from this tool's device.
absl::StatusOr<rehab::v1::Patient> StoredBenchPatient(
    const std::string& area_id) {
  rehab::v1::Patient patient =
      NewBenchPatient(SyntheticIdNumbers::AtIndex(0), area_id);
  patient.set_id(NewUuid());
  const absl::Time now = absl::Now();
  RETURN_IF_ERROR(
      ValidatePatient(patient, absl::ToCivilDay(now, absl::UTCTimeZone())));
  Caller caller;
  caller.account_id = NewUuid();
  caller.device_id = kDeviceId;
  RETURN_IF_ERROR(StampCreate(patient, caller, now, "patient"));
  patient.set_change_seq(kTypicalChangeSeq);
  return patient;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteInsertBaseline>>
SqliteInsertBaseline::Create(const Options& options) {
  if (options.rows_per_transaction < 1) {
    return absl::InvalidArgumentError(
        "sqlite_insert: rows_per_transaction must be at least 1");
  }
  const std::string area_id =
      options.area_id.empty() ? NewUuid() : options.area_id;
  ASSIGN_OR_RETURN(rehab::v1::Patient row, StoredBenchPatient(area_id));

  std::string pattern =
      absl::StrCat(TempRoot(options.directory), "/rehab_load-XXXXXX");
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("sqlite_insert: cannot make a folder like ", pattern));
  }
  const std::string folder(buffer.data());
  absl::StatusOr<std::unique_ptr<storage::Connection>> connection =
      storage::Connection::Open(absl::StrCat(folder, "/insert.db"),
                                storage::ConnectionOptions());
  absl::Status status = connection.status();
  if (status.ok()) status = (*connection)->Execute(kSchema);
  if (!status.ok()) {
    if (connection.ok()) connection->reset();
    std::error_code ignored;
    std::filesystem::remove_all(folder, ignored);
    return absl::InternalError(
        absl::StrCat("sqlite_insert: cannot make a database in ", folder, ": ",
                     status.message()));
  }
  return std::unique_ptr<SqliteInsertBaseline>(
      new SqliteInsertBaseline(folder, std::move(*connection), std::move(row),
                               options.rows_per_transaction));
}

SqliteInsertBaseline::SqliteInsertBaseline(
    std::string folder, std::unique_ptr<storage::Connection> connection,
    rehab::v1::Patient row, int rows_per_transaction)
    : folder_(std::move(folder)),
      path_(connection->path()),
      connection_(std::move(connection)),
      row_(std::move(row)),
      rows_per_transaction_(rows_per_transaction),
      body_bytes_(static_cast<int64_t>(row_.ByteSizeLong())) {}

SqliteInsertBaseline::~SqliteInsertBaseline() {
  connection_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(folder_, ignored);
}

absl::Status SqliteInsertBaseline::InsertBatch() {
  storage::Transaction txn(connection_.get());
  RETURN_IF_ERROR(txn.Begin(storage::Transaction::Mode::kImmediate));
  {
    ASSIGN_OR_RETURN(storage::Statement insert,
                     connection_->GetCachedStatement(kInsertRow));
    for (int i = 0; i < rows_per_transaction_; ++i) {
      // Overwrites name, id_number and area_id; the id is a new one.
      row_.MergeFrom(NewBenchPatient(ids_.Next(), row_.area_id()));
      row_.set_id(NewUuid());
      row_.SerializeToString(&body_);
      insert.BindText(0, row_.id());
      insert.BindText(1, row_.id_number());
      insert.BindText(2, row_.area_id());
      insert.BindInt64(3, rows_ + i + 1);
      insert.BindBlob(4, body_);
      RETURN_IF_ERROR(insert.Run());
      insert.Reset();
    }
  }
  RETURN_IF_ERROR(txn.Commit());
  rows_ += rows_per_transaction_;
  return absl::OkStatus();
}

}  // namespace rehab::bench
