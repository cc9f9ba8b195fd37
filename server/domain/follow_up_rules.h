// The follow-up schedule and the fulfilment of contracts, as DOMAIN.md
// sections 3 and 4 define them: pure functions of a county's rules, a
// contract and its latest visit, and today's date. No store, no clock.
#ifndef REHAB_SERVER_DOMAIN_FOLLOW_UP_RULES_H_
#define REHAB_SERVER_DOMAIN_FOLLOW_UP_RULES_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "rehab/v1/contract.pb.h"

namespace rehab {

// A county's follow-up rules (DOMAIN.md section 3); the defaults are the
// national ones. Where the visit class and the risk level point to
// different intervals, the shorter wins; the contract's package frequency
// wins too when it is shorter.
struct FollowUpRules {
  int unstable_days = 14;          // visit class unstable
  int basically_stable_days = 14;  // visit class basically stable
  int stable_days = 90;            // visit class stable
  int high_risk_days = 14;         // risk level 3-5
  int low_risk_days = 14;          // risk level 1-2
  int no_risk_days = 90;           // risk level 0
  // The first visit of a contract is due this many days after its start
  // (0: one package interval after it).
  int first_visit_days = 0;
  // Missed visits in a row that make a patient lost to follow-up.
  int missed_visits_lost = 3;
  // Visits at or above this risk level raise an alert.
  int alert_risk_level = 3;

  // Parses a rules file: one `name = value` per line (the field names
  // above), `#` comments and blank lines ignored, unnamed fields keep
  // their defaults. INVALID_ARGUMENT naming the line for an unknown name,
  // a value that is not a whole number, or one out of range (intervals
  // 1..366 days; missed_visits_lost 1..12; alert_risk_level 1..5;
  // first_visit_days 0..366). A `#` starts a comment anywhere on a line; a
  // whole number is digits with an optional leading minus; a name set
  // twice is INVALID_ARGUMENT too.
  static absl::StatusOr<FollowUpRules> Parse(std::string_view text);
  // Reads and parses the file at `path`: NOT_FOUND when it cannot be read;
  // for bad content, Parse's INVALID_ARGUMENT with `path` in the message.
  static absl::StatusOr<FollowUpRules> Load(const std::string& path);
};

// The visits per year a package requires: the sum over its items (an item
// with a negative count adds nothing).
int VisitsPerYear(const rehab::v1::Contract& contract);

// The interval the package frequency gives: floor(365 / visits_per_year)
// days, at least 1; 365 when the package requires no visit.
int PackageIntervalDays(int visits_per_year);

// What the schedule needs of a patient's latest visit under a contract.
struct ScheduleVisit {
  absl::CivilDay date;  // the visit's start, county time
  // Set when the visit carried the psychiatric follow-up form.
  rehab::v1::VisitClass visit_class = rehab::v1::VISIT_CLASS_UNSPECIFIED;
  std::optional<int> risk_level;
  // The date the doctor set for the next visit, if any.
  std::optional<absl::CivilDay> next_visit_date;
};

struct ScheduleInput {
  absl::CivilDay contract_start;
  int visits_per_year = 0;
  // The latest visit (neither superseded nor a void); none: first visit.
  std::optional<ScheduleVisit> last_visit;
};

struct NextFollowUp {
  absl::CivilDay due_date;
  int interval_days = 0;
  rehab::v1::FollowUpReason reason = rehab::v1::FOLLOW_UP_REASON_UNSPECIFIED;
};

// The next due date: without a visit, contract start + first_visit_days (or
// the package interval), reason FIRST_VISIT. After a visit: visit date +
// the shortest of the class interval, the risk interval (each when given)
// and the package interval; reason names which rule won (UNSTABLE when
// class unstable or risk 3-5 gave it, BASICALLY_STABLE for basically
// stable or risk 1-2, STABLE for stable or risk 0, PACKAGE when the
// package interval is strictly shorter or the visit had no form; when
// class and risk give the same interval the more urgent reason names it,
// UNSTABLE before BASICALLY_STABLE before STABLE). A
// next_visit_date earlier than that (and after the visit) wins with
// reason DOCTOR_ORDER, and `interval_days` is then the days from the
// visit to it.
NextFollowUp ComputeNextFollowUp(const FollowUpRules& rules,
                                 const ScheduleInput& input);

// Where a patient stands against a due date on `today`.
struct FollowUpStanding {
  bool overdue = false;  // today > due_date
  int days_overdue = 0;  // today - due_date, when overdue
  // Due dates passed by more than a whole interval without a visit:
  // the count of k >= 1 with today > due_date + k * interval_days.
  int missed_visits = 0;
  bool lost_to_follow_up = false;  // missed_visits >= missed_visits_lost
};

// An `interval_days` of 0 or less counts no missed visits.
FollowUpStanding StandingAsOf(const FollowUpRules& rules,
                              absl::CivilDay due_date, int interval_days,
                              absl::CivilDay today);

// The follow-up record of the patient of ACTIVE `contract` whose latest
// visit under it is `latest` (null: none yet; a visit neither superseded nor
// a void): id and patient_id the contract's patient, contract_id, doctor_id,
// team, and from ComputeNextFollowUp due_date, interval_days and reason;
// last_visit_date (county time, `zone`), last_visit_class, last_risk_level
// and psychiatric (the visit carried the form) from `latest`. The common
// resource fields and the fields of FillStanding are left unset.
// REQUIRES: contract.start_date is a real day (as ValidateContract
// ensures).
rehab::v1::FollowUp BuildFollowUp(const FollowUpRules& rules,
                                  const rehab::v1::Contract& contract,
                                  const rehab::v1::Visit* latest,
                                  absl::TimeZone zone);

// Sets overdue, days_overdue, missed_visits and lost_to_follow_up of
// `follow_up` from its due_date and interval_days as of `today` (all
// cleared when due_date is not a real day).
void FillStanding(const FollowUpRules& rules, absl::CivilDay today,
                  rehab::v1::FollowUp& follow_up);

// Fulfilment of a contract (DOMAIN.md section 4) as of `as_of`: the days
// of the term elapsed are those from start_date to min(as_of, end_date),
// both counted (none before the start); visits required so far =
// floor(visits_per_year x days elapsed / 365); rate = min(delivered,
// required) / required, 1 when none is required yet.
struct FulfilmentFigures {
  int visits_required = 0;
  int visits_delivered = 0;
  double rate = 1.0;
};
FulfilmentFigures ComputeFulfilment(absl::CivilDay start_date,
                                    absl::CivilDay end_date,
                                    int visits_per_year, int visits_delivered,
                                    absl::CivilDay as_of);

}  // namespace rehab

#endif  // REHAB_SERVER_DOMAIN_FOLLOW_UP_RULES_H_
