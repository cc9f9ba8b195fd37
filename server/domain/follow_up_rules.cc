#include "server/domain/follow_up_rules.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/common/dates.h"
#include "server/domain/contract_validation.h"

namespace rehab {
namespace {

using rehab::v1::Contract;
using rehab::v1::FollowUp;
using rehab::v1::FollowUpReason;
using rehab::v1::Visit;
using rehab::v1::VisitClass;

constexpr int kDaysPerYear = 365;
constexpr int kMaxIntervalDays = 366;

// One settable field of a rules file and the values it accepts.
struct RulesField {
  const char* name;
  int FollowUpRules::*member;
  int min;
  int max;
};

constexpr RulesField kRulesFields[] = {
    {"unstable_days", &FollowUpRules::unstable_days, 1, kMaxIntervalDays},
    {"basically_stable_days", &FollowUpRules::basically_stable_days, 1,
     kMaxIntervalDays},
    {"stable_days", &FollowUpRules::stable_days, 1, kMaxIntervalDays},
    {"high_risk_days", &FollowUpRules::high_risk_days, 1, kMaxIntervalDays},
    {"low_risk_days", &FollowUpRules::low_risk_days, 1, kMaxIntervalDays},
    {"no_risk_days", &FollowUpRules::no_risk_days, 1, kMaxIntervalDays},
    {"first_visit_days", &FollowUpRules::first_visit_days, 0, kMaxIntervalDays},
    {"missed_visits_lost", &FollowUpRules::missed_visits_lost, 1, 12},
    {"alert_risk_level", &FollowUpRules::alert_risk_level, 1, 5},
};

const RulesField* FindRulesField(const std::string& name) {
  for (const RulesField& field : kRulesFields) {
    if (name == field.name) return &field;
  }
  return nullptr;
}

// Only an optional minus sign and digits: SimpleAtoi alone would also take
// "+3" and surrounding blanks, which a hand-edited file should not rely on.
bool IsWholeNumber(const std::string& text) {
  size_t i = (!text.empty() && text[0] == '-') ? 1 : 0;
  if (i == text.size()) return false;
  for (; i < text.size(); ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
      return false;
    }
  }
  return true;
}

absl::Status LineError(int line, const std::string& problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("follow-up rules line ", line, ": ", problem));
}

// A candidate interval and the rule that gave it. Candidates are compared
// by days, then by `reason` rank so that on a tie the more urgent clinical
// rule names the result (UNSTABLE before BASICALLY_STABLE before STABLE
// before PACKAGE).
struct Candidate {
  int days;
  FollowUpReason reason;
};

int ReasonRank(FollowUpReason reason) {
  switch (reason) {
    case rehab::v1::FOLLOW_UP_REASON_UNSTABLE:
      return 0;
    case rehab::v1::FOLLOW_UP_REASON_BASICALLY_STABLE:
      return 1;
    case rehab::v1::FOLLOW_UP_REASON_STABLE:
      return 2;
    default:
      return 3;
  }
}

bool Better(const Candidate& a, const Candidate& b) {
  if (a.days != b.days) return a.days < b.days;
  return ReasonRank(a.reason) < ReasonRank(b.reason);
}

std::optional<Candidate> ClassCandidate(const FollowUpRules& rules,
                                        VisitClass visit_class) {
  switch (visit_class) {
    case rehab::v1::VISIT_CLASS_UNSTABLE:
      return Candidate{rules.unstable_days,
                       rehab::v1::FOLLOW_UP_REASON_UNSTABLE};
    case rehab::v1::VISIT_CLASS_BASICALLY_STABLE:
      return Candidate{rules.basically_stable_days,
                       rehab::v1::FOLLOW_UP_REASON_BASICALLY_STABLE};
    case rehab::v1::VISIT_CLASS_STABLE:
      return Candidate{rules.stable_days, rehab::v1::FOLLOW_UP_REASON_STABLE};
    default:
      return std::nullopt;
  }
}

std::optional<Candidate> RiskCandidate(const FollowUpRules& rules,
                                       std::optional<int> risk_level) {
  if (!risk_level.has_value() || *risk_level < 0) return std::nullopt;
  if (*risk_level >= 3) {
    return Candidate{rules.high_risk_days,
                     rehab::v1::FOLLOW_UP_REASON_UNSTABLE};
  }
  if (*risk_level >= 1) {
    return Candidate{rules.low_risk_days,
                     rehab::v1::FOLLOW_UP_REASON_BASICALLY_STABLE};
  }
  return Candidate{rules.no_risk_days, rehab::v1::FOLLOW_UP_REASON_STABLE};
}

}  // namespace

absl::StatusOr<FollowUpRules> FollowUpRules::Parse(std::string_view text) {
  FollowUpRules rules;
  std::vector<bool> seen(std::size(kRulesFields), false);
  const std::vector<std::string> lines =
      absl::StrSplit(std::string(text), '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    const int line_number = static_cast<int>(i) + 1;
    std::string line = lines[i];
    const size_t hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    absl::StripAsciiWhitespace(&line);
    if (line.empty()) continue;

    const size_t equals = line.find('=');
    if (equals == std::string::npos) {
      return LineError(line_number, "expected `name = value`");
    }
    std::string name = line.substr(0, equals);
    std::string value = line.substr(equals + 1);
    absl::StripAsciiWhitespace(&name);
    absl::StripAsciiWhitespace(&value);

    const RulesField* field = FindRulesField(name);
    if (field == nullptr) {
      return LineError(line_number, absl::StrCat("unknown name '", name, "'"));
    }
    const size_t index = static_cast<size_t>(field - kRulesFields);
    if (seen[index]) {
      return LineError(line_number, absl::StrCat("'", name, "' set twice"));
    }
    seen[index] = true;
    if (!IsWholeNumber(value)) {
      return LineError(line_number, absl::StrCat("'", name, "' = '", value,
                                                 "' is not a whole number"));
    }
    int number = 0;
    if (!absl::SimpleAtoi(value, &number) || number < field->min ||
        number > field->max) {
      return LineError(line_number,
                       absl::StrCat("'", name, "' must be ", field->min, " to ",
                                    field->max));
    }
    rules.*(field->member) = number;
  }
  return rules;
}

absl::StatusOr<FollowUpRules> FollowUpRules::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read follow-up rules file ", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return absl::NotFoundError(
        absl::StrCat("cannot read follow-up rules file ", path));
  }
  absl::StatusOr<FollowUpRules> rules = Parse(text.str());
  if (!rules.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", rules.status().message()));
  }
  return rules;
}

int VisitsPerYear(const Contract& contract) {
  int total = 0;
  for (const rehab::v1::ContractItem& item : contract.items()) {
    total += std::max(0, item.visits_per_year());
  }
  return total;
}

int PackageIntervalDays(int visits_per_year) {
  if (visits_per_year <= 0) return kDaysPerYear;
  return std::max(1, kDaysPerYear / visits_per_year);
}

NextFollowUp ComputeNextFollowUp(const FollowUpRules& rules,
                                 const ScheduleInput& input) {
  const int package_days = PackageIntervalDays(input.visits_per_year);
  NextFollowUp next;
  if (!input.last_visit.has_value()) {
    next.interval_days =
        rules.first_visit_days > 0 ? rules.first_visit_days : package_days;
    next.due_date = input.contract_start + next.interval_days;
    next.reason = rehab::v1::FOLLOW_UP_REASON_FIRST_VISIT;
    return next;
  }

  const ScheduleVisit& visit = *input.last_visit;
  Candidate best{package_days, rehab::v1::FOLLOW_UP_REASON_PACKAGE};
  for (const std::optional<Candidate>& c :
       {ClassCandidate(rules, visit.visit_class),
        RiskCandidate(rules, visit.risk_level)}) {
    if (c.has_value() && Better(*c, best)) best = *c;
  }
  next.interval_days = best.days;
  next.due_date = visit.date + best.days;
  next.reason = best.reason;

  if (visit.next_visit_date.has_value() &&
      *visit.next_visit_date > visit.date &&
      *visit.next_visit_date < next.due_date) {
    next.due_date = *visit.next_visit_date;
    next.interval_days = static_cast<int>(*visit.next_visit_date - visit.date);
    next.reason = rehab::v1::FOLLOW_UP_REASON_DOCTOR_ORDER;
  }
  return next;
}

FollowUpStanding StandingAsOf(const FollowUpRules& rules,
                              absl::CivilDay due_date, int interval_days,
                              absl::CivilDay today) {
  FollowUpStanding standing;
  if (today <= due_date) return standing;
  const int64_t late = today - due_date;
  standing.overdue = true;
  standing.days_overdue = static_cast<int>(late);
  if (interval_days > 0) {
    // k * interval < late for k = 1 .. (late - 1) / interval.
    standing.missed_visits = static_cast<int>((late - 1) / interval_days);
  }
  standing.lost_to_follow_up =
      standing.missed_visits >= rules.missed_visits_lost;
  return standing;
}

FollowUp BuildFollowUp(const FollowUpRules& rules, const Contract& contract,
                       const Visit* latest, absl::TimeZone zone) {
  FollowUp follow_up;
  follow_up.set_id(contract.patient_id());
  follow_up.set_patient_id(contract.patient_id());
  follow_up.set_contract_id(contract.id());
  follow_up.set_doctor_id(contract.doctor_id());
  follow_up.set_team(contract.team());

  ScheduleInput input;
  input.contract_start =
      ParseDate(contract.start_date()).value_or(absl::CivilDay());
  input.visits_per_year = VisitsPerYear(contract);
  if (latest != nullptr) {
    ScheduleVisit visit;
    visit.date = DayOf(FromProto(latest->start_time()), zone);
    visit.visit_class = latest->visit_class();
    if (latest->has_risk_level()) visit.risk_level = latest->risk_level();
    if (!latest->next_visit_date().empty()) {
      visit.next_visit_date = ParseDate(latest->next_visit_date());
    }
    input.last_visit = visit;

    follow_up.set_last_visit_date(FormatDate(visit.date));
    follow_up.set_last_visit_class(latest->visit_class());
    if (latest->has_risk_level()) {
      follow_up.set_last_risk_level(latest->risk_level());
    }
    follow_up.set_psychiatric(HasPsychiatricForm(*latest));
  }

  const NextFollowUp next = ComputeNextFollowUp(rules, input);
  follow_up.set_due_date(FormatDate(next.due_date));
  follow_up.set_interval_days(next.interval_days);
  follow_up.set_reason(next.reason);
  return follow_up;
}

void FillStanding(const FollowUpRules& rules, absl::CivilDay today,
                  FollowUp& follow_up) {
  FollowUpStanding standing;
  if (const std::optional<absl::CivilDay> due =
          ParseDate(follow_up.due_date())) {
    standing = StandingAsOf(rules, *due, follow_up.interval_days(), today);
  }
  follow_up.set_overdue(standing.overdue);
  follow_up.set_days_overdue(standing.days_overdue);
  follow_up.set_missed_visits(standing.missed_visits);
  follow_up.set_lost_to_follow_up(standing.lost_to_follow_up);
}

FulfilmentFigures ComputeFulfilment(absl::CivilDay start_date,
                                    absl::CivilDay end_date,
                                    int visits_per_year, int visits_delivered,
                                    absl::CivilDay as_of) {
  FulfilmentFigures figures;
  figures.visits_delivered = visits_delivered;
  const absl::CivilDay last = std::min(as_of, end_date);
  const int64_t days_elapsed = last < start_date ? 0 : last - start_date + 1;
  const int64_t required =
      std::max<int64_t>(0, visits_per_year) * days_elapsed / kDaysPerYear;
  figures.visits_required = static_cast<int>(required);
  if (required > 0) {
    figures.rate = static_cast<double>(std::min<int64_t>(
                       std::max(0, visits_delivered), required)) /
                   static_cast<double>(required);
  }
  return figures;
}

}  // namespace rehab
