// What every List method of the domain does alike: the area filter (an
// area's subtree, by its code), the scope of a list asked for one patient,
// and page-token keys for lists ordered by a time and then an id.
#ifndef REHAB_SERVER_DOMAIN_LIST_FILTERS_H_
#define REHAB_SERVER_DOMAIN_LIST_FILTERS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/domain/caller.h"
#include "server/domain/store.h"

namespace rehab {

// The code of area `area_id` (canonicalised), whose subtree a list is
// filtered to; "" for an empty id (no filter). INVALID_ARGUMENT naming
// "area_id" when no such area is stored.
absl::StatusOr<std::string> AreaCodeFilter(ReadTxn& txn,
                                           const std::string& area_id);

// A list asked for one patient: exactly that patient when `caller` may see
// them (a break-glass grant counts, which the caller's scope alone does not
// carry); nullopt when not, and the list is then empty.
absl::StatusOr<std::optional<PatientScope>> ScopeOfOnePatient(
    ReadTxn& txn, const Caller& caller, const std::string& patient_id);

// The page-token key of a row of a list ordered by a time and then an id,
// and back. ParseTimeIdKey of "" gives the infinite future and an empty id
// (the first page); INVALID_ARGUMENT naming "page_token" when malformed.
struct TimeIdKey {
  absl::Time time = absl::InfiniteFuture();
  std::string id;
};
std::string FormatTimeIdKey(absl::Time time, const std::string& id);
absl::StatusOr<TimeIdKey> ParseTimeIdKey(const std::string& key);

}  // namespace rehab

#endif  // REHAB_SERVER_DOMAIN_LIST_FILTERS_H_
