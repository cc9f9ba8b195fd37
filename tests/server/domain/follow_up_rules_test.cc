#include "server/domain/follow_up_rules.h"

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/dates.h"

namespace rehab {
namespace {

using rehab::v1::Contract;
using rehab::v1::FollowUp;
using rehab::v1::FollowUpReason;
using rehab::v1::Visit;
using rehab::v1::VisitClass;
using ::testing::HasSubstr;

constexpr FollowUpReason kFirstVisit = rehab::v1::FOLLOW_UP_REASON_FIRST_VISIT;
constexpr FollowUpReason kUnstable = rehab::v1::FOLLOW_UP_REASON_UNSTABLE;
constexpr FollowUpReason kBasicallyStable =
    rehab::v1::FOLLOW_UP_REASON_BASICALLY_STABLE;
constexpr FollowUpReason kStable = rehab::v1::FOLLOW_UP_REASON_STABLE;
constexpr FollowUpReason kPackage = rehab::v1::FOLLOW_UP_REASON_PACKAGE;
constexpr FollowUpReason kDoctorOrder =
    rehab::v1::FOLLOW_UP_REASON_DOCTOR_ORDER;

constexpr VisitClass kNoClass = rehab::v1::VISIT_CLASS_UNSPECIFIED;
constexpr VisitClass kClassUnstable = rehab::v1::VISIT_CLASS_UNSTABLE;
constexpr VisitClass kClassBasicallyStable =
    rehab::v1::VISIT_CLASS_BASICALLY_STABLE;
constexpr VisitClass kClassStable = rehab::v1::VISIT_CLASS_STABLE;

const absl::CivilDay kContractStart(2024, 1, 1);
const absl::CivilDay kVisitDay(2024, 3, 1);

ScheduleInput AfterVisit(int visits_per_year, VisitClass visit_class,
                         std::optional<int> risk_level,
                         std::optional<absl::CivilDay> next_visit_date = {}) {
  ScheduleInput input;
  input.contract_start = kContractStart;
  input.visits_per_year = visits_per_year;
  ScheduleVisit visit;
  visit.date = kVisitDay;
  visit.visit_class = visit_class;
  visit.risk_level = risk_level;
  visit.next_visit_date = next_visit_date;
  input.last_visit = visit;
  return input;
}

std::string Describe(VisitClass visit_class, std::optional<int> risk) {
  return absl::StrCat("class ", rehab::v1::VisitClass_Name(visit_class),
                      ", risk ",
                      risk.has_value() ? std::to_string(*risk) : "unset");
}

// ---------------------------------------------------------------------------
// The rules file

TEST(FollowUpRulesTest, DefaultsAreTheNationalRules) {
  const FollowUpRules rules;
  EXPECT_EQ(rules.unstable_days, 14);
  EXPECT_EQ(rules.basically_stable_days, 14);
  EXPECT_EQ(rules.stable_days, 90);
  EXPECT_EQ(rules.high_risk_days, 14);
  EXPECT_EQ(rules.low_risk_days, 14);
  EXPECT_EQ(rules.no_risk_days, 90);
  EXPECT_EQ(rules.first_visit_days, 0);
  EXPECT_EQ(rules.missed_visits_lost, 3);
  EXPECT_EQ(rules.alert_risk_level, 3);
}

TEST(FollowUpRulesTest, ParsesNamesValuesCommentsAndBlankLines) {
  absl::StatusOr<FollowUpRules> rules = FollowUpRules::Parse(
      "# County rules\n"
      "\n"
      "stable_days = 60\n"
      "   unstable_days=7   # one week\n"
      "no_risk_days = 61\r\n"
      "first_visit_days = 0\n"
      "missed_visits_lost = 2\n"
      "alert_risk_level = 4\n"
      "basically_stable_days = 10\n"
      "high_risk_days = 5\n"
      "low_risk_days = 12");
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_EQ(rules->stable_days, 60);
  EXPECT_EQ(rules->unstable_days, 7);
  EXPECT_EQ(rules->no_risk_days, 61);
  EXPECT_EQ(rules->first_visit_days, 0);
  EXPECT_EQ(rules->missed_visits_lost, 2);
  EXPECT_EQ(rules->alert_risk_level, 4);
  EXPECT_EQ(rules->basically_stable_days, 10);
  EXPECT_EQ(rules->high_risk_days, 5);
  EXPECT_EQ(rules->low_risk_days, 12);
}

TEST(FollowUpRulesTest, UnnamedFieldsKeepTheirDefaults) {
  absl::StatusOr<FollowUpRules> rules =
      FollowUpRules::Parse("stable_days = 60\n");
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_EQ(rules->stable_days, 60);
  EXPECT_EQ(rules->unstable_days, 14);
  EXPECT_EQ(rules->missed_visits_lost, 3);

  absl::StatusOr<FollowUpRules> empty = FollowUpRules::Parse("");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->no_risk_days, 90);
}

TEST(FollowUpRulesTest, RejectsBadLinesNamingTheLine) {
  struct Case {
    std::string text;
    std::string expected;  // a part of the message
  };
  const std::vector<Case> cases = {
      {"stable_days = 60\n# ok\nstabel_days = 30", "line 3"},
      {"stable_days = 60\n# ok\nstabel_days = 30", "stabel_days"},
      {"stable_days = sixty", "whole number"},
      {"stable_days = 1.5", "whole number"},
      {"stable_days = +3", "whole number"},
      {"stable_days =", "whole number"},
      {"stable_days 60", "name = value"},
      {"stable_days = 0", "1 to 366"},
      {"stable_days = 367", "1 to 366"},
      {"unstable_days = -14", "1 to 366"},
      {"stable_days = 99999999999999999999", "1 to 366"},
      {"first_visit_days = -1", "0 to 366"},
      {"first_visit_days = 367", "0 to 366"},
      {"missed_visits_lost = 0", "1 to 12"},
      {"missed_visits_lost = 13", "1 to 12"},
      {"alert_risk_level = 0", "1 to 5"},
      {"alert_risk_level = 6", "1 to 5"},
      {"stable_days = 60\nstable_days = 30", "line 2"},
      {"stable_days = 60\nstable_days = 30", "twice"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<FollowUpRules> rules = FollowUpRules::Parse(c.text);
    ASSERT_FALSE(rules.ok()) << c.text;
    EXPECT_EQ(rules.status().code(), absl::StatusCode::kInvalidArgument)
        << c.text;
    EXPECT_THAT(std::string(rules.status().message()), HasSubstr(c.expected))
        << c.text;
  }
}

TEST(FollowUpRulesTest, AcceptsTheEdgesOfEachRange) {
  const std::vector<std::string> texts = {
      "stable_days = 1",        "stable_days = 366",
      "first_visit_days = 0",   "first_visit_days = 366",
      "missed_visits_lost = 1", "missed_visits_lost = 12",
      "alert_risk_level = 1",   "alert_risk_level = 5",
  };
  for (const std::string& text : texts) {
    EXPECT_TRUE(FollowUpRules::Parse(text).ok()) << text;
  }
}

TEST(FollowUpRulesTest, LoadsAFileAndReportsAMissingOne) {
  const std::string path =
      absl::StrCat(::testing::TempDir(), "follow_up_rules_test.conf");
  {
    std::ofstream out(path);
    out << "# test county\nstable_days = 45\n";
  }
  absl::StatusOr<FollowUpRules> rules = FollowUpRules::Load(path);
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_EQ(rules->stable_days, 45);

  {
    std::ofstream out(path);
    out << "stable_days = 0\n";
  }
  absl::StatusOr<FollowUpRules> bad = FollowUpRules::Load(path);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr(path));
  std::remove(path.c_str());

  EXPECT_EQ(FollowUpRules::Load(path).status().code(),
            absl::StatusCode::kNotFound);
}

// ---------------------------------------------------------------------------
// Package frequency

TEST(PackageTest, VisitsPerYearSumsTheItems) {
  Contract contract;
  EXPECT_EQ(VisitsPerYear(contract), 0);
  contract.add_items()->set_visits_per_year(4);
  contract.add_items()->set_visits_per_year(0);
  contract.add_items()->set_visits_per_year(2);
  EXPECT_EQ(VisitsPerYear(contract), 6);
}

TEST(PackageTest, IntervalIsTheYearDividedByTheVisits) {
  EXPECT_EQ(PackageIntervalDays(4), 91);
  EXPECT_EQ(PackageIntervalDays(6), 60);
  EXPECT_EQ(PackageIntervalDays(12), 30);
  EXPECT_EQ(PackageIntervalDays(24), 15);
  EXPECT_EQ(PackageIntervalDays(1), 365);
  EXPECT_EQ(PackageIntervalDays(365), 1);
  EXPECT_EQ(PackageIntervalDays(0), 365);
  // More than one visit a day still leaves a day between visits.
  EXPECT_EQ(PackageIntervalDays(500), 1);
}

// ---------------------------------------------------------------------------
// The next due date

struct ScheduleCase {
  VisitClass visit_class;
  std::optional<int> risk;
  int days;
  FollowUpReason reason;
};

void ExpectSchedule(const FollowUpRules& rules, int visits_per_year,
                    const std::vector<ScheduleCase>& cases) {
  for (const ScheduleCase& c : cases) {
    const NextFollowUp next = ComputeNextFollowUp(
        rules, AfterVisit(visits_per_year, c.visit_class, c.risk));
    EXPECT_EQ(next.interval_days, c.days) << Describe(c.visit_class, c.risk);
    EXPECT_EQ(next.due_date, kVisitDay + c.days)
        << Describe(c.visit_class, c.risk);
    EXPECT_EQ(next.reason, c.reason) << Describe(c.visit_class, c.risk);
  }
}

TEST(ComputeNextFollowUpTest, NationalRulesForEachClassAndRiskLevel) {
  // Package 4 a year: every 91 days, longer than every clinical rule.
  const std::vector<ScheduleCase> cases = {
      {kNoClass, std::nullopt, 91, kPackage},
      {kNoClass, 0, 90, kStable},
      {kNoClass, 1, 14, kBasicallyStable},
      {kNoClass, 2, 14, kBasicallyStable},
      {kNoClass, 3, 14, kUnstable},
      {kNoClass, 4, 14, kUnstable},
      {kNoClass, 5, 14, kUnstable},
      {kClassUnstable, std::nullopt, 14, kUnstable},
      {kClassUnstable, 0, 14, kUnstable},
      {kClassUnstable, 1, 14, kUnstable},
      {kClassUnstable, 2, 14, kUnstable},
      {kClassUnstable, 3, 14, kUnstable},
      {kClassUnstable, 4, 14, kUnstable},
      {kClassUnstable, 5, 14, kUnstable},
      {kClassBasicallyStable, std::nullopt, 14, kBasicallyStable},
      {kClassBasicallyStable, 0, 14, kBasicallyStable},
      {kClassBasicallyStable, 1, 14, kBasicallyStable},
      {kClassBasicallyStable, 2, 14, kBasicallyStable},
      // Equal intervals: the more urgent rule names the result.
      {kClassBasicallyStable, 3, 14, kUnstable},
      {kClassBasicallyStable, 4, 14, kUnstable},
      {kClassBasicallyStable, 5, 14, kUnstable},
      {kClassStable, std::nullopt, 90, kStable},
      {kClassStable, 0, 90, kStable},
      // A stable class with a risk: the shorter (risk) interval wins.
      {kClassStable, 1, 14, kBasicallyStable},
      {kClassStable, 2, 14, kBasicallyStable},
      {kClassStable, 3, 14, kUnstable},
      {kClassStable, 4, 14, kUnstable},
      {kClassStable, 5, 14, kUnstable},
  };
  ExpectSchedule(FollowUpRules(), 4, cases);
}

TEST(ComputeNextFollowUpTest, CountyRulesPickTheShorterOfClassAndRisk) {
  // Every rule a different length, so that each cell shows which won.
  FollowUpRules rules;
  rules.unstable_days = 10;
  rules.basically_stable_days = 20;
  rules.stable_days = 80;
  rules.high_risk_days = 12;
  rules.low_risk_days = 25;
  rules.no_risk_days = 85;
  const std::vector<ScheduleCase> cases = {
      {kNoClass, std::nullopt, 91, kPackage},
      {kNoClass, 0, 85, kStable},
      {kNoClass, 1, 25, kBasicallyStable},
      {kNoClass, 2, 25, kBasicallyStable},
      {kNoClass, 3, 12, kUnstable},
      {kNoClass, 4, 12, kUnstable},
      {kNoClass, 5, 12, kUnstable},
      {kClassUnstable, std::nullopt, 10, kUnstable},
      {kClassUnstable, 0, 10, kUnstable},
      {kClassUnstable, 1, 10, kUnstable},
      {kClassUnstable, 2, 10, kUnstable},
      {kClassUnstable, 3, 10, kUnstable},
      {kClassUnstable, 4, 10, kUnstable},
      {kClassUnstable, 5, 10, kUnstable},
      {kClassBasicallyStable, std::nullopt, 20, kBasicallyStable},
      {kClassBasicallyStable, 0, 20, kBasicallyStable},
      {kClassBasicallyStable, 1, 20, kBasicallyStable},
      {kClassBasicallyStable, 2, 20, kBasicallyStable},
      {kClassBasicallyStable, 3, 12, kUnstable},
      {kClassBasicallyStable, 4, 12, kUnstable},
      {kClassBasicallyStable, 5, 12, kUnstable},
      {kClassStable, std::nullopt, 80, kStable},
      {kClassStable, 0, 80, kStable},
      {kClassStable, 1, 25, kBasicallyStable},
      {kClassStable, 2, 25, kBasicallyStable},
      {kClassStable, 3, 12, kUnstable},
      {kClassStable, 4, 12, kUnstable},
      {kClassStable, 5, 12, kUnstable},
  };
  ExpectSchedule(rules, 4, cases);
}

TEST(ComputeNextFollowUpTest, PackageWinsWhenItAsksForMoreVisits) {
  // A stable patient (90 days) under packages of 4, 6, 12 and 24 a year.
  const std::vector<std::pair<int, ScheduleCase>> cases = {
      {4, {kClassStable, 0, 90, kStable}},
      {6, {kClassStable, 0, 60, kPackage}},
      {12, {kClassStable, 0, 30, kPackage}},
      {24, {kClassStable, 0, 15, kPackage}},
      {24, {kClassUnstable, 4, 14, kUnstable}},
      // 365 / 26 = 14: a tie with the unstable rule, which names it.
      {26, {kClassUnstable, std::nullopt, 14, kUnstable}},
      {27, {kClassUnstable, std::nullopt, 13, kPackage}},
  };
  for (const auto& [per_year, c] : cases) {
    SCOPED_TRACE(absl::StrCat(per_year, " a year"));
    ExpectSchedule(FollowUpRules(), per_year, {c});
  }
}

TEST(ComputeNextFollowUpTest, AVisitWithoutTheFormFollowsThePackage) {
  for (int per_year : {4, 6, 12, 24}) {
    const NextFollowUp next = ComputeNextFollowUp(
        FollowUpRules(), AfterVisit(per_year, kNoClass, std::nullopt));
    EXPECT_EQ(next.reason, kPackage) << per_year;
    EXPECT_EQ(next.interval_days, 365 / per_year) << per_year;
    EXPECT_EQ(next.due_date, kVisitDay + 365 / per_year) << per_year;
  }
}

TEST(ComputeNextFollowUpTest, AnEarlierDoctorOrderWins) {
  // Stable: the rules say 2024-05-30; the doctor asked for 2024-04-01.
  const NextFollowUp next = ComputeNextFollowUp(
      FollowUpRules(),
      AfterVisit(4, kClassStable, 0, absl::CivilDay(2024, 4, 1)));
  EXPECT_EQ(next.due_date, absl::CivilDay(2024, 4, 1));
  EXPECT_EQ(next.interval_days, 31);
  EXPECT_EQ(next.reason, kDoctorOrder);

  // The day right after the visit is the earliest order that counts.
  const NextFollowUp tomorrow = ComputeNextFollowUp(
      FollowUpRules(), AfterVisit(4, kClassUnstable, 5, kVisitDay + 1));
  EXPECT_EQ(tomorrow.due_date, kVisitDay + 1);
  EXPECT_EQ(tomorrow.interval_days, 1);
  EXPECT_EQ(tomorrow.reason, kDoctorOrder);
}

TEST(ComputeNextFollowUpTest, ALaterOrSameDayDoctorOrderIsIgnored) {
  const std::vector<absl::CivilDay> orders = {
      kVisitDay + 90,   // the rules' own date: not earlier
      kVisitDay + 120,  // later
      kVisitDay,        // the visit's own day
      kVisitDay - 3,    // before the visit
  };
  for (absl::CivilDay order : orders) {
    const NextFollowUp next = ComputeNextFollowUp(
        FollowUpRules(), AfterVisit(4, kClassStable, 0, order));
    EXPECT_EQ(next.due_date, kVisitDay + 90) << order;
    EXPECT_EQ(next.interval_days, 90) << order;
    EXPECT_EQ(next.reason, kStable) << order;
  }
}

TEST(ComputeNextFollowUpTest, FirstVisitIsOnePackageIntervalAfterTheStart) {
  ScheduleInput input;
  input.contract_start = kContractStart;
  input.visits_per_year = 4;
  const NextFollowUp next = ComputeNextFollowUp(FollowUpRules(), input);
  // 2024 is a leap year: 31 + 29 + 31 = 91 days to 1 April.
  EXPECT_EQ(next.due_date, absl::CivilDay(2024, 4, 1));
  EXPECT_EQ(next.interval_days, 91);
  EXPECT_EQ(next.reason, kFirstVisit);

  input.visits_per_year = 12;
  EXPECT_EQ(ComputeNextFollowUp(FollowUpRules(), input).due_date,
            absl::CivilDay(2024, 1, 31));
}

TEST(ComputeNextFollowUpTest, FirstVisitDaysOverrideThePackage) {
  FollowUpRules rules;
  rules.first_visit_days = 14;
  ScheduleInput input;
  input.contract_start = kContractStart;
  input.visits_per_year = 4;
  const NextFollowUp next = ComputeNextFollowUp(rules, input);
  EXPECT_EQ(next.due_date, absl::CivilDay(2024, 1, 15));
  EXPECT_EQ(next.interval_days, 14);
  EXPECT_EQ(next.reason, kFirstVisit);
}

// ---------------------------------------------------------------------------
// Standing: overdue, missed, lost

TEST(StandingAsOfTest, CountsMissedVisitsByWholeIntervals) {
  const absl::CivilDay due(2024, 4, 1);
  const int interval = 14;
  struct Case {
    int day;  // days after the due date
    bool overdue;
    int missed;
    bool lost;
  };
  const std::vector<Case> cases = {
      {-5, false, 0, false},
      {0, false, 0, false},
      {1, true, 0, false},
      {interval, true, 0, false},
      {interval + 1, true, 1, false},
      {2 * interval + 1, true, 2, false},
      {3 * interval, true, 2, false},
      {3 * interval + 1, true, 3, true},
      {10 * interval + 1, true, 10, true},
  };
  for (const Case& c : cases) {
    const FollowUpStanding standing =
        StandingAsOf(FollowUpRules(), due, interval, due + c.day);
    EXPECT_EQ(standing.overdue, c.overdue) << "day " << c.day;
    EXPECT_EQ(standing.days_overdue, c.overdue ? c.day : 0) << "day " << c.day;
    EXPECT_EQ(standing.missed_visits, c.missed) << "day " << c.day;
    EXPECT_EQ(standing.lost_to_follow_up, c.lost) << "day " << c.day;
  }
}

TEST(StandingAsOfTest, LostFollowsTheCountysThreshold) {
  FollowUpRules rules;
  rules.missed_visits_lost = 2;
  const absl::CivilDay due(2024, 4, 1);
  EXPECT_FALSE(StandingAsOf(rules, due, 90, due + 180).lost_to_follow_up);
  EXPECT_TRUE(StandingAsOf(rules, due, 90, due + 181).lost_to_follow_up);
}

TEST(StandingAsOfTest, NoIntervalMeansNoMissedVisits) {
  const absl::CivilDay due(2024, 4, 1);
  const FollowUpStanding standing =
      StandingAsOf(FollowUpRules(), due, 0, due + 100);
  EXPECT_TRUE(standing.overdue);
  EXPECT_EQ(standing.missed_visits, 0);
  EXPECT_FALSE(standing.lost_to_follow_up);
}

// ---------------------------------------------------------------------------
// The follow-up record

Contract MakeContract() {
  Contract contract;
  contract.set_id("contract-1");
  contract.set_patient_id("patient-1");
  contract.set_doctor_id("doctor-1");
  contract.set_team("Team East");
  contract.set_start_date("2024-01-01");
  contract.set_end_date("2024-12-31");
  rehab::v1::ContractItem* item = contract.add_items();
  item->set_code("psych_follow_up");
  item->set_visits_per_year(4);
  return contract;
}

const absl::TimeZone kCounty = absl::FixedTimeZone(8 * 3600);

TEST(BuildFollowUpTest, WithoutAVisitTheFirstVisitIsDue) {
  const FollowUp f =
      BuildFollowUp(FollowUpRules(), MakeContract(), nullptr, kCounty);
  EXPECT_EQ(f.id(), "patient-1");
  EXPECT_EQ(f.patient_id(), "patient-1");
  EXPECT_EQ(f.contract_id(), "contract-1");
  EXPECT_EQ(f.doctor_id(), "doctor-1");
  EXPECT_EQ(f.team(), "Team East");
  EXPECT_EQ(f.due_date(), "2024-04-01");
  EXPECT_EQ(f.interval_days(), 91);
  EXPECT_EQ(f.reason(), kFirstVisit);
  EXPECT_EQ(f.last_visit_date(), "");
  EXPECT_FALSE(f.has_last_risk_level());
  EXPECT_FALSE(f.psychiatric());
}

TEST(BuildFollowUpTest, TakesTheVisitsCountyDayAndForm) {
  Visit visit;
  // 2024-03-01 20:00 UTC is already 2 March in the county (UTC+8).
  *visit.mutable_start_time() = ToProto(absl::FromCivil(
      absl::CivilSecond(2024, 3, 1, 20, 0, 0), absl::UTCTimeZone()));
  visit.set_risk_level(2);
  visit.set_visit_class(kClassStable);
  visit.set_adherence(rehab::v1::MEDICATION_ADHERENCE_REGULAR);

  const FollowUp f =
      BuildFollowUp(FollowUpRules(), MakeContract(), &visit, kCounty);
  EXPECT_EQ(f.last_visit_date(), "2024-03-02");
  EXPECT_EQ(f.last_visit_class(), kClassStable);
  ASSERT_TRUE(f.has_last_risk_level());
  EXPECT_EQ(f.last_risk_level(), 2);
  EXPECT_TRUE(f.psychiatric());
  EXPECT_EQ(f.due_date(), "2024-03-16");
  EXPECT_EQ(f.interval_days(), 14);
  EXPECT_EQ(f.reason(), kBasicallyStable);
  EXPECT_FALSE(f.overdue());
}

TEST(BuildFollowUpTest, APlainVisitFollowsThePackageAndADoctorOrder) {
  Visit visit;
  *visit.mutable_start_time() = ToProto(
      absl::FromCivil(absl::CivilSecond(2024, 3, 1, 10, 0, 0), kCounty));
  const FollowUp plain =
      BuildFollowUp(FollowUpRules(), MakeContract(), &visit, kCounty);
  EXPECT_FALSE(plain.psychiatric());
  EXPECT_FALSE(plain.has_last_risk_level());
  EXPECT_EQ(plain.due_date(), "2024-05-31");  // + 91 days
  EXPECT_EQ(plain.reason(), kPackage);

  visit.set_next_visit_date("2024-03-20");
  const FollowUp ordered =
      BuildFollowUp(FollowUpRules(), MakeContract(), &visit, kCounty);
  EXPECT_EQ(ordered.due_date(), "2024-03-20");
  EXPECT_EQ(ordered.interval_days(), 19);
  EXPECT_EQ(ordered.reason(), kDoctorOrder);
  EXPECT_FALSE(ordered.psychiatric());
}

TEST(FillStandingTest, SetsAndClearsTheStanding) {
  FollowUp f;
  f.set_due_date("2024-04-01");
  f.set_interval_days(14);
  FillStanding(FollowUpRules(), absl::CivilDay(2024, 5, 14), f);
  EXPECT_TRUE(f.overdue());
  EXPECT_EQ(f.days_overdue(), 43);
  EXPECT_EQ(f.missed_visits(), 3);
  EXPECT_TRUE(f.lost_to_follow_up());

  FillStanding(FollowUpRules(), absl::CivilDay(2024, 4, 1), f);
  EXPECT_FALSE(f.overdue());
  EXPECT_EQ(f.days_overdue(), 0);
  EXPECT_EQ(f.missed_visits(), 0);
  EXPECT_FALSE(f.lost_to_follow_up());
}

// ---------------------------------------------------------------------------
// Fulfilment

TEST(FulfilmentTest, FollowsTheDaysOfTheTermElapsed) {
  const absl::CivilDay start(2023, 1, 1);
  const absl::CivilDay end(2023, 12, 31);
  struct Case {
    std::string name;
    absl::CivilDay as_of;
    int delivered;
    int required;
    double rate;
  };
  const std::vector<Case> cases = {
      {"before the start", start - 1, 0, 0, 1.0},
      {"first day", start, 0, 0, 1.0},
      {"day 91: 4 x 91 / 365 < 1", start + 90, 0, 0, 1.0},
      {"day 92: one visit due, none made", start + 91, 0, 1, 0.0},
      {"day 92: one visit due, one made", start + 91, 1, 1, 1.0},
      {"mid-year: 4 x 183 / 365 = 2", start + 182, 1, 2, 0.5},
      {"last day", end, 3, 4, 0.75},
      {"after the end counts the term only", end + 200, 4, 4, 1.0},
      {"more delivered than required", start + 182, 7, 2, 1.0},
  };
  for (const Case& c : cases) {
    const FulfilmentFigures f =
        ComputeFulfilment(start, end, 4, c.delivered, c.as_of);
    EXPECT_EQ(f.visits_required, c.required) << c.name;
    EXPECT_EQ(f.visits_delivered, c.delivered) << c.name;
    EXPECT_DOUBLE_EQ(f.rate, c.rate) << c.name;
  }
}

TEST(FulfilmentTest, ATerminatedContractCountsUpToItsEnd) {
  // Terminated on 2023-07-02 (day 183): the caller passes that day.
  const FulfilmentFigures f = ComputeFulfilment(
      absl::CivilDay(2023, 1, 1), absl::CivilDay(2023, 12, 31), 12, 3,
      absl::CivilDay(2023, 7, 2));
  EXPECT_EQ(f.visits_required, 6);  // 12 x 183 / 365 = 6.01
  EXPECT_DOUBLE_EQ(f.rate, 0.5);
}

TEST(FulfilmentTest, ALeapYearTermRequiresTheYearsVisits) {
  // 2024-01-01..2024-12-31 has 366 days: 4 x 366 / 365 = 4.
  EXPECT_EQ(ComputeFulfilment(absl::CivilDay(2024, 1, 1),
                              absl::CivilDay(2024, 12, 31), 4, 0,
                              absl::CivilDay(2025, 1, 1))
                .visits_required,
            4);
  // A 29 February start: the shortest term ends 2025-02-27, 365 days.
  EXPECT_EQ(ComputeFulfilment(absl::CivilDay(2024, 2, 29),
                              absl::CivilDay(2025, 2, 27), 4, 0,
                              absl::CivilDay(2025, 2, 27))
                .visits_required,
            4);
  // 365 visits a year over 366 days: 366.
  EXPECT_EQ(ComputeFulfilment(absl::CivilDay(2024, 1, 1),
                              absl::CivilDay(2024, 12, 31), 365, 0,
                              absl::CivilDay(2024, 12, 31))
                .visits_required,
            366);
}

TEST(FulfilmentTest, APackageWithoutVisitsIsAlwaysFulfilled) {
  const FulfilmentFigures f = ComputeFulfilment(
      absl::CivilDay(2023, 1, 1), absl::CivilDay(2023, 12, 31), 0, 0,
      absl::CivilDay(2023, 12, 31));
  EXPECT_EQ(f.visits_required, 0);
  EXPECT_DOUBLE_EQ(f.rate, 1.0);
}

}  // namespace
}  // namespace rehab
