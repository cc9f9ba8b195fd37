#include "server/domain/contract_validation.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/common/dates.h"
#include "server/common/errors.h"
#include "server/domain/validation.h"

namespace rehab {
namespace {

using google::protobuf::RepeatedPtrField;
using rehab::v1::Contract;
using rehab::v1::ContractItem;
using rehab::v1::Visit;

constexpr int kMaxItemVisitsPerYear = 366;
constexpr int kMaxTermYears = 5;
constexpr int kMaxRiskLevel = 5;
constexpr int kMaxBehaviourCount = 999;
constexpr double kMaxDoseMg = 10000;
constexpr int kMinInjectionDays = 7;
constexpr int kMaxInjectionDays = 84;
constexpr int kDaysPerWeek = 7;
const absl::Duration kMaxVisitLength = absl::Hours(24);

void CheckRequiredText(const std::string& value, size_t limit,
                       const std::string& field, FieldViolations& v) {
  if (IsBlank(value)) {
    v.Add(field, "required");
  } else {
    CheckSize(value, limit, field, v);
  }
}

// A date that must be present; nullopt (with a violation) otherwise.
std::optional<absl::CivilDay> RequiredDate(const std::string& value,
                                           const std::string& field,
                                           FieldViolations& v) {
  if (value.empty()) {
    v.Add(field, "required");
    return std::nullopt;
  }
  std::optional<absl::CivilDay> day = ParseDate(value);
  if (!day.has_value()) v.Add(field, "must be a real date YYYY-MM-DD");
  return day;
}

std::optional<absl::CivilDay> OptionalDate(const std::string& value,
                                           const std::string& field,
                                           FieldViolations& v) {
  if (value.empty()) return std::nullopt;
  return RequiredDate(value, field, v);
}

// The same day `years` later; 29 February becomes 28 February in a year
// without it (absl::CivilDay would roll it over to 1 March).
absl::CivilDay AddYears(absl::CivilDay day, int years) {
  const absl::CivilYear year(day.year() + years);
  const absl::CivilMonth month(year.year(), day.month());
  const absl::CivilDay last_of_month = absl::CivilDay(month + 1) - 1;
  return absl::CivilDay(month.year(), month.month(),
                        std::min(day.day(), last_of_month.day()));
}

// A term from `start` to `end`, both counted: at least one year, at most
// kMaxTermYears.
void CheckTerm(absl::CivilDay start, absl::CivilDay end,
               const std::string& end_field, FieldViolations& v) {
  const absl::CivilDay shortest_end = AddYears(start, 1) - 1;
  const absl::CivilDay longest_end = AddYears(start, kMaxTermYears) - 1;
  if (end < shortest_end) {
    v.Add(end_field,
          absl::StrCat("the term must last at least one year: end on or after ",
                       FormatDate(shortest_end)));
  } else if (end > longest_end) {
    v.Add(end_field,
          absl::StrCat("the term must last at most ", kMaxTermYears,
                       " years: end on or before ", FormatDate(longest_end)));
  }
}

// `prefix` is the path of the list: "contract.items" or "items".
void CheckItems(const RepeatedPtrField<ContractItem>& items,
                const std::string& prefix, FieldViolations& v) {
  if (items.empty()) {
    v.Add(prefix, "at least one package item is required");
    return;
  }
  if (static_cast<size_t>(items.size()) > kMaxListLength) {
    v.Add(prefix, absl::StrCat("at most ", kMaxListLength, " items"));
    return;
  }
  std::set<std::string> codes;
  int total = 0;
  for (int i = 0; i < items.size(); ++i) {
    const ContractItem& item = items[i];
    const std::string path = absl::StrCat(prefix, "[", i, "]");
    const std::string code_path = absl::StrCat(path, ".code");
    if (IsBlank(item.code())) {
      v.Add(code_path, "required");
    } else if (item.code().size() > kMaxShortLength) {
      v.Add(code_path, AtMost(kMaxShortLength));
    } else if (!codes.insert(item.code()).second) {
      v.Add(code_path, absl::StrCat("code '", item.code(), "' repeated"));
    }
    CheckRequiredText(item.name(), kMaxNameLength, absl::StrCat(path, ".name"),
                      v);
    if (item.visits_per_year() < 0 ||
        item.visits_per_year() > kMaxItemVisitsPerYear) {
      v.Add(absl::StrCat(path, ".visits_per_year"),
            absl::StrCat("must be 0 to ", kMaxItemVisitsPerYear));
    } else {
      total += item.visits_per_year();
    }
  }
  if (total < kMinVisitsPerYear) {
    v.Add(prefix,
          absl::StrCat("the package must require at least ", kMinVisitsPerYear,
                       " visits a year, not ", total));
  }
}

// Whether an enum field holds 0 (unset) or a national code 1..max; any
// other number is unknown. `required` rejects 0 too.
void CheckCode(int value, int max, bool required, const std::string& field,
               FieldViolations& v) {
  if (value == 0) {
    if (required) v.Add(field, "required");
  } else if (value < 0 || value > max) {
    v.Add(field, absl::StrCat("unknown code ", value, ": must be 1 to ", max));
  }
}

// A multi-select of codes 1..max without repeats.
template <typename List>
void CheckCodeSet(const List& values, int max, const std::string& field,
                  FieldViolations& v) {
  std::set<int> seen;
  for (int i = 0; i < values.size(); ++i) {
    const int value = values[i];
    const std::string path = absl::StrCat(field, "[", i, "]");
    if (value < 1 || value > max) {
      v.Add(path, absl::StrCat("unknown code ", value, ": must be 1 to ", max));
    } else if (!seen.insert(value).second) {
      v.Add(path, absl::StrCat("code ", value, " repeated"));
    }
  }
}

// Rejects NaN as well as values outside [min, max].
bool InRange(double value, double min, double max) {
  return value >= min && value <= max;
}

// One field of the psychiatric follow-up form: its path and whether a
// visit sets it.
struct FormField {
  const char* path;
  bool (*is_set)(const Visit&);
};

const FormField kFormFields[] = {
    {"visit.risk_level", [](const Visit& x) { return x.has_risk_level(); }},
    {"visit.symptoms", [](const Visit& x) { return x.symptoms_size() > 0; }},
    {"visit.insight", [](const Visit& x) { return x.insight() != 0; }},
    {"visit.sleep", [](const Visit& x) { return x.sleep() != 0; }},
    {"visit.appetite", [](const Visit& x) { return x.appetite() != 0; }},
    {"visit.social_function",
     [](const Visit& x) { return x.social_function() != 0; }},
    {"visit.dangerous_behaviour",
     [](const Visit& x) { return x.has_dangerous_behaviour(); }},
    {"visit.lock_status", [](const Visit& x) { return x.lock_status() != 0; }},
    {"visit.hospitalisation",
     [](const Visit& x) { return x.hospitalisation() != 0; }},
    {"visit.last_discharge_date",
     [](const Visit& x) { return !x.last_discharge_date().empty(); }},
    {"visit.adherence", [](const Visit& x) { return x.adherence() != 0; }},
    {"visit.adverse_reaction",
     [](const Visit& x) { return x.adverse_reaction() != 0; }},
    {"visit.adverse_reaction_detail",
     [](const Visit& x) { return !x.adverse_reaction_detail().empty(); }},
    {"visit.treatment_effect",
     [](const Visit& x) { return x.treatment_effect() != 0; }},
    {"visit.referral", [](const Visit& x) { return x.has_referral(); }},
    {"visit.drugs", [](const Visit& x) { return x.drugs_size() > 0; }},
    {"visit.long_acting_injection",
     [](const Visit& x) { return x.has_long_acting_injection(); }},
    {"visit.rehab_measures",
     [](const Visit& x) { return x.rehab_measures_size() > 0; }},
    {"visit.visit_class", [](const Visit& x) { return x.visit_class() != 0; }},
};

// The content of a visit a void may not carry besides the form.
const FormField kContentFields[] = {
    {"visit.mode", [](const Visit& x) { return x.mode() != 0; }},
    {"visit.informant", [](const Visit& x) { return x.informant() != 0; }},
    {"visit.start_time", [](const Visit& x) { return x.has_start_time(); }},
    {"visit.end_time", [](const Visit& x) { return x.has_end_time(); }},
    {"visit.location", [](const Visit& x) { return x.has_location(); }},
    {"visit.items_delivered",
     [](const Visit& x) { return x.items_delivered_size() > 0; }},
    {"visit.amends_id", [](const Visit& x) { return !x.amends_id().empty(); }},
    {"visit.next_visit_date",
     [](const Visit& x) { return !x.next_visit_date().empty(); }},
};

void CheckDrugs(const Visit& visit, FieldViolations& v) {
  if (visit.drugs_size() > kMaxDrugs) {
    v.Add("visit.drugs", absl::StrCat("at most ", kMaxDrugs, " drugs"));
    return;
  }
  for (int i = 0; i < visit.drugs_size(); ++i) {
    const rehab::v1::DrugDose& drug = visit.drugs(i);
    const std::string path = absl::StrCat("visit.drugs[", i, "]");
    CheckRequiredText(drug.drug_name(), kMaxNameLength,
                      absl::StrCat(path, ".drug_name"), v);
    bool doses_valid = true;
    const std::pair<const char*, double> doses[] = {
        {"morning_mg", drug.morning_mg()},
        {"noon_mg", drug.noon_mg()},
        {"evening_mg", drug.evening_mg()}};
    for (const auto& [name, mg] : doses) {
      if (!InRange(mg, 0, kMaxDoseMg)) {
        v.Add(absl::StrCat(path, ".", name),
              absl::StrCat("must be 0 to ", kMaxDoseMg, " mg"));
        doses_valid = false;
      }
    }
    if (doses_valid && drug.morning_mg() == 0 && drug.noon_mg() == 0 &&
        drug.evening_mg() == 0) {
      v.Add(path, "at least one dose must be more than 0 mg");
    }
  }
}

void CheckInjection(const rehab::v1::LongActingInjection& injection,
                    FieldViolations& v) {
  CheckRequiredText(injection.drug_name(), kMaxNameLength,
                    "visit.long_acting_injection.drug_name", v);
  const int days = injection.interval_days();
  if (days < kMinInjectionDays || days > kMaxInjectionDays ||
      days % kDaysPerWeek != 0) {
    v.Add("visit.long_acting_injection.interval_days",
          absl::StrCat("must be a whole number of weeks, ", kMinInjectionDays,
                       " to ", kMaxInjectionDays, " days"));
  }
  if (!(injection.dose_mg() > 0 && injection.dose_mg() <= kMaxDoseMg)) {
    v.Add("visit.long_acting_injection.dose_mg",
          absl::StrCat("must be more than 0 and at most ", kMaxDoseMg, " mg"));
  }
}

// The form's own checks, for a patient in psychiatric management.
// `visit_day` is the visit's county day when its start is known.
void CheckForm(const Visit& visit, std::optional<absl::CivilDay> visit_day,
               FieldViolations& v) {
  if (!visit.has_risk_level()) {
    v.Add("visit.risk_level",
          "required for a patient in psychiatric management");
  } else if (visit.risk_level() < 0 || visit.risk_level() > kMaxRiskLevel) {
    v.Add("visit.risk_level", absl::StrCat("must be 0 to ", kMaxRiskLevel,
                                           ", not ", visit.risk_level()));
  }
  CheckCodeSet(visit.symptoms(), rehab::v1::Symptom_MAX, "visit.symptoms", v);
  CheckCode(visit.insight(), rehab::v1::Insight_MAX, false, "visit.insight", v);
  CheckCode(visit.sleep(), rehab::v1::Rating_MAX, false, "visit.sleep", v);
  CheckCode(visit.appetite(), rehab::v1::Rating_MAX, false, "visit.appetite",
            v);
  CheckCode(visit.social_function(), rehab::v1::Rating_MAX, false,
            "visit.social_function", v);

  if (visit.has_dangerous_behaviour()) {
    const rehab::v1::DangerousBehaviour& b = visit.dangerous_behaviour();
    const std::pair<const char*, int> counts[] = {
        {"minor_trouble", b.minor_trouble()},
        {"trouble", b.trouble()},
        {"disaster", b.disaster()},
        {"self_harm", b.self_harm()},
        {"suicide_attempt", b.suicide_attempt()}};
    for (const auto& [name, count] : counts) {
      if (count < 0 || count > kMaxBehaviourCount) {
        v.Add(absl::StrCat("visit.dangerous_behaviour.", name),
              absl::StrCat("must be 0 to ", kMaxBehaviourCount));
      }
    }
  }
  CheckCode(visit.lock_status(), rehab::v1::LockStatus_MAX, false,
            "visit.lock_status", v);
  CheckCode(visit.hospitalisation(), rehab::v1::Hospitalisation_MAX, false,
            "visit.hospitalisation", v);
  const std::optional<absl::CivilDay> discharged =
      OptionalDate(visit.last_discharge_date(), "visit.last_discharge_date", v);
  if (discharged.has_value() && visit_day.has_value() &&
      *discharged > *visit_day) {
    v.Add("visit.last_discharge_date", "must not be after the visit");
  }

  CheckCode(visit.adherence(), rehab::v1::MedicationAdherence_MAX, true,
            "visit.adherence", v);
  CheckCode(visit.adverse_reaction(), rehab::v1::AdverseReaction_MAX, false,
            "visit.adverse_reaction", v);
  if (!visit.adverse_reaction_detail().empty()) {
    if (visit.adverse_reaction() != rehab::v1::ADVERSE_REACTION_YES) {
      v.Add("visit.adverse_reaction_detail",
            "only when adverse_reaction is YES");
    } else {
      CheckSize(visit.adverse_reaction_detail(), kMaxTextLength,
                "visit.adverse_reaction_detail", v);
    }
  }
  CheckCode(visit.treatment_effect(), rehab::v1::TreatmentEffect_MAX, false,
            "visit.treatment_effect", v);

  if (visit.has_referral()) {
    const rehab::v1::Referral& referral = visit.referral();
    if (referral.referred()) {
      CheckRequiredText(referral.reason(), kMaxTextLength,
                        "visit.referral.reason", v);
    } else {
      CheckSize(referral.reason(), kMaxTextLength, "visit.referral.reason", v);
    }
    CheckSize(referral.to_facility(), kMaxNameLength,
              "visit.referral.to_facility", v);
  }
  CheckDrugs(visit, v);
  if (visit.has_long_acting_injection()) {
    CheckInjection(visit.long_acting_injection(), v);
  }
  CheckCodeSet(visit.rehab_measures(), rehab::v1::RehabMeasure_MAX,
               "visit.rehab_measures", v);
  CheckCode(visit.visit_class(), rehab::v1::VisitClass_MAX, true,
            "visit.visit_class", v);
}

// The visit's start and end; returns the start's county day when the
// start is present.
std::optional<absl::CivilDay> CheckTimes(const Visit& visit,
                                         const VisitContext& context,
                                         FieldViolations& v) {
  const absl::Time latest = context.now + context.clock_skew_tolerance;
  std::optional<absl::Time> start;
  if (!visit.has_start_time()) {
    v.Add("visit.start_time", "required");
  } else {
    start = FromProto(visit.start_time());
    if (*start > latest) v.Add("visit.start_time", "must not be in the future");
  }
  if (!visit.has_end_time()) {
    v.Add("visit.end_time", "required");
  } else {
    const absl::Time end = FromProto(visit.end_time());
    if (end > latest) {
      v.Add("visit.end_time", "must not be in the future");
    } else if (start.has_value() && end <= *start) {
      v.Add("visit.end_time", "must be after the start");
    } else if (start.has_value() && end - *start > kMaxVisitLength) {
      v.Add("visit.end_time", "a visit lasts at most 24 hours");
    }
  }
  if (!start.has_value()) return std::nullopt;
  return DayOf(*start, context.zone);
}

void CheckAgainstContract(const Visit& visit, const Contract& contract,
                          std::optional<absl::CivilDay> visit_day,
                          FieldViolations& v) {
  const std::optional<absl::CivilDay> start = ParseDate(contract.start_date());
  const std::optional<absl::CivilDay> end = ParseDate(contract.end_date());
  const std::optional<absl::CivilDay> ended = ParseDate(contract.ended_date());
  if (visit_day.has_value()) {
    if ((start.has_value() && *visit_day < *start) ||
        (end.has_value() && *visit_day > *end)) {
      v.Add("visit.start_time",
            absl::StrCat("the visit's day ", FormatDate(*visit_day),
                         " is outside the contract's term ",
                         contract.start_date(), " to ", contract.end_date()));
    } else if (ended.has_value() && *visit_day > *ended) {
      v.Add("visit.start_time",
            absl::StrCat("the contract ended on ", contract.ended_date()));
    }
  }

  std::set<std::string> package;
  for (const ContractItem& item : contract.items()) package.insert(item.code());
  std::set<std::string> delivered;
  for (int i = 0; i < visit.items_delivered_size(); ++i) {
    const std::string& code = visit.items_delivered(i);
    const std::string path = absl::StrCat("visit.items_delivered[", i, "]");
    if (package.count(code) == 0) {
      v.Add(path,
            absl::StrCat("'", code, "' is not in the contract's package"));
    } else if (!delivered.insert(code).second) {
      v.Add(path, absl::StrCat("'", code, "' repeated"));
    }
  }
}

void CheckLocation(const rehab::v1::GeoPoint& location, FieldViolations& v) {
  if (!InRange(location.latitude(), -90, 90)) {
    v.Add("visit.location.latitude", "must be -90 to 90");
  }
  if (!InRange(location.longitude(), -180, 180)) {
    v.Add("visit.location.longitude", "must be -180 to 180");
  }
  if (!(location.accuracy_m() >= 0)) {
    v.Add("visit.location.accuracy_m", "must not be negative");
  }
}

}  // namespace

absl::Status ValidateContract(const Contract& contract, absl::CivilDay today) {
  FieldViolations v;
  CheckRequiredText(contract.patient_id(), kMaxShortLength,
                    "contract.patient_id", v);
  CheckRequiredText(contract.doctor_id(), kMaxShortLength, "contract.doctor_id",
                    v);
  CheckSize(contract.team(), kMaxNameLength, "contract.team", v);
  CheckItems(contract.items(), "contract.items", v);

  const std::optional<absl::CivilDay> start =
      RequiredDate(contract.start_date(), "contract.start_date", v);
  const std::optional<absl::CivilDay> end =
      RequiredDate(contract.end_date(), "contract.end_date", v);
  const std::optional<absl::CivilDay> signed_on =
      RequiredDate(contract.signed_date(), "contract.signed_date", v);
  if (start.has_value() && end.has_value()) {
    CheckTerm(*start, *end, "contract.end_date", v);
  }
  if (signed_on.has_value()) {
    if (*signed_on > today) {
      v.Add("contract.signed_date", "must not be in the future");
    } else if (start.has_value() && *signed_on > *start) {
      v.Add("contract.signed_date", "must not be after the start date");
    }
  }
  return v.ToStatus();
}

absl::Status ValidateRenewal(const Contract& old, const std::string& end_date,
                             const RepeatedPtrField<ContractItem>& items) {
  FieldViolations v;
  const std::optional<absl::CivilDay> end =
      RequiredDate(end_date, "end_date", v);
  const std::optional<absl::CivilDay> old_end = ParseDate(old.end_date());
  if (end.has_value() && old_end.has_value()) {
    CheckTerm(*old_end + 1, *end, "end_date", v);
  }
  if (!items.empty()) CheckItems(items, "items", v);
  return v.ToStatus();
}

absl::Status ValidateVisit(const Visit& visit, const VisitContext& context) {
  FieldViolations v;
  if (!visit.voids_id().empty()) {
    v.Add("visit.voids_id", "a void is checked by ValidateVisitVoid");
  }
  if (!visit.void_reason().empty()) {
    v.Add("visit.void_reason", "only on a void");
  }
  CheckRequiredText(visit.contract_id(), kMaxShortLength, "visit.contract_id",
                    v);
  CheckSize(visit.doctor_id(), kMaxShortLength, "visit.doctor_id", v);
  CheckSize(visit.amends_id(), kMaxShortLength, "visit.amends_id", v);
  CheckSize(visit.notes(), kMaxTextLength, "visit.notes", v);
  CheckCode(visit.mode(), rehab::v1::VisitMode_MAX, true, "visit.mode", v);
  CheckCode(visit.informant(), rehab::v1::Informant_MAX, true,
            "visit.informant", v);

  const std::optional<absl::CivilDay> visit_day = CheckTimes(visit, context, v);
  if (context.contract != nullptr) {
    CheckAgainstContract(visit, *context.contract, visit_day, v);
  }
  if (static_cast<size_t>(visit.items_delivered_size()) > kMaxListLength) {
    v.Add("visit.items_delivered", absl::StrCat("at most ", kMaxListLength));
  }
  if (visit.has_location()) CheckLocation(visit.location(), v);

  if (context.psychiatric) {
    CheckForm(visit, visit_day, v);
  } else {
    for (const FormField& field : kFormFields) {
      if (field.is_set(visit)) {
        v.Add(field.path,
              "the follow-up form is only for a patient in psychiatric "
              "management");
      }
    }
  }

  const std::optional<absl::CivilDay> next =
      OptionalDate(visit.next_visit_date(), "visit.next_visit_date", v);
  if (next.has_value() && visit_day.has_value()) {
    if (*next <= *visit_day) {
      v.Add("visit.next_visit_date", "must be after the visit's day");
    } else if (*next > AddYears(*visit_day, 1)) {
      v.Add("visit.next_visit_date", "must be within a year of the visit");
    }
  }
  return v.ToStatus();
}

absl::Status ValidateVisitVoid(const Visit& visit) {
  FieldViolations v;
  CheckRequiredText(visit.contract_id(), kMaxShortLength, "visit.contract_id",
                    v);
  CheckRequiredText(visit.voids_id(), kMaxShortLength, "visit.voids_id", v);
  CheckRequiredText(visit.void_reason(), kMaxTextLength, "visit.void_reason",
                    v);
  CheckSize(visit.doctor_id(), kMaxShortLength, "visit.doctor_id", v);
  CheckSize(visit.notes(), kMaxTextLength, "visit.notes", v);
  for (const FormField& field : kContentFields) {
    if (field.is_set(visit)) v.Add(field.path, "not allowed on a void");
  }
  for (const FormField& field : kFormFields) {
    if (field.is_set(visit)) v.Add(field.path, "not allowed on a void");
  }
  return v.ToStatus();
}

bool HasPsychiatricForm(const Visit& visit) {
  for (const FormField& field : kFormFields) {
    if (field.is_set(visit)) return true;
  }
  return false;
}

}  // namespace rehab
