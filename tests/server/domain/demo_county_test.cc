#include "server/domain/demo_county.h"

#include <cstdint>
#include <functional>
#include <ios>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/common/clock.h"
#include "server/common/dates.h"
#include "server/common/ids.h"
#include "server/common/status_macros.h"
#include "server/domain/contract_manager.h"
#include "server/domain/contract_validation.h"
#include "server/domain/follow_up_rules.h"
#include "server/domain/password_hasher.h"
#include "server/domain/validation.h"
#include "server/storage/sqlite_store.h"
#include "tests/server/storage/store_test_util.h"

namespace rehab {
namespace {

using rehab::v1::Account;
using rehab::v1::Alert;
using rehab::v1::Area;
using rehab::v1::Contract;
using rehab::v1::Enrollment;
using rehab::v1::Facility;
using rehab::v1::FollowUp;
using rehab::v1::Patient;
using rehab::v1::Practitioner;
using rehab::v1::Program;
using rehab::v1::Visit;

const absl::TimeZone kCountyZone = absl::FixedTimeZone(8 * 60 * 60);

absl::Time TestNow() {
  return absl::FromCivil(absl::CivilSecond(2026, 3, 2, 9, 30, 0), kCountyZone);
}

absl::CivilDay TestToday() { return absl::CivilDay(2026, 3, 2); }

// The patients as seeded at TestNow(); see SeedsTheSameRecordsEveryTime.
constexpr uint64_t kGoldenFingerprint = 0x5f3e4df407b84c70u;

// The whole age in years on `today` of someone born on `birth`.
int AgeOn(absl::CivilDay birth, absl::CivilDay today) {
  int age = static_cast<int>(today.year() - birth.year());
  if (today.month() < birth.month() ||
      (today.month() == birth.month() && today.day() < birth.day())) {
    --age;
  }
  return age;
}

// What `read` reads in one read transaction; a default value, and a
// failure of the test, when the read fails.
template <typename T>
T ReadValue(Store& store,
            const std::function<absl::StatusOr<T>(ReadTxn&)>& read) {
  T value{};
  EXPECT_TRUE(store
                  .Read([&](ReadTxn& txn) -> absl::Status {
                    ASSIGN_OR_RETURN(value, read(txn));
                    return absl::OkStatus();
                  })
                  .ok());
  return value;
}

// Every row `list` returns for `query` over the whole registry.
template <typename Row, typename Query>
std::vector<Row> ListAll(
    Store& store, Query query,
    absl::StatusOr<std::vector<Row>> (ReadTxn::*list)(const Query&)) {
  query.scope.kind = PatientScope::Kind::kAll;
  query.limit = 1000000;
  return ReadValue<std::vector<Row>>(
      store, [&](ReadTxn& txn) { return (txn.*list)(query); });
}

std::vector<Patient> AllPatients(Store& store) {
  return ListAll(store, PatientQuery(), &ReadTxn::ListPatients);
}

std::vector<Enrollment> Enrollments(Store& store, Program program) {
  EnrollmentQuery query;
  query.program = program;
  return ListAll(store, query, &ReadTxn::ListEnrollments);
}

std::vector<Contract> AllContracts(Store& store) {
  return ListAll(store, ContractQuery(), &ReadTxn::ListContracts);
}

std::vector<Visit> AllVisits(Store& store) {
  return ListAll(store, VisitQuery(), &ReadTxn::ListVisits);
}

std::vector<FollowUp> AllFollowUps(Store& store) {
  return ListAll(store, FollowUpQuery(), &ReadTxn::ListFollowUps);
}

// The patients in psychiatric management (an open enrollment).
std::set<std::string> PsychiatricPatients(Store& store) {
  std::set<std::string> ids;
  for (const Enrollment& e :
       Enrollments(store, rehab::v1::PROGRAM_PSYCHIATRIC_MANAGEMENT)) {
    if (e.end_date().empty()) ids.insert(e.patient_id());
  }
  return ids;
}

int64_t LastChangeSeq(Store& store) {
  return ReadValue<int64_t>(store,
                            [](ReadTxn& txn) { return txn.LastChangeSeq(); });
}

// Seeds `store` as rehabd --demo would, with the national follow-up rules.
absl::StatusOr<DemoSummary> SeedDemo(Store& store, const Clock& clock) {
  const PasswordHasher hasher(PasswordHasherOptions::ForTests());
  const ContractManager contracts(&store, &clock, kCountyZone,
                                  ContractManagerOptions());
  return SeedDemoCounty(&store, &contracts, &hasher, &clock, kCountyZone);
}

// The county is seeded into a real SQLite store, as rehabd seeds it (the
// in-memory fake is far too slow for thousands of visits). The tests that
// only read share one seeded county; the others seed their own.
class DemoCountyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new storage_test::TempDir();
    store_ = storage_test::OpenStoreOrDie(dir_->File("demo.db")).release();
    summary_ = new absl::StatusOr<DemoSummary>(SeedDemo(*store_, clock_));
  }

  static void TearDownTestSuite() {
    delete summary_;
    delete store_;
    delete dir_;
  }

  void SetUp() override {
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(summary_->ok()) << summary_->status();
  }

  static FakeClock clock_;
  static const PasswordHasher hasher_;
  static storage_test::TempDir* dir_;
  static SqliteStore* store_;
  static absl::StatusOr<DemoSummary>* summary_;
};

FakeClock DemoCountyTest::clock_(TestNow());
const PasswordHasher DemoCountyTest::hasher_(PasswordHasherOptions::ForTests());
storage_test::TempDir* DemoCountyTest::dir_ = nullptr;
SqliteStore* DemoCountyTest::store_ = nullptr;
absl::StatusOr<DemoSummary>* DemoCountyTest::summary_ = nullptr;

TEST_F(DemoCountyTest, SeedsTheCountyWithItsDocumentedFigures) {
  Store& store = *store_;
  const DemoSummary& summary = **summary_;
  EXPECT_TRUE(summary.seeded);
  EXPECT_EQ(summary.patients, 4000);
  EXPECT_EQ(summary.areas, 1 + 12 + 98);
  EXPECT_EQ(summary.facilities, 1 + 12 + 12 + 98);
  EXPECT_GT(summary.practitioners, 114);

  const std::vector<Patient> patients = AllPatients(store);
  ASSERT_EQ(patients.size(), 4000u);
  std::map<std::string, Patient> by_id;
  int psychiatric = 0, children = 0;
  for (const Patient& p : patients) {
    by_id[p.id()] = p;
    if (p.disability_category() == rehab::v1::DISABILITY_CATEGORY_PSYCHIATRIC) {
      ++psychiatric;
    }
    const std::optional<absl::CivilDay> birth = ParseDate(p.birth_date());
    ASSERT_TRUE(birth.has_value()) << p.birth_date();
    if (AgeOn(*birth, TestToday()) < 15) ++children;
  }
  EXPECT_EQ(psychiatric, 817);
  EXPECT_EQ(children, 369);

  const std::vector<Enrollment> managed =
      Enrollments(store, rehab::v1::PROGRAM_PSYCHIATRIC_MANAGEMENT);
  EXPECT_EQ(managed.size(), 817u);
  for (const Enrollment& e : managed) {
    EXPECT_EQ(by_id[e.patient_id()].disability_category(),
              rehab::v1::DISABILITY_CATEGORY_PSYCHIATRIC);
  }
  EXPECT_EQ(Enrollments(store, rehab::v1::PROGRAM_FREE_MEDICATION).size(),
            817u);
  const std::vector<Enrollment> child_rehab =
      Enrollments(store, rehab::v1::PROGRAM_CHILD_REHAB);
  EXPECT_EQ(child_rehab.size(), 369u);
  for (const Enrollment& e : child_rehab) {
    const Patient& child = by_id[e.patient_id()];
    EXPECT_LT(AgeOn(*ParseDate(child.birth_date()), TestToday()), 15);
    EXPECT_GE(e.start_date(), child.birth_date());
  }
  const std::vector<Enrollment> cataract =
      Enrollments(store, rehab::v1::PROGRAM_CATARACT_AID);
  EXPECT_EQ(cataract.size(), 1142u);
  for (const Enrollment& e : cataract) {
    EXPECT_EQ(by_id[e.patient_id()].disability_category(),
              rehab::v1::DISABILITY_CATEGORY_VISUAL);
  }
  EXPECT_EQ(Enrollments(store, rehab::v1::PROGRAM_FAMILY_DOCTOR).size(), 1251u);
  EXPECT_GT(Enrollments(store, rehab::v1::PROGRAM_PRECISION_REHAB).size(),
            1000u);
  EXPECT_GT(Enrollments(store, rehab::v1::PROGRAM_ASSISTIVE_DEVICE).size(),
            400u);
  int64_t enrollments = 0;
  for (int program = 1; program <= 7; ++program) {
    enrollments += static_cast<int64_t>(
        Enrollments(store, static_cast<Program>(program)).size());
  }
  EXPECT_EQ(summary.enrollments, enrollments);

  ASSERT_TRUE(store
                  .Read([&](ReadTxn& txn) -> absl::Status {
                    PractitionerQuery query;
                    query.kind = rehab::v1::PRACTITIONER_KIND_FAMILY_DOCTOR;
                    query.limit = 100000;
                    ASSIGN_OR_RETURN(std::vector<Practitioner> doctors,
                                     txn.ListPractitioners(query));
                    EXPECT_EQ(doctors.size(), 114u);
                    std::set<std::string> teams;
                    for (const Practitioner& doctor : doctors) {
                      EXPECT_FALSE(doctor.team().empty()) << doctor.name();
                      teams.insert(doctor.team());
                      ASSIGN_OR_RETURN(std::optional<Facility> facility,
                                       txn.GetFacility(doctor.facility_id()));
                      EXPECT_TRUE(facility.has_value() &&
                                  facility->type() ==
                                      rehab::v1::FACILITY_TYPE_HEALTH_CENTER)
                          << doctor.name();
                    }
                    EXPECT_GT(teams.size(), 20u);
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_F(DemoCountyTest, EveryPatientIsWhatTheApiWouldHaveStored) {
  std::set<int> categories;
  ASSERT_TRUE(
      store_
          ->Read([&](ReadTxn& txn) -> absl::Status {
            for (const Patient& stored : AllPatients(*store_)) {
              Patient revalidated = stored;
              const absl::Status status =
                  ValidatePatient(revalidated, TestToday());
              EXPECT_TRUE(status.ok()) << stored.name() << ": " << status;
              // Validation normalises; a stored record has nothing left to
              // change.
              EXPECT_EQ(revalidated.SerializeAsString(),
                        stored.SerializeAsString());
              EXPECT_EQ(stored.id_number().substr(0, 6), kDemoCountyCode);
              EXPECT_EQ(stored.id(),
                        NameUuid("rehab.demo.patient", stored.id_number()));
              EXPECT_EQ(stored.version(), 1);
              EXPECT_EQ(stored.author(), "system");
              EXPECT_GT(stored.change_seq(), 0);
              categories.insert(stored.disability_category());

              // Each lives in a village, served by that village's station.
              ASSIGN_OR_RETURN(std::optional<Area> area,
                               txn.GetArea(stored.area_id()));
              ASSIGN_OR_RETURN(std::optional<Facility> station,
                               txn.GetFacility(stored.facility_id()));
              EXPECT_TRUE(area.has_value() &&
                          area->level() == rehab::v1::AREA_LEVEL_VILLAGE)
                  << stored.name();
              EXPECT_TRUE(station.has_value() &&
                          station->type() ==
                              rehab::v1::FACILITY_TYPE_REHAB_STATION &&
                          station->area_id() == stored.area_id())
                  << stored.name();
              if (testing::Test::HasFailure()) break;
            }
            return absl::OkStatus();
          })
          .ok());
  EXPECT_EQ(categories.size(), 7u);
}

TEST_F(DemoCountyTest, EveryDemoAccountLogsInWithItsPublishedPassword) {
  const DemoSummary& summary = **summary_;
  std::set<std::string> roles;
  for (const DemoAccount& demo : summary.accounts) roles.insert(demo.role);
  EXPECT_EQ(roles.size(), 6u);  // every role
  ASSERT_EQ(summary.accounts.size(), 7u);

  ASSERT_TRUE(
      store_
          ->Read([&](ReadTxn& txn) -> absl::Status {
            for (const DemoAccount& demo : summary.accounts) {
              ASSIGN_OR_RETURN(std::optional<Account> account,
                               txn.GetAccountByUsername(demo.username));
              EXPECT_TRUE(account.has_value()) << demo.username;
              if (!account.has_value()) continue;
              EXPECT_EQ(rehab::v1::Role_Name(account->role()), demo.role);
              EXPECT_EQ(account->state(), rehab::v1::ACCOUNT_STATE_ACTIVE);
              EXPECT_FALSE(demo.scope_description.empty());
              ASSIGN_OR_RETURN(std::optional<std::string> hash,
                               txn.GetPasswordHash(account->id()));
              EXPECT_TRUE(hash.has_value() &&
                          hasher_.Verify(*hash, demo.password))
                  << demo.username;
            }
            return absl::OkStatus();
          })
          .ok());
}

TEST_F(DemoCountyTest, EachAccountScopeNamesARecordOfItsRole) {
  ASSERT_TRUE(
      store_
          ->Read([&](ReadTxn& txn) -> absl::Status {
            AccountQuery query;
            query.limit = 100;
            ASSIGN_OR_RETURN(std::vector<Account> accounts,
                             txn.ListAccounts(query));
            EXPECT_EQ(accounts.size(), 7u);
            std::string station_id;
            std::vector<std::string> family;
            for (const Account& a : accounts) {
              switch (a.role()) {
                case rehab::v1::ROLE_SUPERVISOR: {
                  ASSIGN_OR_RETURN(std::optional<Area> area,
                                   txn.GetArea(a.scope_id()));
                  EXPECT_TRUE(area.has_value()) << a.username();
                  // Only the county supervisor sees psychiatric identities.
                  EXPECT_EQ(a.psychiatric_identity(),
                            area.has_value() &&
                                area->level() == rehab::v1::AREA_LEVEL_COUNTY)
                      << a.username();
                  break;
                }
                case rehab::v1::ROLE_FACILITY_STAFF:
                case rehab::v1::ROLE_KIOSK: {
                  ASSIGN_OR_RETURN(std::optional<Facility> facility,
                                   txn.GetFacility(a.scope_id()));
                  EXPECT_TRUE(facility.has_value() &&
                              facility->type() ==
                                  rehab::v1::FACILITY_TYPE_REHAB_STATION);
                  station_id = a.scope_id();
                  break;
                }
                case rehab::v1::ROLE_FAMILY_DOCTOR: {
                  ASSIGN_OR_RETURN(std::optional<Practitioner> doctor,
                                   txn.GetPractitioner(a.scope_id()));
                  EXPECT_TRUE(doctor.has_value() &&
                              doctor->kind() ==
                                  rehab::v1::PRACTITIONER_KIND_FAMILY_DOCTOR);
                  break;
                }
                case rehab::v1::ROLE_PATIENT:
                  EXPECT_EQ(a.ward_ids_size(), 1);
                  family.push_back(a.scope_id());
                  family.insert(family.end(), a.ward_ids().begin(),
                                a.ward_ids().end());
                  break;
                default:
                  EXPECT_TRUE(a.scope_id().empty());
                  break;
              }
            }
            // The demo station's staff and kiosk serve the patient account
            // and its ward.
            PatientScope station;
            station.kind = PatientScope::Kind::kFacility;
            station.facility_id = station_id;
            EXPECT_EQ(family.size(), 2u);
            for (const std::string& id : family) {
              ASSIGN_OR_RETURN(bool in_scope, txn.PatientInScope(id, station));
              EXPECT_TRUE(in_scope) << id;
            }
            return absl::OkStatus();
          })
          .ok());
}

TEST_F(DemoCountyTest, SignsAnActiveContractForEveryFamilyDoctorPatient) {
  const DemoSummary& summary = **summary_;
  EXPECT_EQ(summary.contracts, 1251);
  const std::vector<Contract> contracts = AllContracts(*store_);
  ASSERT_EQ(contracts.size(), 1251u);

  std::set<std::string> enrolled;
  for (const Enrollment& e :
       Enrollments(*store_, rehab::v1::PROGRAM_FAMILY_DOCTOR)) {
    enrolled.insert(e.patient_id());
  }
  const std::set<std::string> psychiatric = PsychiatricPatients(*store_);
  std::set<std::string> contracted, doctors;
  int psychiatric_contracts = 0;
  ASSERT_TRUE(
      store_
          ->Read([&](ReadTxn& txn) -> absl::Status {
            for (const Contract& c : contracts) {
              EXPECT_EQ(c.status(), rehab::v1::CONTRACT_STATUS_ACTIVE);
              EXPECT_EQ(c.author(), "system");
              contracted.insert(c.patient_id());
              doctors.insert(c.doctor_id());
              // A term of a year (at least) that holds today, signed on
              // its first day.
              const std::optional<absl::CivilDay> start =
                  ParseDate(c.start_date());
              const std::optional<absl::CivilDay> end = ParseDate(c.end_date());
              EXPECT_TRUE(start.has_value() && end.has_value()) << c.id();
              if (!start.has_value() || !end.has_value()) continue;
              EXPECT_GE(*end, absl::CivilDay(start->year() + 1, start->month(),
                                             start->day()) -
                                  1)
                  << c.id();
              EXPECT_LE(*start, TestToday()) << c.id();
              EXPECT_GE(*start, TestToday() - 365) << c.id();
              EXPECT_GE(*end, TestToday()) << c.id();
              EXPECT_EQ(c.signed_date(), c.start_date());
              EXPECT_GE(VisitsPerYear(c), kMinVisitsPerYear) << c.id();
              const bool in_management = psychiatric.count(c.patient_id()) > 0;
              psychiatric_contracts += in_management;
              bool psychiatric_item = false;
              for (const rehab::v1::ContractItem& item : c.items()) {
                psychiatric_item |= item.code() == "psychiatric_follow_up";
              }
              EXPECT_EQ(psychiatric_item, in_management) << c.id();

              // The doctor's team serves the patient's township.
              ASSIGN_OR_RETURN(std::optional<Practitioner> doctor,
                               txn.GetPractitioner(c.doctor_id()));
              EXPECT_TRUE(doctor.has_value()) << c.id();
              if (!doctor.has_value()) continue;
              EXPECT_EQ(doctor->kind(),
                        rehab::v1::PRACTITIONER_KIND_FAMILY_DOCTOR);
              EXPECT_EQ(c.team(), doctor->team());
              ASSIGN_OR_RETURN(std::optional<Facility> center,
                               txn.GetFacility(doctor->facility_id()));
              ASSIGN_OR_RETURN(std::optional<Patient> patient,
                               txn.GetPatient(c.patient_id()));
              ASSIGN_OR_RETURN(std::optional<Area> village,
                               txn.GetArea(patient->area_id()));
              EXPECT_EQ(center->area_id(), village->parent_id()) << c.id();
              if (testing::Test::HasFailure()) break;
            }
            return absl::OkStatus();
          })
          .ok());
  EXPECT_EQ(contracted, enrolled);
  EXPECT_EQ(doctors.size(), 114u);  // every family doctor holds some
  // Psychiatric patients are among them, as are the others.
  EXPECT_GT(psychiatric_contracts, 200);
  EXPECT_LT(psychiatric_contracts, 600);
}

TEST_F(DemoCountyTest, ServesMostContractsOnTimeAndFewNever) {
  const std::vector<Contract> contracts = AllContracts(*store_);
  const std::vector<Visit> visits = AllVisits(*store_);
  EXPECT_EQ(static_cast<int64_t>(visits.size()), (**summary_).visits);
  std::map<std::string, Contract> by_id;
  for (const Contract& c : contracts) by_id[c.id()] = c;
  std::map<std::string, int> visited;
  for (const Visit& v : visits) {
    ++visited[v.contract_id()];
    ASSERT_TRUE(by_id.count(v.contract_id())) << v.id();
    const Contract& c = by_id[v.contract_id()];
    EXPECT_EQ(v.patient_id(), c.patient_id());
    // Dated within the elapsed part of the term, before now.
    EXPECT_LT(FromProto(v.start_time()), TestNow()) << v.id();
    const std::string day =
        FormatDate(DayOf(FromProto(v.start_time()), kCountyZone));
    EXPECT_GE(day, c.start_date()) << v.id();
    EXPECT_FALSE(v.device_id().empty()) << v.id();
    EXPECT_FALSE(v.next_due_date().empty()) << v.id();
    if (testing::Test::HasFailure()) break;
  }
  int never_served = 0;
  for (const Contract& c : contracts) {
    never_served += visited.count(c.id()) == 0;
    EXPECT_EQ(c.fulfilment().visits_delivered(), visited[c.id()]) << c.id();
  }
  const double never_share = 1.0 * never_served / contracts.size();
  EXPECT_GE(never_share, 0.03);
  EXPECT_LE(never_share, 0.10);

  // One follow-up per contract; most patients are not overdue today.
  const std::vector<FollowUp> follow_ups = AllFollowUps(*store_);
  ASSERT_EQ(follow_ups.size(), contracts.size());
  const FollowUpRules rules;
  int overdue = 0, on_time = 0;
  for (FollowUp f : follow_ups) {
    FillStanding(rules, TestToday(), f);
    if (f.overdue()) {
      ++overdue;
    } else if (!f.last_visit_date().empty()) {
      ++on_time;
    }
  }
  EXPECT_GE(1.0 * on_time / follow_ups.size(), 0.65);
  EXPECT_GE(1.0 * overdue / follow_ups.size(), 0.10);
  EXPECT_LE(1.0 * overdue / follow_ups.size(), 0.30);
}

TEST_F(DemoCountyTest, PsychiatricVisitsSpanEveryVisitClassAndRiskLevel) {
  const std::set<std::string> psychiatric = PsychiatricPatients(*store_);
  std::map<int, int> classes, risks, modes;
  int psychiatric_visits = 0, injections = 0, high_risk = 0, home = 0;
  std::set<std::string> drugs;
  for (const Visit& v : AllVisits(*store_)) {
    ++modes[v.mode()];
    EXPECT_NE(v.informant(), rehab::v1::INFORMANT_UNSPECIFIED) << v.id();
    if (v.mode() == rehab::v1::VISIT_MODE_HOME) {
      ++home;
      // Near the county.
      EXPECT_NEAR(v.location().latitude(), 33.0, 0.5) << v.id();
      EXPECT_NEAR(v.location().longitude(), 119.0, 0.5) << v.id();
    }
    if (psychiatric.count(v.patient_id()) == 0) {
      EXPECT_FALSE(HasPsychiatricForm(v)) << v.id();
      continue;
    }
    ++psychiatric_visits;
    EXPECT_TRUE(v.has_risk_level()) << v.id();
    EXPECT_NE(v.adherence(), rehab::v1::MEDICATION_ADHERENCE_UNSPECIFIED);
    ++classes[v.visit_class()];
    ++risks[v.risk_level()];
    high_risk += v.risk_level() >= 3;
    for (const rehab::v1::DrugDose& d : v.drugs()) drugs.insert(d.drug_name());
    injections += v.has_long_acting_injection();
    if (v.adherence() != rehab::v1::MEDICATION_ADHERENCE_NOT_NEEDED) {
      EXPECT_TRUE(v.drugs_size() > 0 || v.has_long_acting_injection())
          << v.id();
    }
    // An unstable patient is referred and seen again within two weeks.
    if (v.visit_class() == rehab::v1::VISIT_CLASS_UNSTABLE) {
      EXPECT_TRUE(v.referral().referred()) << v.id();
      EXPECT_FALSE(v.next_visit_date().empty()) << v.id();
    }
  }
  ASSERT_GT(psychiatric_visits, 500);
  EXPECT_EQ(classes.size(), 3u);
  for (int risk = 0; risk <= 5; ++risk) EXPECT_GT(risks[risk], 0) << risk;
  // Mostly stable, a few unstable.
  EXPECT_GT(classes[rehab::v1::VISIT_CLASS_STABLE], psychiatric_visits / 2);
  EXPECT_LT(classes[rehab::v1::VISIT_CLASS_UNSTABLE], psychiatric_visits / 5);
  EXPECT_GT(injections, 0);
  EXPECT_GE(drugs.size(), 8u);
  // Home and clinic mostly, some by phone.
  EXPECT_GT(modes[rehab::v1::VISIT_MODE_PHONE], 0);
  EXPECT_GT(modes[rehab::v1::VISIT_MODE_HOME],
            modes[rehab::v1::VISIT_MODE_PHONE]);
  EXPECT_GT(modes[rehab::v1::VISIT_MODE_CLINIC],
            modes[rehab::v1::VISIT_MODE_PHONE]);

  // Each visit at risk level 3 or above raised its alert, as through the API.
  AlertQuery query;
  query.kind = rehab::v1::ALERT_KIND_HIGH_RISK_VISIT;
  const std::vector<Alert> alerts =
      ListAll(*store_, query, &ReadTxn::ListAlerts);
  EXPECT_EQ(static_cast<int>(alerts.size()), high_risk);
}

TEST_F(DemoCountyTest, SeedsTheSameContractsAndVisitsEveryTime) {
  storage_test::TempDir dir;
  std::unique_ptr<SqliteStore> other =
      storage_test::OpenStoreOrDie(dir.File("demo.db"));
  ASSERT_NE(other, nullptr);
  absl::StatusOr<DemoSummary> summary = SeedDemo(*other, clock_);
  ASSERT_TRUE(summary.ok()) << summary.status();
  const std::vector<Contract> contracts = AllContracts(*store_);
  const std::vector<Contract> again = AllContracts(*other);
  ASSERT_EQ(again.size(), contracts.size());
  for (size_t i = 0; i < contracts.size(); ++i) {
    EXPECT_EQ(again[i].SerializeAsString(), contracts[i].SerializeAsString())
        << contracts[i].id();
  }
  const std::vector<Visit> visits = AllVisits(*store_);
  const std::vector<Visit> visits_again = AllVisits(*other);
  ASSERT_EQ(visits_again.size(), visits.size());
  for (size_t i = 0; i < visits.size(); ++i) {
    EXPECT_EQ(visits_again[i].SerializeAsString(),
              visits[i].SerializeAsString())
        << visits[i].id();
  }
}

TEST_F(DemoCountyTest, SeedsNothingWhenPatientsExist) {
  const int64_t changes = LastChangeSeq(*store_);

  absl::StatusOr<DemoSummary> again = SeedDemo(*store_, clock_);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->seeded);
  EXPECT_EQ(again->patients, 0);
  EXPECT_EQ(again->enrollments, 0);
  EXPECT_EQ(again->contracts, 0);
  EXPECT_EQ(again->visits, 0);
  EXPECT_EQ(again->accounts.size(), 7u);
  EXPECT_EQ(LastChangeSeq(*store_), changes);
  EXPECT_EQ(AllPatients(*store_).size(), 4000u);
}

// A fingerprint of the patients as seeded at TestNow(). It changes only
// when the demo data are changed on purpose (then update it); a change
// from anything else means the data depend on the platform.
TEST_F(DemoCountyTest, SeedsTheSameRecordsEveryTime) {
  uint64_t fingerprint = 14695981039346656037u;  // FNV-1a
  for (const Patient& p : AllPatients(*store_)) {
    for (const std::string& field :
         {p.id(), p.name(), p.id_number(), p.disability_card_number(),
          p.birth_date(), p.area_id(), p.facility_id(), p.address()}) {
      for (unsigned char c : field) {
        fingerprint = (fingerprint ^ c) * 1099511628211u;
      }
    }
  }
  EXPECT_EQ(fingerprint, kGoldenFingerprint) << std::hex << fingerprint;
}

TEST(DemoCountySeedTest, LeavesAnExistingAccountWithADemoUsernameAlone) {
  storage_test::TempDir dir;
  std::unique_ptr<SqliteStore> opened =
      storage_test::OpenStoreOrDie(dir.File("demo.db"));
  ASSERT_NE(opened, nullptr);
  Store& store = *opened;
  Account own;
  own.set_id(NewUuid());
  own.set_username("admin");
  own.set_role(rehab::v1::ROLE_ADMIN);
  own.set_state(rehab::v1::ACCOUNT_STATE_ACTIVE);
  ASSERT_TRUE(store
                  .Write([&](WriteTxn& txn) {
                    return txn.PutAccount(own, std::string("own-hash"));
                  })
                  .ok());

  FakeClock clock(TestNow());
  absl::StatusOr<DemoSummary> summary = SeedDemo(store, clock);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_TRUE(summary->seeded);
  EXPECT_EQ(summary->accounts.size(), 6u);
  for (const DemoAccount& demo : summary->accounts) {
    EXPECT_NE(demo.username, "admin");
  }
  ASSERT_TRUE(store
                  .Read([&](ReadTxn& txn) -> absl::Status {
                    ASSIGN_OR_RETURN(std::optional<std::string> hash,
                                     txn.GetPasswordHash(own.id()));
                    EXPECT_EQ(hash, std::optional<std::string>("own-hash"));
                    return absl::OkStatus();
                  })
                  .ok());
}

}  // namespace
}  // namespace rehab
