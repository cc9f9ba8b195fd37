#include "server/domain/list_filters.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/common/dates.h"
#include "server/common/errors.h"
#include "server/common/ids.h"
#include "server/common/status_macros.h"
#include "server/domain/access_policy.h"

namespace rehab {

absl::StatusOr<std::string> AreaCodeFilter(ReadTxn& txn,
                                           const std::string& area_id) {
  if (area_id.empty()) return std::string();
  ASSIGN_OR_RETURN(std::optional<rehab::v1::Area> area,
                   txn.GetArea(CanonicalizeUuid(area_id)));
  if (!area.has_value()) return InvalidArgumentError("area_id", "no such area");
  return area->code();
}

absl::StatusOr<std::optional<PatientScope>> ScopeOfOnePatient(
    ReadTxn& txn, const Caller& caller, const std::string& patient_id) {
  ASSIGN_OR_RETURN(bool visible,
                   AccessPolicy::MaySeePatient(txn, caller, patient_id));
  if (!visible) return std::optional<PatientScope>();
  PatientScope scope;
  scope.kind = PatientScope::Kind::kPatients;
  scope.patient_ids = {patient_id};
  return std::optional<PatientScope>(std::move(scope));
}

std::string FormatTimeIdKey(absl::Time time, const std::string& id) {
  return absl::StrCat(rehab::ToUnixMicros(time), " ", id);
}

absl::StatusOr<TimeIdKey> ParseTimeIdKey(const std::string& key) {
  TimeIdKey out;
  if (key.empty()) return out;
  const size_t space = key.find(' ');
  int64_t micros = 0;
  if (space == std::string::npos ||
      !absl::SimpleAtoi(key.substr(0, space), &micros)) {
    return InvalidArgumentError("page_token", "malformed");
  }
  out.time = FromUnixMicros(micros);
  out.id = key.substr(space + 1);
  return out;
}

}  // namespace rehab
