// What the command line says about a family-doctor contract: package items
// written CODE:NAME:VISITS_PER_YEAR, the package signed when none is given,
// and the dates of a term.
#ifndef REHAB_TOOLS_REHABCTL_CONTRACT_TERMS_H_
#define REHAB_TOOLS_REHABCTL_CONTRACT_TERMS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "rehab/v1/contract.pb.h"

namespace rehab::rehabctl {

// One package item from "CODE:NAME:VISITS_PER_YEAR", e.g.
// "home_visit:上门随访:4". The code is what precedes the first colon, the
// visits what follows the last one (a whole number 0..366), the name all
// between (it may hold colons). Surrounding blanks are trimmed. A usage
// error (INVALID_ARGUMENT) naming the part for anything else: fewer than
// three parts, an empty code or name, a count that is not a whole number
// in range.
absl::StatusOr<rehab::v1::ContractItem> ParseContractItem(
    const std::string& text);

// The items of every --item given, in order; the default package (one
// item, kDefaultItem) when `texts` is empty. The first bad item's error.
absl::StatusOr<std::vector<rehab::v1::ContractItem>> ParseContractItems(
    const std::vector<std::string>& texts);

// The package a contract signed without --item gets: the public-health
// follow-up, 4 visits a year (the least a disabled or psychiatric
// patient's package may require).
inline constexpr char kDefaultItem[] = "public_health_follow_up:公共卫生随访:4";

// A strict "YYYY-MM-DD" naming a real day; INVALID_ARGUMENT otherwise.
absl::StatusOr<absl::CivilDay> ParseDay(const std::string& text);

// "YYYY-MM-DD".
std::string FormatDay(absl::CivilDay day);

// The last day of the shortest term the server accepts (one year) starting
// on `start`: start + 1 year - 1 day, a 29 February start ending on
// 28 February.
absl::CivilDay OneYearTermEnd(absl::CivilDay start);

// Today by this machine's local time zone.
absl::CivilDay LocalToday();

}  // namespace rehab::rehabctl

#endif  // REHAB_TOOLS_REHABCTL_CONTRACT_TERMS_H_
