// The schema of the RehabTrack database and the migrations that build it.
//
// The schema version lives in PRAGMA user_version. Migration N takes a
// database from version N - 1 to N; Migrate applies every migration the
// database lacks in one transaction at open, so a database is always at
// one known version. A new schema change is one appended entry in
// migrations.cc (its version the next number) and never an edit of an
// earlier one: databases in the field already ran those.
#ifndef REHAB_SERVER_STORAGE_MIGRATIONS_H_
#define REHAB_SERVER_STORAGE_MIGRATIONS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "server/storage/connection.h"

namespace rehab::storage {

struct Migration {
  int version;      // the version the database has after `sql` ran
  const char* sql;  // one or more statements
};

// The migrations of this build, oldest first: entry i has version i + 1.
absl::Span<const Migration> SchemaMigrations();

// The version of SchemaMigrations()' last entry.
int LatestSchemaVersion();

// The schema version recorded in the database (0 for a new one).
absl::StatusOr<int> SchemaVersion(Connection& connection);

// Brings the database on `connection` (read-write, no open transaction) to
// the last version of `migrations` (numbered 1, 2, ... in order), in one
// IMMEDIATE transaction: either every missing migration is applied or none.
// FAILED_PRECONDITION when the database's version is newer than the last
// migration (written by a newer rehabd), or when a database at version 0
// already holds tables (not a RehabTrack database). INTERNAL when
// `migrations` is misnumbered or a migration fails.
absl::Status Migrate(Connection& connection,
                     absl::Span<const Migration> migrations);

}  // namespace rehab::storage

#endif  // REHAB_SERVER_STORAGE_MIGRATIONS_H_
