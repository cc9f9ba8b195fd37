#include "server/storage/migrations.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "server/common/log.h"
#include "server/common/status_macros.h"
#include "server/storage/transaction.h"

namespace rehab::storage {
namespace {

// Every record table has the common resource columns (DESIGN.md section 4;
// times in unix microseconds), the columns its queries filter or order on,
// and `body`, the serialized protobuf record. The body is the record; the
// other columns are copies kept for indexing and are rewritten with it.
//
// `changes` is the change feed: each record appears once, at the
// change_seq of its latest change (a change moves it to the end). `meta`
// holds the change counter ('change_seq', the last value handed out),
// advanced inside the write transaction so that sequence order is commit
// order.
constexpr char kMigration1[] = R"sql(
CREATE TABLE meta (
  key TEXT PRIMARY KEY NOT NULL,
  value
);
INSERT INTO meta (key, value) VALUES ('change_seq', 0);

CREATE TABLE changes (
  change_seq INTEGER PRIMARY KEY,
  collection TEXT NOT NULL,
  record_id TEXT NOT NULL,
  kind INTEGER NOT NULL,
  patient_id TEXT
);
CREATE UNIQUE INDEX changes_by_record ON changes (collection, record_id);

CREATE TABLE areas (
  id TEXT PRIMARY KEY NOT NULL,
  version INTEGER NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  change_seq INTEGER NOT NULL,
  author TEXT NOT NULL,
  device_id TEXT NOT NULL,
  code TEXT NOT NULL UNIQUE,
  parent_id TEXT REFERENCES areas (id),
  body BLOB NOT NULL
);
CREATE INDEX areas_by_parent ON areas (parent_id, code);

CREATE TABLE facilities (
  id TEXT PRIMARY KEY NOT NULL,
  version INTEGER NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  change_seq INTEGER NOT NULL,
  author TEXT NOT NULL,
  device_id TEXT NOT NULL,
  area_id TEXT NOT NULL REFERENCES areas (id),
  area_code TEXT NOT NULL,
  type INTEGER NOT NULL,
  body BLOB NOT NULL
);
CREATE INDEX facilities_by_area_code ON facilities (area_code);
CREATE INDEX facilities_by_area ON facilities (area_id);

CREATE TABLE practitioners (
  id TEXT PRIMARY KEY NOT NULL,
  version INTEGER NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  change_seq INTEGER NOT NULL,
  author TEXT NOT NULL,
  device_id TEXT NOT NULL,
  facility_id TEXT NOT NULL REFERENCES facilities (id),
  kind INTEGER NOT NULL,
  team TEXT,
  body BLOB NOT NULL
);
CREATE INDEX practitioners_by_facility ON practitioners (facility_id, id);
CREATE INDEX practitioners_by_team ON practitioners (team, id)
  WHERE team IS NOT NULL;

CREATE TABLE accounts (
  id TEXT PRIMARY KEY NOT NULL,
  version INTEGER NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  change_seq INTEGER NOT NULL,
  author TEXT NOT NULL,
  device_id TEXT NOT NULL,
  username TEXT NOT NULL UNIQUE,
  role INTEGER NOT NULL,
  scope_id TEXT,
  state INTEGER NOT NULL,
  password_hash TEXT,
  body BLOB NOT NULL
);
CREATE INDEX accounts_by_scope ON accounts (scope_id, username)
  WHERE scope_id IS NOT NULL;

CREATE TABLE tokens (
  token_hash BLOB PRIMARY KEY NOT NULL,
  kind INTEGER NOT NULL,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  family_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  issue_time INTEGER NOT NULL,
  expire_time INTEGER NOT NULL,
  revoked INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX tokens_by_family ON tokens (family_id);
CREATE INDEX tokens_by_account ON tokens (account_id);

CREATE TABLE patients (
  id TEXT PRIMARY KEY NOT NULL,
  version INTEGER NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  change_seq INTEGER NOT NULL,
  author TEXT NOT NULL,
  device_id TEXT NOT NULL,
  id_number TEXT NOT NULL UNIQUE,
  card_number TEXT UNIQUE,
  name TEXT NOT NULL,
  area_id TEXT NOT NULL REFERENCES areas (id),
  area_code TEXT NOT NULL,
  facility_id TEXT REFERENCES facilities (id),
  category INTEGER NOT NULL,
  grade INTEGER NOT NULL,
  body BLOB NOT NULL
);
CREATE INDEX patients_by_area_code ON patients (area_code, id);
CREATE INDEX patients_by_area ON patients (area_id);
CREATE INDEX patients_by_facility ON patients (facility_id, id)
  WHERE facility_id IS NOT NULL;
CREATE INDEX patients_by_name ON patients (name);

CREATE TABLE break_glass (
  account_id TEXT NOT NULL REFERENCES accounts (id),
  patient_id TEXT NOT NULL REFERENCES patients (id),
  reason TEXT NOT NULL,
  expire_time INTEGER NOT NULL,
  PRIMARY KEY (account_id, patient_id)
) WITHOUT ROWID;

CREATE TABLE enrollments (
  id TEXT PRIMARY KEY NOT NULL,
  version INTEGER NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  change_seq INTEGER NOT NULL,
  author TEXT NOT NULL,
  device_id TEXT NOT NULL,
  patient_id TEXT NOT NULL REFERENCES patients (id),
  program INTEGER NOT NULL,
  status INTEGER NOT NULL,
  open INTEGER NOT NULL,
  body BLOB NOT NULL
);
CREATE UNIQUE INDEX enrollments_one_open ON enrollments (patient_id, program)
  WHERE open = 1;
CREATE INDEX enrollments_by_patient ON enrollments (patient_id, id);
CREATE INDEX enrollments_by_program ON enrollments (program, open);

CREATE TABLE audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  account_id TEXT NOT NULL,
  username TEXT NOT NULL,
  method TEXT NOT NULL,
  patient_id TEXT NOT NULL,
  outcome TEXT NOT NULL,
  peer TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX audit_by_patient ON audit (patient_id, seq);
CREATE INDEX audit_by_account ON audit (account_id, seq);
)sql";

// The sync protocol (DESIGN.md section 6).
//
// `feed_exits` records a patient leaving a placement: when a patient's area
// code or home facility changes, the patient and each record hanging on it
// get a row here, each at its own change_seq from the one counter (so a
// feed cursor stays one number), keeping the placement it left. A device
// of the old scope learns from it that the record left.
// `applied_mutations` keeps Push's results for the idempotency horizon;
// `secrets` holds server keys made once (the sync token key).
constexpr char kMigration2[] = R"sql(
CREATE TABLE feed_exits (
  change_seq INTEGER PRIMARY KEY,
  collection TEXT NOT NULL,
  record_id TEXT NOT NULL,
  patient_id TEXT NOT NULL,
  old_area_code TEXT NOT NULL,
  old_facility_id TEXT
);
CREATE INDEX feed_exits_by_record
  ON feed_exits (collection, record_id, change_seq);

CREATE TABLE applied_mutations (
  mutation_id TEXT PRIMARY KEY NOT NULL,
  account_id TEXT NOT NULL,
  payload_hash BLOB NOT NULL,
  collection TEXT NOT NULL,
  record_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  change_seq INTEGER NOT NULL,
  apply_time INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX applied_mutations_by_time
  ON applied_mutations (apply_time, mutation_id);

CREATE TABLE secrets (
  name TEXT PRIMARY KEY NOT NULL,
  value BLOB NOT NULL
) WITHOUT ROWID;
)sql";

// Family-doctor contracts (DESIGN.md section 4) and what hangs on them.
//
// `contracts.visits_delivered` is the hot aggregate PutVisit keeps: the
// contract's visits that are neither superseded nor voids. At most one
// ACTIVE (status 1) contract per patient; the doctors' scope reads it by
// patient through the same partial index. `visits.superseded_by` names the
// visit that amended or voided a visit. `follow_ups` holds one row per
// patient (the follow-up's id is its patient's). One alert per finding
// (kind, source, date).
//
// A feed exit now also keeps the ACTIVE contract's doctor and team the
// patient left (NULL when there was none), so a family doctor's device
// learns that a patient left it as an area's device does.
constexpr char kMigration3[] = R"sql(
CREATE TABLE contracts (
  id TEXT PRIMARY KEY NOT NULL,
  version INTEGER NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  change_seq INTEGER NOT NULL,
  author TEXT NOT NULL,
  device_id TEXT NOT NULL,
  patient_id TEXT NOT NULL REFERENCES patients (id),
  doctor_id TEXT NOT NULL,
  team TEXT,
  status INTEGER NOT NULL,
  start_date TEXT NOT NULL,
  end_date TEXT NOT NULL,
  visits_delivered INTEGER NOT NULL DEFAULT 0,
  body BLOB NOT NULL
);
CREATE UNIQUE INDEX contracts_one_active ON contracts (patient_id)
  WHERE status = 1;
CREATE INDEX contracts_by_patient ON contracts (patient_id, id);
CREATE INDEX contracts_by_doctor ON contracts (doctor_id, id);
CREATE INDEX contracts_by_team ON contracts (team, id) WHERE team IS NOT NULL;
CREATE INDEX contracts_by_status_end ON contracts (status, end_date);

CREATE TABLE visits (
  id TEXT PRIMARY KEY NOT NULL,
  version INTEGER NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  change_seq INTEGER NOT NULL,
  author TEXT NOT NULL,
  device_id TEXT NOT NULL,
  contract_id TEXT NOT NULL REFERENCES contracts (id),
  patient_id TEXT NOT NULL REFERENCES patients (id),
  doctor_id TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  amends_id TEXT,
  voids_id TEXT,
  superseded_by TEXT,
  body BLOB NOT NULL
);
CREATE INDEX visits_by_patient ON visits (patient_id, start_time, id);
CREATE INDEX visits_by_contract ON visits (contract_id, start_time, id);
CREATE INDEX visits_by_doctor ON visits (doctor_id, start_time, id);

CREATE TABLE follow_ups (
  patient_id TEXT PRIMARY KEY NOT NULL REFERENCES patients (id),
  version INTEGER NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  change_seq INTEGER NOT NULL,
  author TEXT NOT NULL,
  device_id TEXT NOT NULL,
  contract_id TEXT NOT NULL REFERENCES contracts (id),
  doctor_id TEXT NOT NULL,
  team TEXT,
  due_date TEXT NOT NULL,
  body BLOB NOT NULL
);
CREATE INDEX follow_ups_by_due ON follow_ups (due_date, patient_id);
CREATE INDEX follow_ups_by_doctor
  ON follow_ups (doctor_id, due_date, patient_id);

CREATE TABLE alerts (
  id TEXT PRIMARY KEY NOT NULL,
  version INTEGER NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  change_seq INTEGER NOT NULL,
  author TEXT NOT NULL,
  device_id TEXT NOT NULL,
  patient_id TEXT NOT NULL REFERENCES patients (id),
  kind INTEGER NOT NULL,
  state INTEGER NOT NULL,
  doctor_id TEXT,
  source_id TEXT NOT NULL,
  finding_date TEXT NOT NULL,
  body BLOB NOT NULL
);
CREATE UNIQUE INDEX alerts_one_per_finding
  ON alerts (kind, source_id, finding_date);
CREATE INDEX alerts_by_patient ON alerts (patient_id, create_time, id);
CREATE INDEX alerts_by_time ON alerts (create_time, id);

ALTER TABLE feed_exits ADD COLUMN old_doctor_id TEXT;
ALTER TABLE feed_exits ADD COLUMN old_team TEXT;
)sql";

// The start of a contract's latest delivered visit, kept beside the count
// so that reading a contract's fulfilment reads no visits.
constexpr char kMigration4[] = R"sql(
ALTER TABLE contracts ADD COLUMN last_visit_time INTEGER;
UPDATE contracts SET last_visit_time = (
  SELECT MAX(v.start_time) FROM visits v
  WHERE v.contract_id = contracts.id AND v.superseded_by IS NULL
    AND v.voids_id IS NULL);
)sql";

constexpr Migration kMigrations[] = {
    {1, kMigration1},
    {2, kMigration2},
    {3, kMigration3},
    {4, kMigration4},
};

constexpr char kSelectUserVersion[] = "PRAGMA user_version";
constexpr char kCountSchemaObjects[] = "SELECT COUNT(*) FROM sqlite_schema";

absl::StatusOr<int64_t> CountSchemaObjects(Connection& connection) {
  ASSIGN_OR_RETURN(Statement count,
                   connection.GetUniqueStatement(kCountSchemaObjects));
  ASSIGN_OR_RETURN(bool row, count.Step());
  return row ? count.ColumnInt64(0) : 0;
}

}  // namespace

absl::Span<const Migration> SchemaMigrations() { return kMigrations; }

int LatestSchemaVersion() {
  return static_cast<int>(SchemaMigrations().size());
}

absl::StatusOr<int> SchemaVersion(Connection& connection) {
  ASSIGN_OR_RETURN(Statement version,
                   connection.GetUniqueStatement(kSelectUserVersion));
  ASSIGN_OR_RETURN(bool row, version.Step());
  return row ? static_cast<int>(version.ColumnInt64(0)) : 0;
}

absl::Status Migrate(Connection& connection,
                     absl::Span<const Migration> migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      log::Error("migrations_misnumbered",
                 {{"index", std::to_string(i)},
                  {"version", std::to_string(migrations[i].version)}});
      return absl::InternalError("storage error: migrations misnumbered");
    }
  }
  const int latest = static_cast<int>(migrations.size());

  // IMMEDIATE: two processes opening one new file must not both migrate.
  Transaction txn(&connection);
  RETURN_IF_ERROR(txn.Begin(Transaction::Mode::kImmediate));
  ASSIGN_OR_RETURN(const int current, SchemaVersion(connection));
  if (current > latest) {
    log::Error("schema_too_new", {{"path", connection.path()},
                                  {"version", std::to_string(current)},
                                  {"known", std::to_string(latest)}});
    return absl::FailedPreconditionError(
        absl::StrCat("the database has schema version ", current,
                     ", newer than the latest this rehabd knows (", latest,
                     "); run a newer rehabd"));
  }
  if (current == latest) return txn.Commit();
  if (current == 0) {
    ASSIGN_OR_RETURN(const int64_t objects, CountSchemaObjects(connection));
    if (objects > 0) {
      log::Error("schema_foreign", {{"path", connection.path()}});
      return absl::FailedPreconditionError(
          "the database file holds tables but no RehabTrack schema version; "
          "it is not a RehabTrack database");
    }
  }
  for (int v = current + 1; v <= latest; ++v) {
    RETURN_IF_ERROR(connection.Execute(migrations[v - 1].sql));
    // user_version lives in the database header, which the transaction
    // covers: a failed migration leaves the old version too.
    const std::string set_version = absl::StrCat("PRAGMA user_version = ", v);
    RETURN_IF_ERROR(connection.Execute(set_version.c_str()));
  }
  RETURN_IF_ERROR(txn.Commit());
  log::Info("schema_migrated", {{"path", connection.path()},
                                {"from", std::to_string(current)},
                                {"to", std::to_string(latest)}});
  return absl::OkStatus();
}

}  // namespace rehab::storage
