// `rehabctl patients import FILE.csv`: a roster of patients into the
// registry, safe to run again.
//
// The header row names the columns (any order, any letter case):
//   name, id_number, area_code            required
//   disability_card_number, facility_id, address, phone,
//   guardian_name, guardian_relation, guardian_phone   optional
// Each row's patient id is PatientIdForIdNumber(id_number), and creates are
// idempotent by id, so a second run of the same file creates nothing: its
// rows count as unchanged. A row the server refuses (or that is malformed)
// is reported with its line number and the field, and the rest go on.
#ifndef REHAB_TOOLS_REHABCTL_PATIENT_IMPORT_H_
#define REHAB_TOOLS_REHABCTL_PATIENT_IMPORT_H_

#include <cstdint>
#include <ostream>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rehab/client/client.h"

namespace rehab::rehabctl {

struct ImportSummary {
  int64_t created = 0;    // new patients
  int64_t unchanged = 0;  // already present with the same content
  int64_t failed = 0;     // rows refused or malformed
  // Not OK when the import stopped early because no further row could
  // succeed (the server unreachable, the session expired, the caller not
  // allowed to create patients); `not_tried` rows were left.
  absl::Status stopped;
  int64_t not_tried = 0;
};

// Imports the rows of `csv_text` through `client` (logged in). Row errors
// go to `err`, one "line N: ..." line each with the offending columns
// indented below; with `show_progress` a progress bar is drawn on `err`
// too (for a terminal). INVALID_ARGUMENT, before any row is sent, when the
// header is missing, malformed, lacks a required column or names an
// unknown one.
absl::StatusOr<ImportSummary> ImportPatients(client::Client& client,
                                             std::string_view csv_text,
                                             std::ostream& err,
                                             bool show_progress);

}  // namespace rehab::rehabctl

#endif  // REHAB_TOOLS_REHABCTL_PATIENT_IMPORT_H_
