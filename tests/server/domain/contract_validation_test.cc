#include "server/domain/contract_validation.h"

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/dates.h"
#include "server/common/errors.h"

namespace rehab {
namespace {

using rehab::v1::Contract;
using rehab::v1::ContractItem;
using rehab::v1::Visit;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

const absl::CivilDay kToday(2024, 6, 1);
const absl::TimeZone kCounty = absl::FixedTimeZone(8 * 3600);
// 2024-06-01 12:00 in the county.
const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2024, 6, 1, 12, 0, 0), kCounty);

std::vector<std::string> FieldsOf(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : FieldViolationsOf(status)) {
    fields.push_back(v.field);
  }
  return fields;
}

// The description of the violation of `field`; "" when there is none.
std::string DescriptionOf(const absl::Status& status,
                          const std::string& field) {
  for (const FieldViolation& v : FieldViolationsOf(status)) {
    if (v.field == field) return v.description;
  }
  return "";
}

// Asserts an INVALID_ARGUMENT naming exactly `fields` (in any order).
void ExpectInvalid(const absl::Status& status,
                   const std::vector<std::string>& fields) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(ReasonOf(status), kReasonInvalidArgument) << status;
  EXPECT_THAT(FieldsOf(status), UnorderedElementsAreArray(fields)) << status;
}

void AddItem(Contract& contract, const std::string& code,
             const std::string& name, int visits_per_year) {
  ContractItem* item = contract.add_items();
  item->set_code(code);
  item->set_name(name);
  item->set_visits_per_year(visits_per_year);
}

// A contract that validates as of kToday.
Contract MakeContract() {
  Contract contract;
  contract.set_id("contract-1");
  contract.set_patient_id("patient-1");
  contract.set_doctor_id("doctor-1");
  contract.set_team("Team East");
  AddItem(contract, "basic_care", "Basic medical care", 0);
  AddItem(contract, "psych_follow_up", "Public-health follow-up", 4);
  AddItem(contract, "home_visit", "Home visits", 2);
  contract.set_start_date("2024-01-01");
  contract.set_end_date("2024-12-31");
  contract.set_signed_date("2023-12-20");
  return contract;
}

absl::Status ValidateTerm(const std::string& start, const std::string& end) {
  Contract contract = MakeContract();
  contract.set_start_date(start);
  contract.set_end_date(end);
  contract.set_signed_date(start);
  return ValidateContract(contract, kToday);
}

// ---------------------------------------------------------------------------
// ValidateContract

TEST(ValidateContractTest, AcceptsAValidContract) {
  EXPECT_TRUE(ValidateContract(MakeContract(), kToday).ok());
}

TEST(ValidateContractTest, RequiresPartiesItemsAndDates) {
  ExpectInvalid(
      ValidateContract(Contract(), kToday),
      {"contract.patient_id", "contract.doctor_id", "contract.items",
       "contract.start_date", "contract.end_date", "contract.signed_date"});
}

TEST(ValidateContractTest, ChecksEachItem) {
  Contract contract = MakeContract();
  contract.mutable_items(2)->set_code("basic_care");  // repeats item 0
  contract.mutable_items(1)->set_name(" ");
  contract.mutable_items(0)->set_visits_per_year(367);
  ExpectInvalid(ValidateContract(contract, kToday),
                {"contract.items[2].code", "contract.items[1].name",
                 "contract.items[0].visits_per_year"});

  contract = MakeContract();
  contract.mutable_items(2)->set_visits_per_year(-1);
  contract.mutable_items(0)->clear_code();
  ExpectInvalid(
      ValidateContract(contract, kToday),
      {"contract.items[2].visits_per_year", "contract.items[0].code"});

  contract = MakeContract();
  contract.mutable_items(0)->set_visits_per_year(366);
  contract.mutable_items(0)->set_code(std::string(64, 'c'));
  EXPECT_TRUE(ValidateContract(contract, kToday).ok());
  contract.mutable_items(0)->set_code(std::string(65, 'c'));
  ExpectInvalid(ValidateContract(contract, kToday), {"contract.items[0].code"});
}

TEST(ValidateContractTest, RequiresAtLeastFourVisitsAYear) {
  Contract contract = MakeContract();
  contract.mutable_items(1)->set_visits_per_year(1);  // 0 + 1 + 2 = 3
  const absl::Status status = ValidateContract(contract, kToday);
  ExpectInvalid(status, {"contract.items"});
  EXPECT_THAT(DescriptionOf(status, "contract.items"), HasSubstr("at least 4"));

  contract.mutable_items(1)->set_visits_per_year(2);  // 4
  EXPECT_TRUE(ValidateContract(contract, kToday).ok());
}

TEST(ValidateContractTest, LimitsTheNumberOfItems) {
  Contract contract = MakeContract();
  for (int i = 3; i < 101; ++i) {
    AddItem(contract, absl::StrCat("item", i), "Item", 0);
  }
  ExpectInvalid(ValidateContract(contract, kToday), {"contract.items"});
  contract.mutable_items()->RemoveLast();
  EXPECT_TRUE(ValidateContract(contract, kToday).ok());
}

TEST(ValidateContractTest, TermLastsAtLeastOneYear) {
  EXPECT_TRUE(ValidateTerm("2024-01-01", "2024-12-31").ok());
  EXPECT_TRUE(ValidateTerm("2023-06-15", "2024-06-14").ok());
  ExpectInvalid(ValidateTerm("2024-01-01", "2024-12-30"),
                {"contract.end_date"});
  ExpectInvalid(ValidateTerm("2023-06-15", "2024-06-13"),
                {"contract.end_date"});
  ExpectInvalid(ValidateTerm("2024-01-01", "2023-12-31"),
                {"contract.end_date"});
  EXPECT_THAT(DescriptionOf(ValidateTerm("2024-01-01", "2024-12-30"),
                            "contract.end_date"),
              HasSubstr("2024-12-31"));
}

TEST(ValidateContractTest, TermFromTheLeapDayCountsTo28February) {
  // 2024-02-29 + 1 year = 2025-02-28; the term may end the day before.
  EXPECT_TRUE(ValidateTerm("2024-02-29", "2025-02-27").ok());
  EXPECT_TRUE(ValidateTerm("2024-02-29", "2025-02-28").ok());
  ExpectInvalid(ValidateTerm("2024-02-29", "2025-02-26"),
                {"contract.end_date"});
  // A term across a leap day still ends the day before the anniversary.
  EXPECT_TRUE(ValidateTerm("2023-03-01", "2024-02-29").ok());
  ExpectInvalid(ValidateTerm("2023-03-01", "2024-02-28"),
                {"contract.end_date"});
  EXPECT_TRUE(ValidateTerm("2024-02-28", "2025-02-27").ok());
  ExpectInvalid(ValidateTerm("2024-02-28", "2025-02-26"),
                {"contract.end_date"});
}

TEST(ValidateContractTest, TermLastsAtMostFiveYears) {
  EXPECT_TRUE(ValidateTerm("2024-01-01", "2028-12-31").ok());
  ExpectInvalid(ValidateTerm("2024-01-01", "2029-01-01"),
                {"contract.end_date"});
  EXPECT_TRUE(ValidateTerm("2024-02-29", "2029-02-27").ok());
  ExpectInvalid(ValidateTerm("2024-02-29", "2029-02-28"),
                {"contract.end_date"});
}

TEST(ValidateContractTest, DatesMustBeRealDays) {
  Contract contract = MakeContract();
  contract.set_start_date("2023-02-29");
  contract.set_end_date("2024/12/31");
  contract.set_signed_date("yesterday");
  ExpectInvalid(
      ValidateContract(contract, kToday),
      {"contract.start_date", "contract.end_date", "contract.signed_date"});
}

TEST(ValidateContractTest, SignedNeitherInTheFutureNorAfterTheStart) {
  Contract contract = MakeContract();
  contract.set_signed_date("2024-01-01");  // the start day
  EXPECT_TRUE(ValidateContract(contract, kToday).ok());
  contract.set_signed_date("2024-01-02");
  ExpectInvalid(ValidateContract(contract, kToday), {"contract.signed_date"});

  contract.set_start_date("2024-07-01");
  contract.set_end_date("2025-06-30");
  contract.set_signed_date("2024-06-01");  // today, before a future start
  EXPECT_TRUE(ValidateContract(contract, kToday).ok());
  contract.set_signed_date("2024-06-02");
  const absl::Status status = ValidateContract(contract, kToday);
  ExpectInvalid(status, {"contract.signed_date"});
  EXPECT_THAT(DescriptionOf(status, "contract.signed_date"),
              HasSubstr("future"));
}

TEST(ValidateContractTest, LimitsStringSizes) {
  Contract contract = MakeContract();
  contract.set_team(std::string(101, 't'));
  contract.set_patient_id(std::string(65, 'p'));
  contract.mutable_items(0)->set_name(std::string(101, 'n'));
  ExpectInvalid(
      ValidateContract(contract, kToday),
      {"contract.team", "contract.patient_id", "contract.items[0].name"});
}

// ---------------------------------------------------------------------------
// ValidateRenewal

TEST(ValidateRenewalTest, NewTermStartsTheDayAfterTheOldEnd) {
  const Contract old = MakeContract();  // ends 2024-12-31
  const google::protobuf::RepeatedPtrField<ContractItem> none;
  EXPECT_TRUE(ValidateRenewal(old, "2025-12-31", none).ok());
  ExpectInvalid(ValidateRenewal(old, "2025-12-30", none), {"end_date"});
  ExpectInvalid(ValidateRenewal(old, "", none), {"end_date"});
  ExpectInvalid(ValidateRenewal(old, "2025-02-30", none), {"end_date"});
  ExpectInvalid(ValidateRenewal(old, "2030-01-01", none), {"end_date"});
  EXPECT_TRUE(ValidateRenewal(old, "2029-12-31", none).ok());
}

TEST(ValidateRenewalTest, ANewTermFromTheLeapDay) {
  Contract old = MakeContract();
  old.set_start_date("2023-03-01");
  old.set_end_date("2024-02-28");  // the new term starts 2024-02-29
  const google::protobuf::RepeatedPtrField<ContractItem> none;
  EXPECT_TRUE(ValidateRenewal(old, "2025-02-27", none).ok());
  ExpectInvalid(ValidateRenewal(old, "2025-02-26", none), {"end_date"});
}

TEST(ValidateRenewalTest, ChecksGivenItemsUnderTheRequestsPaths) {
  const Contract old = MakeContract();
  Contract items_of = MakeContract();
  items_of.mutable_items(0)->clear_code();
  items_of.mutable_items(2)->set_visits_per_year(400);
  ExpectInvalid(ValidateRenewal(old, "2025-12-31", items_of.items()),
                {"items[0].code", "items[2].visits_per_year"});

  Contract too_few;
  AddItem(too_few, "home_visit", "Home visits", 3);
  ExpectInvalid(ValidateRenewal(old, "2025-12-30", too_few.items()),
                {"items", "end_date"});
  EXPECT_TRUE(ValidateRenewal(old, "2025-12-31", MakeContract().items()).ok());
}

// ---------------------------------------------------------------------------
// ValidateVisit

google::protobuf::Timestamp CountyTime(int year, int month, int day, int hour,
                                       int minute) {
  return ToProto(absl::FromCivil(
      absl::CivilSecond(year, month, day, hour, minute, 0), kCounty));
}

// A visit without the form that validates against MakeContract().
Visit MakePlainVisit() {
  Visit visit;
  visit.set_contract_id("contract-1");
  visit.set_mode(rehab::v1::VISIT_MODE_HOME);
  visit.set_informant(rehab::v1::INFORMANT_FAMILY);
  *visit.mutable_start_time() = CountyTime(2024, 6, 1, 9, 0);
  *visit.mutable_end_time() = CountyTime(2024, 6, 1, 9, 30);
  visit.add_items_delivered("home_visit");
  visit.set_notes("Blood pressure checked.");
  return visit;
}

// A visit with the required part of the form.
Visit MakeFormVisit() {
  Visit visit = MakePlainVisit();
  visit.add_items_delivered("psych_follow_up");
  visit.set_risk_level(1);
  visit.set_visit_class(rehab::v1::VISIT_CLASS_BASICALLY_STABLE);
  visit.set_adherence(rehab::v1::MEDICATION_ADHERENCE_REGULAR);
  return visit;
}

// A visit with every form field set to a valid value.
Visit MakeFullFormVisit() {
  Visit visit = MakeFormVisit();
  visit.add_symptoms(rehab::v1::SYMPTOM_SUSPICION);
  visit.add_symptoms(rehab::v1::SYMPTOM_OTHER);
  visit.set_insight(rehab::v1::INSIGHT_PARTIAL);
  visit.set_sleep(rehab::v1::RATING_FAIR);
  visit.set_appetite(rehab::v1::RATING_GOOD);
  visit.set_social_function(rehab::v1::RATING_POOR);
  visit.mutable_dangerous_behaviour()->set_minor_trouble(1);
  visit.set_lock_status(rehab::v1::LOCK_STATUS_NONE);
  visit.set_hospitalisation(rehab::v1::HOSPITALISATION_BEFORE);
  visit.set_last_discharge_date("2023-11-20");
  visit.set_adverse_reaction(rehab::v1::ADVERSE_REACTION_YES);
  visit.set_adverse_reaction_detail("tremor");
  visit.set_treatment_effect(rehab::v1::TREATMENT_EFFECT_IMPROVED);
  visit.mutable_referral()->set_referred(true);
  visit.mutable_referral()->set_reason("hallucinations returned");
  visit.mutable_referral()->set_to_facility("County Mental Health Centre");
  rehab::v1::DrugDose* drug = visit.add_drugs();
  drug->set_drug_name("risperidone");
  drug->set_evening_mg(2);
  visit.mutable_long_acting_injection()->set_drug_name("paliperidone");
  visit.mutable_long_acting_injection()->set_interval_days(28);
  visit.mutable_long_acting_injection()->set_dose_mg(150);
  visit.add_rehab_measures(rehab::v1::REHAB_MEASURE_LIFE_SKILLS);
  visit.add_rehab_measures(rehab::v1::REHAB_MEASURE_OTHER);
  visit.set_next_visit_date("2024-06-15");
  return visit;
}

class ValidateVisitTest : public ::testing::Test {
 protected:
  VisitContext Context(bool psychiatric) const {
    VisitContext context;
    context.contract = &contract_;
    context.psychiatric = psychiatric;
    context.now = kNow;
    context.zone = kCounty;
    return context;
  }
  absl::Status Psychiatric(const Visit& visit) const {
    return ValidateVisit(visit, Context(true));
  }
  absl::Status Plain(const Visit& visit) const {
    return ValidateVisit(visit, Context(false));
  }

  Contract contract_ = MakeContract();
};

TEST_F(ValidateVisitTest, AcceptsValidVisits) {
  EXPECT_TRUE(Plain(MakePlainVisit()).ok()) << Plain(MakePlainVisit());
  EXPECT_TRUE(Psychiatric(MakeFormVisit()).ok());
  EXPECT_TRUE(Psychiatric(MakeFullFormVisit()).ok())
      << Psychiatric(MakeFullFormVisit());
}

TEST_F(ValidateVisitTest, RequiresContractModeInformantAndTimes) {
  ExpectInvalid(Plain(Visit()),
                {"visit.contract_id", "visit.mode", "visit.informant",
                 "visit.start_time", "visit.end_time"});
}

TEST_F(ValidateVisitTest, RiskLevelIsZeroToFive) {
  for (int risk : {0, 5}) {
    Visit visit = MakeFormVisit();
    visit.set_risk_level(risk);
    EXPECT_TRUE(Psychiatric(visit).ok()) << risk;
  }
  for (int risk : {-1, 6}) {
    Visit visit = MakeFormVisit();
    visit.set_risk_level(risk);
    ExpectInvalid(Psychiatric(visit), {"visit.risk_level"});
  }
}

TEST_F(ValidateVisitTest, PsychiatricVisitsNeedRiskClassAndAdherence) {
  Visit visit = MakeFormVisit();
  visit.clear_risk_level();
  const absl::Status status = Psychiatric(visit);
  ExpectInvalid(status, {"visit.risk_level"});
  EXPECT_THAT(DescriptionOf(status, "visit.risk_level"), HasSubstr("required"));

  ExpectInvalid(Psychiatric(MakePlainVisit()),
                {"visit.risk_level", "visit.visit_class", "visit.adherence"});
}

TEST_F(ValidateVisitTest, EachCodedFieldTakesOnlyItsNationalCodes) {
  struct Case {
    std::string field;
    int max;
    std::function<void(Visit&, int)> set;
  };
  const std::vector<Case> cases = {
      {"visit.mode", 3,
       [](Visit& v, int c) { v.set_mode(rehab::v1::VisitMode(c)); }},
      {"visit.informant", 3,
       [](Visit& v, int c) { v.set_informant(rehab::v1::Informant(c)); }},
      {"visit.insight", 3,
       [](Visit& v, int c) { v.set_insight(rehab::v1::Insight(c)); }},
      {"visit.sleep", 3,
       [](Visit& v, int c) { v.set_sleep(rehab::v1::Rating(c)); }},
      {"visit.appetite", 3,
       [](Visit& v, int c) { v.set_appetite(rehab::v1::Rating(c)); }},
      {"visit.social_function", 3,
       [](Visit& v, int c) { v.set_social_function(rehab::v1::Rating(c)); }},
      {"visit.lock_status", 3,
       [](Visit& v, int c) { v.set_lock_status(rehab::v1::LockStatus(c)); }},
      {"visit.hospitalisation", 3,
       [](Visit& v, int c) {
         v.set_hospitalisation(rehab::v1::Hospitalisation(c));
       }},
      {"visit.adherence", 4,
       [](Visit& v, int c) {
         v.set_adherence(rehab::v1::MedicationAdherence(c));
       }},
      {"visit.adverse_reaction", 2,
       [](Visit& v, int c) {
         v.set_adverse_reaction(rehab::v1::AdverseReaction(c));
         v.clear_adverse_reaction_detail();
       }},
      {"visit.treatment_effect", 4,
       [](Visit& v, int c) {
         v.set_treatment_effect(rehab::v1::TreatmentEffect(c));
       }},
      {"visit.visit_class", 3,
       [](Visit& v, int c) { v.set_visit_class(rehab::v1::VisitClass(c)); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    for (int code = 1; code <= c.max; ++code) {
      Visit visit = MakeFullFormVisit();
      c.set(visit, code);
      EXPECT_TRUE(Psychiatric(visit).ok())
          << code << ": " << Psychiatric(visit);
    }
    for (int code : {c.max + 1, -1}) {
      Visit visit = MakeFullFormVisit();
      c.set(visit, code);
      const absl::Status status = Psychiatric(visit);
      ExpectInvalid(status, {c.field});
      EXPECT_THAT(DescriptionOf(status, c.field), HasSubstr("unknown code"));
    }
  }
}

TEST_F(ValidateVisitTest, SymptomsAreTwelveCodesWithoutRepeats) {
  Visit visit = MakeFormVisit();
  for (int s = 1; s <= 12; ++s) visit.add_symptoms(rehab::v1::Symptom(s));
  EXPECT_TRUE(Psychiatric(visit).ok());

  visit = MakeFormVisit();
  visit.add_symptoms(rehab::v1::SYMPTOM_SUSPICION);
  visit.add_symptoms(rehab::v1::Symptom(13));
  visit.add_symptoms(rehab::v1::SYMPTOM_UNSPECIFIED);
  visit.add_symptoms(rehab::v1::SYMPTOM_SUSPICION);
  const absl::Status status = Psychiatric(visit);
  ExpectInvalid(
      status, {"visit.symptoms[1]", "visit.symptoms[2]", "visit.symptoms[3]"});
  EXPECT_THAT(DescriptionOf(status, "visit.symptoms[3]"),
              HasSubstr("repeated"));
}

TEST_F(ValidateVisitTest, RehabMeasuresAreFiveCodesWithoutRepeats) {
  Visit visit = MakeFormVisit();
  visit.add_rehab_measures(rehab::v1::REHAB_MEASURE_OTHER);
  visit.add_rehab_measures(rehab::v1::RehabMeasure(6));
  visit.add_rehab_measures(rehab::v1::REHAB_MEASURE_OTHER);
  ExpectInvalid(Psychiatric(visit),
                {"visit.rehab_measures[1]", "visit.rehab_measures[2]"});
}

TEST_F(ValidateVisitTest, DangerousBehaviourCountsAreZeroTo999) {
  Visit visit = MakeFormVisit();
  visit.mutable_dangerous_behaviour()->set_suicide_attempt(999);
  visit.mutable_dangerous_behaviour()->set_trouble(0);
  EXPECT_TRUE(Psychiatric(visit).ok());
  visit.mutable_dangerous_behaviour()->set_suicide_attempt(1000);
  visit.mutable_dangerous_behaviour()->set_self_harm(-1);
  ExpectInvalid(Psychiatric(visit),
                {"visit.dangerous_behaviour.suicide_attempt",
                 "visit.dangerous_behaviour.self_harm"});
}

TEST_F(ValidateVisitTest, AtMostThreeDrugs) {
  Visit visit = MakeFormVisit();
  for (int i = 0; i < 3; ++i) {
    rehab::v1::DrugDose* drug = visit.add_drugs();
    drug->set_drug_name(absl::StrCat("drug ", i));
    drug->set_morning_mg(1);
  }
  EXPECT_TRUE(Psychiatric(visit).ok());
  visit.add_drugs()->set_drug_name("drug 3");
  ExpectInvalid(Psychiatric(visit), {"visit.drugs"});
}

TEST_F(ValidateVisitTest, DrugDosesAreZeroTo10000WithOneAboveZero) {
  Visit visit = MakeFormVisit();
  rehab::v1::DrugDose* drug = visit.add_drugs();
  drug->set_drug_name("clozapine");
  drug->set_morning_mg(10000);
  EXPECT_TRUE(Psychiatric(visit).ok());

  drug->set_morning_mg(10000.5);
  drug->set_noon_mg(-1);
  drug->set_evening_mg(std::nan(""));
  ExpectInvalid(Psychiatric(visit),
                {"visit.drugs[0].morning_mg", "visit.drugs[0].noon_mg",
                 "visit.drugs[0].evening_mg"});

  drug->set_morning_mg(0);
  drug->set_noon_mg(0);
  drug->set_evening_mg(0);
  drug->clear_drug_name();
  ExpectInvalid(Psychiatric(visit),
                {"visit.drugs[0]", "visit.drugs[0].drug_name"});
}

TEST_F(ValidateVisitTest, InjectionEveryWholeNumberOfWeeks) {
  for (int days : {7, 14, 28, 84}) {
    Visit visit = MakeFullFormVisit();
    visit.mutable_long_acting_injection()->set_interval_days(days);
    EXPECT_TRUE(Psychiatric(visit).ok()) << days;
  }
  for (int days : {0, 10, 91, -7}) {
    Visit visit = MakeFullFormVisit();
    visit.mutable_long_acting_injection()->set_interval_days(days);
    ExpectInvalid(Psychiatric(visit),
                  {"visit.long_acting_injection.interval_days"});
  }
  Visit visit = MakeFullFormVisit();
  visit.mutable_long_acting_injection()->set_dose_mg(0);
  visit.mutable_long_acting_injection()->clear_drug_name();
  ExpectInvalid(Psychiatric(visit), {"visit.long_acting_injection.dose_mg",
                                     "visit.long_acting_injection.drug_name"});
}

TEST_F(ValidateVisitTest, AdverseReactionDetailOnlyWithAReaction) {
  Visit visit = MakeFullFormVisit();
  visit.set_adverse_reaction(rehab::v1::ADVERSE_REACTION_NONE);
  ExpectInvalid(Psychiatric(visit), {"visit.adverse_reaction_detail"});
  visit.clear_adverse_reaction_detail();
  EXPECT_TRUE(Psychiatric(visit).ok());
}

TEST_F(ValidateVisitTest, AReferralNeedsAReason) {
  Visit visit = MakeFullFormVisit();
  visit.mutable_referral()->clear_reason();
  ExpectInvalid(Psychiatric(visit), {"visit.referral.reason"});
  visit.mutable_referral()->set_referred(false);
  EXPECT_TRUE(Psychiatric(visit).ok());
}

TEST_F(ValidateVisitTest, LastDischargeIsARealDayNotAfterTheVisit) {
  Visit visit = MakeFullFormVisit();
  visit.set_last_discharge_date("2024-06-01");  // the visit's day
  EXPECT_TRUE(Psychiatric(visit).ok());
  visit.set_last_discharge_date("2024-06-02");
  ExpectInvalid(Psychiatric(visit), {"visit.last_discharge_date"});
  visit.set_last_discharge_date("2024-02-30");
  ExpectInvalid(Psychiatric(visit), {"visit.last_discharge_date"});
}

TEST_F(ValidateVisitTest, EndsAfterItStartsWithin24Hours) {
  Visit visit = MakePlainVisit();
  *visit.mutable_end_time() = CountyTime(2024, 6, 1, 8, 59);
  ExpectInvalid(Plain(visit), {"visit.end_time"});
  *visit.mutable_end_time() = visit.start_time();
  ExpectInvalid(Plain(visit), {"visit.end_time"});

  *visit.mutable_start_time() = CountyTime(2024, 5, 30, 9, 0);
  *visit.mutable_end_time() = CountyTime(2024, 5, 31, 9, 0);
  EXPECT_TRUE(Plain(visit).ok());
  *visit.mutable_end_time() = CountyTime(2024, 5, 31, 9, 1);
  ExpectInvalid(Plain(visit), {"visit.end_time"});
}

TEST_F(ValidateVisitTest, NotInTheFutureBeyondTheClockSkewTolerance) {
  Visit visit = MakePlainVisit();
  *visit.mutable_start_time() = ToProto(kNow + absl::Minutes(5));
  *visit.mutable_end_time() = ToProto(kNow + absl::Minutes(10));
  EXPECT_TRUE(Plain(visit).ok());

  *visit.mutable_end_time() =
      ToProto(kNow + absl::Minutes(10) + absl::Seconds(1));
  ExpectInvalid(Plain(visit), {"visit.end_time"});

  *visit.mutable_start_time() = ToProto(kNow + absl::Minutes(11));
  *visit.mutable_end_time() = ToProto(kNow + absl::Minutes(12));
  ExpectInvalid(Plain(visit), {"visit.start_time", "visit.end_time"});

  VisitContext lenient = Context(false);
  lenient.clock_skew_tolerance = absl::Hours(1);
  EXPECT_TRUE(ValidateVisit(visit, lenient).ok());
}

TEST_F(ValidateVisitTest, TheVisitsCountyDayLiesInTheTerm) {
  Visit visit = MakePlainVisit();
  // 00:30 on the first day of the term, county time (16:30 UTC the day
  // before).
  *visit.mutable_start_time() = CountyTime(2024, 1, 1, 0, 30);
  *visit.mutable_end_time() = CountyTime(2024, 1, 1, 1, 0);
  EXPECT_TRUE(Plain(visit).ok());

  *visit.mutable_start_time() = CountyTime(2023, 12, 31, 23, 30);
  const absl::Status status = Plain(visit);
  ExpectInvalid(status, {"visit.start_time"});
  EXPECT_THAT(DescriptionOf(status, "visit.start_time"),
              HasSubstr("outside the contract's term"));

  // After the term's end (the contract looked at from a later today).
  contract_.set_start_date("2023-01-01");
  contract_.set_end_date("2023-12-31");
  *visit.mutable_start_time() = CountyTime(2024, 1, 1, 0, 30);
  ExpectInvalid(Plain(visit), {"visit.start_time"});
}

TEST_F(ValidateVisitTest, NoVisitAfterTheContractEnded) {
  contract_.set_ended_date("2024-05-01");
  Visit visit = MakePlainVisit();
  *visit.mutable_start_time() = CountyTime(2024, 5, 1, 16, 0);
  *visit.mutable_end_time() = CountyTime(2024, 5, 1, 16, 30);
  EXPECT_TRUE(Plain(visit).ok());

  *visit.mutable_start_time() = CountyTime(2024, 5, 2, 8, 0);
  *visit.mutable_end_time() = CountyTime(2024, 5, 2, 8, 30);
  const absl::Status status = Plain(visit);
  ExpectInvalid(status, {"visit.start_time"});
  EXPECT_THAT(DescriptionOf(status, "visit.start_time"),
              HasSubstr("contract ended on 2024-05-01"));
}

TEST_F(ValidateVisitTest, ItemsDeliveredComeFromThePackage) {
  Visit visit = MakePlainVisit();
  visit.add_items_delivered("dental_care");
  visit.add_items_delivered("home_visit");
  const absl::Status status = Plain(visit);
  ExpectInvalid(status,
                {"visit.items_delivered[1]", "visit.items_delivered[2]"});
  EXPECT_THAT(DescriptionOf(status, "visit.items_delivered[1]"),
              HasSubstr("not in the contract's package"));
}

TEST_F(ValidateVisitTest, LocationWithinTheGlobe) {
  Visit visit = MakePlainVisit();
  visit.mutable_location()->set_latitude(90);
  visit.mutable_location()->set_longitude(-180);
  visit.mutable_location()->set_accuracy_m(0);
  EXPECT_TRUE(Plain(visit).ok());
  visit.mutable_location()->set_latitude(90.1);
  visit.mutable_location()->set_longitude(
      std::numeric_limits<double>::quiet_NaN());
  visit.mutable_location()->set_accuracy_m(-1);
  ExpectInvalid(Plain(visit),
                {"visit.location.latitude", "visit.location.longitude",
                 "visit.location.accuracy_m"});
}

TEST_F(ValidateVisitTest, NextVisitDateWithinAYearAfterTheVisit) {
  Visit visit = MakePlainVisit();  // on 2024-06-01
  for (const char* ok : {"2024-06-02", "2025-06-01"}) {
    visit.set_next_visit_date(ok);
    EXPECT_TRUE(Plain(visit).ok()) << ok;
  }
  for (const char* bad :
       {"2024-06-01", "2024-05-31", "2025-06-02", "2024-06-31"}) {
    visit.set_next_visit_date(bad);
    ExpectInvalid(Plain(visit), {"visit.next_visit_date"});
  }
}

TEST_F(ValidateVisitTest, APlainVisitCarriesNoFormField) {
  struct Case {
    std::string field;
    std::function<void(Visit&)> set;
  };
  const std::vector<Case> cases = {
      {"visit.risk_level", [](Visit& v) { v.set_risk_level(0); }},
      {"visit.symptoms",
       [](Visit& v) { v.add_symptoms(rehab::v1::SYMPTOM_OTHER); }},
      {"visit.insight",
       [](Visit& v) { v.set_insight(rehab::v1::INSIGHT_COMPLETE); }},
      {"visit.sleep", [](Visit& v) { v.set_sleep(rehab::v1::RATING_GOOD); }},
      {"visit.appetite",
       [](Visit& v) { v.set_appetite(rehab::v1::RATING_GOOD); }},
      {"visit.social_function",
       [](Visit& v) { v.set_social_function(rehab::v1::RATING_GOOD); }},
      {"visit.dangerous_behaviour",
       [](Visit& v) { v.mutable_dangerous_behaviour(); }},
      {"visit.lock_status",
       [](Visit& v) { v.set_lock_status(rehab::v1::LOCK_STATUS_NONE); }},
      {"visit.hospitalisation",
       [](Visit& v) {
         v.set_hospitalisation(rehab::v1::HOSPITALISATION_NEVER);
       }},
      {"visit.last_discharge_date",
       [](Visit& v) { v.set_last_discharge_date("2024-01-01"); }},
      {"visit.adherence",
       [](Visit& v) {
         v.set_adherence(rehab::v1::MEDICATION_ADHERENCE_REGULAR);
       }},
      {"visit.adverse_reaction",
       [](Visit& v) {
         v.set_adverse_reaction(rehab::v1::ADVERSE_REACTION_NONE);
       }},
      {"visit.adverse_reaction_detail",
       [](Visit& v) { v.set_adverse_reaction_detail("rash"); }},
      {"visit.treatment_effect",
       [](Visit& v) {
         v.set_treatment_effect(rehab::v1::TREATMENT_EFFECT_CURED);
       }},
      {"visit.referral", [](Visit& v) { v.mutable_referral(); }},
      {"visit.drugs", [](Visit& v) { v.add_drugs()->set_drug_name("x"); }},
      {"visit.long_acting_injection",
       [](Visit& v) { v.mutable_long_acting_injection(); }},
      {"visit.rehab_measures",
       [](Visit& v) {
         v.add_rehab_measures(rehab::v1::REHAB_MEASURE_LEARNING);
       }},
      {"visit.visit_class",
       [](Visit& v) { v.set_visit_class(rehab::v1::VISIT_CLASS_STABLE); }},
  };
  for (const Case& c : cases) {
    Visit visit = MakePlainVisit();
    c.set(visit);
    const absl::Status status = Plain(visit);
    ExpectInvalid(status, {c.field});
    EXPECT_THAT(DescriptionOf(status, c.field),
                HasSubstr("psychiatric management"));
    EXPECT_TRUE(HasPsychiatricForm(visit)) << c.field;
  }
}

TEST_F(ValidateVisitTest, ReportsEveryViolationAtOnce) {
  Visit visit = MakeFormVisit();
  visit.set_risk_level(6);
  visit.clear_mode();
  visit.add_items_delivered("dental_care");
  ExpectInvalid(Psychiatric(visit),
                {"visit.risk_level", "visit.mode", "visit.items_delivered[2]"});
}

TEST_F(ValidateVisitTest, AVoidMustGoThroughValidateVisitVoid) {
  Visit visit = MakePlainVisit();
  visit.set_voids_id("visit-1");
  const absl::Status status = Plain(visit);
  ExpectInvalid(status, {"visit.voids_id"});
  EXPECT_THAT(DescriptionOf(status, "visit.voids_id"),
              HasSubstr("ValidateVisitVoid"));

  visit.clear_voids_id();
  visit.set_void_reason("entered twice");
  ExpectInvalid(Plain(visit), {"visit.void_reason"});
}

TEST_F(ValidateVisitTest, LimitsStringSizes) {
  Visit visit = MakePlainVisit();
  visit.set_notes(std::string(2001, 'n'));
  visit.set_doctor_id(std::string(65, 'd'));
  ExpectInvalid(Plain(visit), {"visit.notes", "visit.doctor_id"});
}

// ---------------------------------------------------------------------------
// ValidateVisitVoid and HasPsychiatricForm

Visit MakeVoid() {
  Visit visit;
  visit.set_contract_id("contract-1");
  visit.set_voids_id("visit-1");
  visit.set_void_reason("entered for the wrong patient");
  return visit;
}

TEST(ValidateVisitVoidTest, AcceptsAVoid) {
  EXPECT_TRUE(ValidateVisitVoid(MakeVoid()).ok());
  Visit visit = MakeVoid();
  visit.set_notes("see the paper form");
  visit.set_doctor_id("doctor-1");
  EXPECT_TRUE(ValidateVisitVoid(visit).ok());
}

TEST(ValidateVisitVoidTest, RequiresContractTargetAndReason) {
  ExpectInvalid(ValidateVisitVoid(Visit()),
                {"visit.contract_id", "visit.voids_id", "visit.void_reason"});
  Visit visit = MakeVoid();
  visit.set_void_reason(std::string(2001, 'r'));
  ExpectInvalid(ValidateVisitVoid(visit), {"visit.void_reason"});
}

TEST(ValidateVisitVoidTest, CarriesNoContentOrForm) {
  Visit visit = MakeFullFormVisit();
  visit.set_voids_id("visit-1");
  visit.set_void_reason("wrong patient");
  visit.set_amends_id("visit-0");
  visit.mutable_location();
  const absl::Status status = ValidateVisitVoid(visit);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  const std::vector<std::string> fields = FieldsOf(status);
  for (const char* field :
       {"visit.mode", "visit.informant", "visit.start_time", "visit.end_time",
        "visit.location", "visit.items_delivered", "visit.amends_id",
        "visit.next_visit_date", "visit.risk_level", "visit.symptoms",
        "visit.drugs", "visit.visit_class", "visit.adherence",
        "visit.long_acting_injection"}) {
    EXPECT_THAT(fields, ::testing::Contains(field));
  }
  EXPECT_THAT(fields, ::testing::Not(::testing::Contains("visit.notes")));
}

TEST(HasPsychiatricFormTest, OnlyFormFieldsCount) {
  EXPECT_FALSE(HasPsychiatricForm(Visit()));
  Visit visit = MakePlainVisit();
  visit.set_next_visit_date("2024-06-15");
  visit.mutable_location()->set_latitude(31);
  EXPECT_FALSE(HasPsychiatricForm(visit));
  EXPECT_TRUE(HasPsychiatricForm(MakeFormVisit()));

  Visit zero_risk;
  zero_risk.set_risk_level(0);  // set, though zero
  EXPECT_TRUE(HasPsychiatricForm(zero_risk));
}

}  // namespace
}  // namespace rehab
