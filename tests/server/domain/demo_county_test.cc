#include "server/domain/demo_county.h"

#include <cstdint>
#include <functional>
#include <ios>
#include <map>
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
#include "server/domain/password_hasher.h"
#include "server/domain/validation.h"
#include "tests/server/domain/fake_store.h"

namespace rehab {
namespace {

using rehab::v1::Account;
using rehab::v1::Area;
using rehab::v1::Enrollment;
using rehab::v1::Facility;
using rehab::v1::Patient;
using rehab::v1::Practitioner;
using rehab::v1::Program;

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

// The rows `list` reads in one read transaction; none, and a failure of
// the test, when the read fails.
template <typename Row>
std::vector<Row> ReadRows(
    Store& store,
    const std::function<absl::StatusOr<std::vector<Row>>(ReadTxn&)>& list) {
  std::vector<Row> rows;
  EXPECT_TRUE(store
                  .Read([&](ReadTxn& txn) -> absl::Status {
                    ASSIGN_OR_RETURN(rows, list(txn));
                    return absl::OkStatus();
                  })
                  .ok());
  return rows;
}

std::vector<Patient> AllPatients(Store& store) {
  PatientQuery query;
  query.scope.kind = PatientScope::Kind::kAll;
  query.limit = 100000;
  return ReadRows<Patient>(
      store, [&](ReadTxn& txn) { return txn.ListPatients(query); });
}

std::vector<Enrollment> Enrollments(Store& store, Program program) {
  EnrollmentQuery query;
  query.scope.kind = PatientScope::Kind::kAll;
  query.program = program;
  query.limit = 100000;
  return ReadRows<Enrollment>(
      store, [&](ReadTxn& txn) { return txn.ListEnrollments(query); });
}

// Seeding takes a while in the in-memory store, so the tests that only read
// share one seeded county; the others seed their own.
class DemoCountyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    store_ = new FakeStore();
    summary_ = new absl::StatusOr<DemoSummary>(Seed(*store_));
  }

  static void TearDownTestSuite() {
    delete summary_;
    delete store_;
  }

  void SetUp() override { ASSERT_TRUE(summary_->ok()) << summary_->status(); }

  static absl::StatusOr<DemoSummary> Seed(FakeStore& store) {
    return SeedDemoCounty(&store, &hasher_, &clock_, kCountyZone);
  }

  static FakeClock clock_;
  static const PasswordHasher hasher_;
  static FakeStore* store_;
  static absl::StatusOr<DemoSummary>* summary_;
};

FakeClock DemoCountyTest::clock_(TestNow());
const PasswordHasher DemoCountyTest::hasher_(PasswordHasherOptions::ForTests());
FakeStore* DemoCountyTest::store_ = nullptr;
absl::StatusOr<DemoSummary>* DemoCountyTest::summary_ = nullptr;

TEST_F(DemoCountyTest, SeedsTheCountyWithItsDocumentedFigures) {
  FakeStore& store = *store_;
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

TEST_F(DemoCountyTest, SeedsNothingWhenPatientsExist) {
  const size_t changes = store_->changes().size();

  absl::StatusOr<DemoSummary> again = Seed(*store_);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->seeded);
  EXPECT_EQ(again->patients, 0);
  EXPECT_EQ(again->enrollments, 0);
  EXPECT_EQ(again->accounts.size(), 7u);
  EXPECT_EQ(store_->changes().size(), changes);
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
  FakeStore store;
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
  const PasswordHasher hasher(PasswordHasherOptions::ForTests());
  absl::StatusOr<DemoSummary> summary =
      SeedDemoCounty(&store, &hasher, &clock, kCountyZone);
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
