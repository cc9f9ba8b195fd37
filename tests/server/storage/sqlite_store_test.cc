#include "server/storage/sqlite_store.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/common/dates.h"
#include "server/common/errors.h"
#include "server/common/status_macros.h"
#include "tests/server/domain/domain_test_util.h"
#include "tests/server/storage/store_test_util.h"

namespace rehab {
namespace {

using ::rehab::domain_test::AreaScope;
using ::rehab::domain_test::FacilityScope;
using ::rehab::domain_test::PatientsScope;
using ::rehab::domain_test::ScopeOf;
using ::rehab::storage_test::MakeAccount;
using ::rehab::storage_test::MakeArea;
using ::rehab::storage_test::MakeEnrollment;
using ::rehab::storage_test::MakeFacility;
using ::rehab::storage_test::MakePatient;
using ::rehab::storage_test::OpenStoreOrDie;
using ::rehab::storage_test::SeedCounty;
using ::rehab::storage_test::TempDir;
using ::rehab::v1::Account;
using ::rehab::v1::Area;
using ::rehab::v1::AuditEvent;
using ::rehab::v1::Enrollment;
using ::rehab::v1::Facility;
using ::rehab::v1::Patient;
using ::rehab::v1::Practitioner;

std::vector<std::string> Ids(const std::vector<Patient>& patients) {
  std::vector<std::string> ids;
  for (const Patient& p : patients) ids.push_back(p.id());
  return ids;
}

std::vector<std::string> FileNames(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  return names;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("rehab.db");
    store_ = OpenStoreOrDie(path_);
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(SeedCounty(*store_).ok());
  }

  absl::Status PutPatient(Patient patient) {
    return store_->Write(
        [&](WriteTxn& txn) { return txn.PutPatient(patient); });
  }

  std::vector<Patient> List(const PatientQuery& query) {
    std::vector<Patient> out;
    absl::Status status = store_->Read([&](ReadTxn& txn) {
      ASSIGN_OR_RETURN(out, txn.ListPatients(query));
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return out;
  }

  std::vector<std::string> ListIds(const PatientScope& scope) {
    PatientQuery query;
    query.scope = scope;
    return Ids(List(query));
  }

  std::optional<Patient> Get(const std::string& id) {
    std::optional<Patient> out;
    absl::Status status = store_->Read([&](ReadTxn& txn) {
      ASSIGN_OR_RETURN(out, txn.GetPatient(id));
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return out;
  }

  // Patients p1..p4 across the county:
  //   p1 "Wang Fang" village 1, station 1, psychiatric management
  //   p2 "Wang Lei"  village 1, no facility
  //   p3 "Li Na"     village 2, station 2, free medication
  //   p4 "Zhao Min"  county seat, rehab center
  void AddFourPatients() {
    ASSERT_TRUE(
        store_
            ->Write([](WriteTxn& txn) {
              for (Patient p :
                   {MakePatient("p1", 1, "Wang Fang", "a-vil1", "f-vil1"),
                    MakePatient("p2", 2, "Wang Lei", "a-vil1", ""),
                    MakePatient("p3", 3, "Li Na", "a-vil2", "f-vil2"),
                    MakePatient("p4", 4, "Zhao Min", "a-county", "f-center")}) {
                RETURN_IF_ERROR(txn.PutPatient(p));
              }
              Enrollment e1 = MakeEnrollment(
                  "e1", "p1", rehab::v1::PROGRAM_PSYCHIATRIC_MANAGEMENT,
                  rehab::v1::ENROLLMENT_STATUS_UNDER_MANAGEMENT);
              Enrollment e2 =
                  MakeEnrollment("e2", "p3", rehab::v1::PROGRAM_FREE_MEDICATION,
                                 rehab::v1::ENROLLMENT_STATUS_REGISTERED);
              // Ended: p2 is not in the program any more.
              Enrollment e3 = MakeEnrollment(
                  "e3", "p2", rehab::v1::PROGRAM_PSYCHIATRIC_MANAGEMENT,
                  rehab::v1::ENROLLMENT_STATUS_ENDED);
              RETURN_IF_ERROR(txn.PutEnrollment(e1));
              RETURN_IF_ERROR(txn.PutEnrollment(e2));
              return txn.PutEnrollment(e3);
            })
            .ok());
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreTest, AcknowledgedWritesArePresentAfterReopen) {
  std::vector<Patient> written;
  for (int i = 0; i < 200; ++i) {
    Patient p = MakePatient(absl::StrFormat("patient-%03d", (i * 37) % 200), i,
                            absl::StrFormat("Name %d", i), "a-vil1", "f-vil1");
    ASSERT_TRUE(PutPatient(p).ok());
    written.push_back(p);
  }
  store_->Close();
  store_ = OpenStoreOrDie(path_);
  ASSERT_NE(store_, nullptr);

  for (const Patient& p : written) {
    std::optional<Patient> stored = Get(p.id());
    ASSERT_TRUE(stored.has_value()) << p.id();
    EXPECT_EQ(stored->id_number(), p.id_number());
    EXPECT_EQ(stored->name(), p.name());
    EXPECT_GT(stored->change_seq(), 0);
  }
  // Through the list, 30 at a time, in id order, each exactly once.
  std::vector<std::string> listed;
  PatientQuery query;
  query.scope.kind = PatientScope::Kind::kAll;
  query.limit = 30;
  for (;;) {
    std::vector<Patient> page = List(query);
    for (const Patient& p : page) listed.push_back(p.id());
    if (static_cast<int>(page.size()) < query.limit) break;
    query.after_id = page.back().id();
  }
  std::vector<std::string> expected;
  for (const Patient& p : written) expected.push_back(p.id());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(listed, expected);
}

TEST_F(SqliteStoreTest, PutStampsChangeSeqAndAFailedPutConsumesNone) {
  Patient first = MakePatient("p1", 1, "A", "a-vil1", "");
  Patient duplicate = MakePatient("p2", 1, "B", "a-vil1", "");
  Patient third = MakePatient("p3", 3, "C", "a-vil1", "");
  int64_t before = 0;
  absl::Status duplicate_status;
  ASSERT_TRUE(store_
                  ->Write([&](WriteTxn& txn) {
                    Area probe = MakeArea("a-extra", "320831003", "a-county");
                    RETURN_IF_ERROR(txn.PutArea(probe));
                    before = probe.change_seq();
                    RETURN_IF_ERROR(txn.PutPatient(first));
                    // The domain may handle a failed Put and go on.
                    duplicate_status = txn.PutPatient(duplicate);
                    return txn.PutPatient(third);
                  })
                  .ok());

  EXPECT_EQ(duplicate_status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(duplicate.change_seq(), 0);  // left as it came
  EXPECT_EQ(first.change_seq(), before + 1);
  EXPECT_EQ(third.change_seq(), before + 2);
  EXPECT_EQ(Get("p3")->change_seq(), before + 2);
  EXPECT_FALSE(Get("p2").has_value());
}

TEST_F(SqliteStoreTest, SecondPatientWithTheSameIdNumberIsRefused) {
  ASSERT_TRUE(PutPatient(MakePatient("p1", 42, "First", "a-vil1", "")).ok());

  absl::Status status =
      PutPatient(MakePatient("p2", 42, "Second", "a-vil2", ""));

  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(status), kReasonDuplicateIdNumber);
  // No SQLite text reaches the caller.
  EXPECT_EQ(status.message().find("UNIQUE"), absl::string_view::npos);
  EXPECT_EQ(Get("p1")->name(), "First");
  EXPECT_FALSE(Get("p2").has_value());
}

TEST_F(SqliteStoreTest, PutOfAnExistingIdReplacesTheRecord) {
  Patient p = MakePatient("p1", 42, "Before", "a-vil1", "f-vil1");
  ASSERT_TRUE(PutPatient(p).ok());
  p.set_name("After");
  p.set_version(2);
  p.set_area_id("a-vil2");
  p.set_facility_id("f-vil2");

  ASSERT_TRUE(PutPatient(p).ok());

  EXPECT_EQ(Get("p1")->name(), "After");
  EXPECT_EQ(Get("p1")->version(), 2);
  // The index copies moved with it.
  PatientScope town2 = AreaScope("320831002");
  EXPECT_EQ(ListIds(town2), std::vector<std::string>{"p1"});
  PatientScope station1 = FacilityScope("f-vil1");
  EXPECT_TRUE(ListIds(station1).empty());
}

TEST_F(SqliteStoreTest, DuplicateCardNumberIsRefused) {
  Patient a = MakePatient("p1", 1, "A", "a-vil1", "");
  a.set_disability_card_number("32083119800000000142");
  Patient b = MakePatient("p2", 2, "B", "a-vil1", "");
  b.set_disability_card_number("32083119800000000142");
  ASSERT_TRUE(PutPatient(a).ok());

  absl::Status status = PutPatient(b);

  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(status), kReasonAlreadyExists);
}

TEST_F(SqliteStoreTest, LooksUpPatientsByIdNumberAndCard) {
  Patient a = MakePatient("p1", 1, "A", "a-vil1", "");
  a.set_disability_card_number("32083119800000000142");
  ASSERT_TRUE(PutPatient(a).ok());
  ASSERT_TRUE(PutPatient(MakePatient("p2", 2, "B", "a-vil1", "")).ok());

  ASSERT_TRUE(store_
                  ->Read([&](ReadTxn& txn) {
                    ASSIGN_OR_RETURN(std::optional<Patient> by_number,
                                     txn.GetPatientByIdNumber(a.id_number()));
                    EXPECT_TRUE(by_number.has_value());
                    if (by_number) {
                      EXPECT_EQ(by_number->id(), "p1");
                    }
                    ASSIGN_OR_RETURN(
                        std::optional<Patient> by_card,
                        txn.GetPatientByCardNumber("32083119800000000142"));
                    EXPECT_TRUE(by_card.has_value());
                    if (by_card) {
                      EXPECT_EQ(by_card->id(), "p1");
                    }
                    // p2 has no card: an empty key finds nobody.
                    ASSIGN_OR_RETURN(std::optional<Patient> no_card,
                                     txn.GetPatientByCardNumber(""));
                    EXPECT_FALSE(no_card.has_value());
                    ASSIGN_OR_RETURN(int64_t count, txn.CountPatients());
                    EXPECT_EQ(count, 2);
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_F(SqliteStoreTest, PatientOfAnUnknownAreaIsRefused) {
  absl::Status status =
      PutPatient(MakePatient("p1", 1, "A", "no-such-area", ""));

  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_FALSE(Get("p1").has_value());
}

TEST_F(SqliteStoreTest, PatientOfAnUnknownFacilityIsRefused) {
  absl::Status status =
      PutPatient(MakePatient("p1", 1, "A", "a-vil1", "no-such-facility"));

  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
}

TEST_F(SqliteStoreTest, AreaSubtreeScopeIsACodePrefix) {
  AddFourPatients();

  PatientScope town1 = AreaScope("320831001");
  PatientScope village2 = AreaScope("320831002001");
  PatientScope county = AreaScope("320831");
  PatientScope empty_code = AreaScope("");

  EXPECT_EQ(ListIds(town1), (std::vector<std::string>{"p1", "p2"}));
  EXPECT_EQ(ListIds(village2), std::vector<std::string>{"p3"});
  EXPECT_EQ(ListIds(county),
            (std::vector<std::string>{"p1", "p2", "p3", "p4"}));
  EXPECT_TRUE(ListIds(empty_code).empty());
}

TEST_F(SqliteStoreTest, FacilityPatientsAndNoneScopes) {
  AddFourPatients();

  PatientScope station1 = FacilityScope("f-vil1");
  PatientScope wards = PatientsScope({"p4", "p2", "x"});
  PatientScope no_wards = PatientsScope({});
  PatientScope none = ScopeOf(PatientScope::Kind::kNone);
  PatientScope doctor = ScopeOf(PatientScope::Kind::kPractitioner);
  doctor.practitioner_id = "doc-1";
  PatientScope all = ScopeOf(PatientScope::Kind::kAll);

  EXPECT_EQ(ListIds(station1), std::vector<std::string>{"p1"});
  EXPECT_EQ(ListIds(wards), (std::vector<std::string>{"p2", "p4"}));
  EXPECT_TRUE(ListIds(no_wards).empty());
  EXPECT_TRUE(ListIds(none).empty());
  EXPECT_TRUE(ListIds(doctor).empty());
  EXPECT_EQ(ListIds(all).size(), 4u);
}

TEST_F(SqliteStoreTest, PatientInScopeAppliesTheSameRule) {
  AddFourPatients();
  PatientScope town1 = AreaScope("320831001");
  PatientScope station2 = FacilityScope("f-vil2");
  PatientScope all = ScopeOf(PatientScope::Kind::kAll);
  PatientScope none = ScopeOf(PatientScope::Kind::kNone);

  ASSERT_TRUE(store_
                  ->Read([&](ReadTxn& txn) {
                    EXPECT_TRUE(*txn.PatientInScope("p2", town1));
                    EXPECT_FALSE(*txn.PatientInScope("p3", town1));
                    EXPECT_TRUE(*txn.PatientInScope("p3", station2));
                    EXPECT_TRUE(*txn.PatientInScope("p4", all));
                    EXPECT_FALSE(*txn.PatientInScope("nobody", all));
                    EXPECT_FALSE(*txn.PatientInScope("p1", none));
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_F(SqliteStoreTest, ListPatientsFilters) {
  AddFourPatients();
  PatientQuery query;
  query.scope.kind = PatientScope::Kind::kAll;

  PatientQuery in_program = query;
  in_program.program = rehab::v1::PROGRAM_PSYCHIATRIC_MANAGEMENT;
  EXPECT_EQ(Ids(List(in_program)), std::vector<std::string>{"p1"});

  PatientQuery by_name = query;
  by_name.name_prefix = "Wang";
  EXPECT_EQ(Ids(List(by_name)), (std::vector<std::string>{"p1", "p2"}));

  PatientQuery by_area = query;
  by_area.area_code_prefix = "320831002";
  EXPECT_EQ(Ids(List(by_area)), std::vector<std::string>{"p3"});

  PatientQuery by_facility = query;
  by_facility.facility_id = "f-center";
  EXPECT_EQ(Ids(List(by_facility)), std::vector<std::string>{"p4"});

  PatientQuery by_grade = query;
  by_grade.grade = 3;
  EXPECT_TRUE(List(by_grade).empty());
  by_grade.grade = 2;
  by_grade.category = rehab::v1::DISABILITY_CATEGORY_PHYSICAL;
  EXPECT_EQ(List(by_grade).size(), 4u);

  // Filters combine with the scope.
  PatientQuery scoped_name = by_name;
  scoped_name.scope = FacilityScope("f-vil1");
  EXPECT_EQ(Ids(List(scoped_name)), std::vector<std::string>{"p1"});

  PatientQuery zero = query;
  zero.limit = 0;
  EXPECT_TRUE(List(zero).empty());
}

TEST_F(SqliteStoreTest, NamePrefixTreatsWildcardCharactersLiterally) {
  ASSERT_TRUE(store_
                  ->Write([](WriteTxn& txn) {
                    int n = 0;
                    for (const char* name :
                         {"100%A", "100%B", "100B", "a_b", "axb", "A_b"}) {
                      Patient p = MakePatient(absl::StrFormat("p%d", n), n,
                                              name, "a-vil1", "");
                      ++n;
                      RETURN_IF_ERROR(txn.PutPatient(p));
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  auto names = [&](const std::string& prefix) {
    PatientQuery query;
    query.scope.kind = PatientScope::Kind::kAll;
    query.name_prefix = prefix;
    std::vector<std::string> out;
    for (const Patient& p : List(query)) out.push_back(p.name());
    std::sort(out.begin(), out.end());
    return out;
  };

  EXPECT_EQ(names("100%"), (std::vector<std::string>{"100%A", "100%B"}));
  EXPECT_EQ(names("a_"), std::vector<std::string>{"a_b"});
  EXPECT_EQ(names("100"), (std::vector<std::string>{"100%A", "100%B", "100B"}));
}

TEST_F(SqliteStoreTest, ListPatientsPagesByIdAfterTheLastKey) {
  AddFourPatients();
  PatientQuery query;
  query.scope.kind = PatientScope::Kind::kAll;
  query.limit = 3;

  std::vector<Patient> first = List(query);
  query.after_id = first.back().id();
  std::vector<Patient> second = List(query);

  EXPECT_EQ(Ids(first), (std::vector<std::string>{"p1", "p2", "p3"}));
  EXPECT_EQ(Ids(second), std::vector<std::string>{"p4"});
}

TEST_F(SqliteStoreTest, OneOpenEnrollmentPerPatientAndProgram) {
  AddFourPatients();
  Enrollment second =
      MakeEnrollment("e9", "p1", rehab::v1::PROGRAM_PSYCHIATRIC_MANAGEMENT,
                     rehab::v1::ENROLLMENT_STATUS_REGISTERED);

  absl::Status refused =
      store_->Write([&](WriteTxn& txn) { return txn.PutEnrollment(second); });

  EXPECT_EQ(refused.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(refused), kReasonEnrollmentAlreadyOpen);

  // Once the first has ended, a new one may open.
  ASSERT_TRUE(store_
                  ->Write([&](WriteTxn& txn) {
                    ASSIGN_OR_RETURN(
                        std::optional<Enrollment> open,
                        txn.GetOpenEnrollment(
                            "p1", rehab::v1::PROGRAM_PSYCHIATRIC_MANAGEMENT));
                    EXPECT_TRUE(open.has_value());
                    if (!open) return absl::NotFoundError("no open enrollment");
                    open->set_status(rehab::v1::ENROLLMENT_STATUS_ENDED);
                    open->set_end_date("2024-06-30");
                    RETURN_IF_ERROR(txn.PutEnrollment(*open));
                    return txn.PutEnrollment(second);
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->Read([&](ReadTxn& txn) {
                    ASSIGN_OR_RETURN(
                        std::optional<Enrollment> open,
                        txn.GetOpenEnrollment(
                            "p1", rehab::v1::PROGRAM_PSYCHIATRIC_MANAGEMENT));
                    EXPECT_TRUE(open.has_value());
                    if (open) {
                      EXPECT_EQ(open->id(), "e9");
                    }
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_F(SqliteStoreTest, ListEnrollmentsAppliesScopeAndFilters) {
  AddFourPatients();
  auto list = [&](const EnrollmentQuery& query) {
    std::vector<std::string> ids;
    EXPECT_TRUE(store_
                    ->Read([&](ReadTxn& txn) {
                      ASSIGN_OR_RETURN(std::vector<Enrollment> found,
                                       txn.ListEnrollments(query));
                      for (const Enrollment& e : found) ids.push_back(e.id());
                      return absl::OkStatus();
                    })
                    .ok());
    return ids;
  };
  EnrollmentQuery all;
  all.scope.kind = PatientScope::Kind::kAll;
  EnrollmentQuery open = all;
  open.open_only = true;
  EnrollmentQuery town1;
  town1.scope = AreaScope("320831001");
  EnrollmentQuery program = all;
  program.program = rehab::v1::PROGRAM_FREE_MEDICATION;
  EnrollmentQuery of_p2 = all;
  of_p2.patient_id = "p2";
  EnrollmentQuery none;

  EXPECT_EQ(list(all), (std::vector<std::string>{"e1", "e2", "e3"}));
  EXPECT_EQ(list(open), (std::vector<std::string>{"e1", "e2"}));
  EXPECT_EQ(list(town1), (std::vector<std::string>{"e1", "e3"}));
  EXPECT_EQ(list(program), std::vector<std::string>{"e2"});
  EXPECT_EQ(list(of_p2), std::vector<std::string>{"e3"});
  EXPECT_TRUE(list(none).empty());
}

TEST_F(SqliteStoreTest, AreasByCodeParentAndUniqueCode) {
  Area duplicate = MakeArea("a-dup", "320831001", "a-county");
  absl::Status refused =
      store_->Write([&](WriteTxn& txn) { return txn.PutArea(duplicate); });
  EXPECT_EQ(refused.code(), absl::StatusCode::kAlreadyExists);

  ASSERT_TRUE(
      store_
          ->Read([&](ReadTxn& txn) {
            ASSIGN_OR_RETURN(std::optional<Area> town,
                             txn.GetAreaByCode("320831002"));
            EXPECT_TRUE(town.has_value());
            if (town) {
              EXPECT_EQ(town->id(), "a-town2");
            }
            AreaQuery children;
            children.parent_id = "a-county";
            ASSIGN_OR_RETURN(std::vector<Area> found, txn.ListAreas(children));
            EXPECT_EQ(found.size(), 2u);
            if (found.size() == 2) {
              EXPECT_EQ(found[0].code(), "320831001");
              EXPECT_EQ(found[1].code(), "320831002");
            }
            AreaQuery after;
            after.after_code = "320831001";
            after.limit = 2;
            ASSIGN_OR_RETURN(std::vector<Area> page, txn.ListAreas(after));
            EXPECT_EQ(page.size(), 2u);
            if (page.size() == 2) {
              EXPECT_EQ(page[0].code(), "320831001001");
              EXPECT_EQ(page[1].code(), "320831002");
            }
            return absl::OkStatus();
          })
          .ok());
}

TEST_F(SqliteStoreTest, ChangingAnAreaCodeMovesItsPatients) {
  AddFourPatients();
  ASSERT_TRUE(store_
                  ->Write([](WriteTxn& txn) {
                    ASSIGN_OR_RETURN(std::optional<Area> village,
                                     txn.GetArea("a-vil1"));
                    if (!village) return absl::NotFoundError("a-vil1");
                    // Recoded into township 2.
                    village->set_code("320831002009");
                    village->set_parent_id("a-town2");
                    return txn.PutArea(*village);
                  })
                  .ok());

  PatientScope town2 = AreaScope("320831002");
  EXPECT_EQ(ListIds(town2), (std::vector<std::string>{"p1", "p2", "p3"}));
}

TEST_F(SqliteStoreTest, FacilitiesAndPractitionersLists) {
  ASSERT_TRUE(
      store_
          ->Write([](WriteTxn& txn) {
            for (const auto& [id, facility, kind, team] : std::vector<
                     std::tuple<std::string, std::string,
                                rehab::v1::PractitionerKind, std::string>>{
                     {"d1", "f-vil1",
                      rehab::v1::PRACTITIONER_KIND_FAMILY_DOCTOR, "team-a"},
                     {"d2", "f-vil1", rehab::v1::PRACTITIONER_KIND_NURSE,
                      "team-a"},
                     {"d3", "f-vil2",
                      rehab::v1::PRACTITIONER_KIND_FAMILY_DOCTOR, ""}}) {
              Practitioner p;
              p.set_id(id);
              p.set_version(1);
              p.set_name("Dr " + id);
              p.set_facility_id(facility);
              p.set_kind(kind);
              p.set_team(team);
              RETURN_IF_ERROR(txn.PutPractitioner(p));
            }
            return absl::OkStatus();
          })
          .ok());

  ASSERT_TRUE(
      store_
          ->Read([](ReadTxn& txn) {
            auto ids = [](const auto& records) {
              std::vector<std::string> out;
              for (const auto& r : records) out.push_back(r.id());
              return out;
            };
            FacilityQuery town1;
            town1.area_code_prefix = "320831001";
            ASSIGN_OR_RETURN(std::vector<Facility> in_town1,
                             txn.ListFacilities(town1));
            EXPECT_EQ(ids(in_town1), std::vector<std::string>{"f-vil1"});
            FacilityQuery stations;
            stations.type = rehab::v1::FACILITY_TYPE_REHAB_STATION;
            ASSIGN_OR_RETURN(std::vector<Facility> all_stations,
                             txn.ListFacilities(stations));
            EXPECT_EQ(ids(all_stations),
                      (std::vector<std::string>{"f-vil1", "f-vil2"}));

            PractitionerQuery team;
            team.team = "team-a";
            ASSIGN_OR_RETURN(std::vector<Practitioner> of_team,
                             txn.ListPractitioners(team));
            EXPECT_EQ(ids(of_team), (std::vector<std::string>{"d1", "d2"}));
            PractitionerQuery doctors;
            doctors.kind = rehab::v1::PRACTITIONER_KIND_FAMILY_DOCTOR;
            ASSIGN_OR_RETURN(std::vector<Practitioner> all_doctors,
                             txn.ListPractitioners(doctors));
            EXPECT_EQ(ids(all_doctors), (std::vector<std::string>{"d1", "d3"}));
            PractitionerQuery at_vil2;
            at_vil2.facility_id = "f-vil2";
            ASSIGN_OR_RETURN(std::vector<Practitioner> vil2,
                             txn.ListPractitioners(at_vil2));
            EXPECT_EQ(ids(vil2), std::vector<std::string>{"d3"});
            return absl::OkStatus();
          })
          .ok());
}

TEST_F(SqliteStoreTest, AccountsKeepTheirPasswordHashAndUniqueNames) {
  Account admin = MakeAccount("acc-1", "zed", rehab::v1::ROLE_ADMIN, "");
  Account staff =
      MakeAccount("acc-2", "amy", rehab::v1::ROLE_FACILITY_STAFF, "f-vil1");
  ASSERT_TRUE(store_
                  ->Write([&](WriteTxn& txn) {
                    RETURN_IF_ERROR(txn.PutAccount(admin, "$argon2id$hash-1"));
                    return txn.PutAccount(staff, "$argon2id$hash-2");
                  })
                  .ok());
  // An update without a password keeps the stored hash.
  admin.set_state(rehab::v1::ACCOUNT_STATE_DISABLED);
  ASSERT_TRUE(store_
                  ->Write([&](WriteTxn& txn) {
                    return txn.PutAccount(admin, std::nullopt);
                  })
                  .ok());
  Account taken = MakeAccount("acc-3", "amy", rehab::v1::ROLE_KIOSK, "f-vil1");
  absl::Status refused = store_->Write(
      [&](WriteTxn& txn) { return txn.PutAccount(taken, "$argon2id$x"); });
  EXPECT_EQ(refused.code(), absl::StatusCode::kAlreadyExists);

  ASSERT_TRUE(
      store_
          ->Read([&](ReadTxn& txn) {
            ASSIGN_OR_RETURN(std::optional<std::string> hash,
                             txn.GetPasswordHash("acc-1"));
            EXPECT_EQ(hash, std::optional<std::string>("$argon2id$hash-1"));
            ASSIGN_OR_RETURN(std::optional<Account> by_name,
                             txn.GetAccountByUsername("zed"));
            EXPECT_TRUE(by_name.has_value());
            if (by_name) {
              EXPECT_EQ(by_name->state(), rehab::v1::ACCOUNT_STATE_DISABLED);
            }
            AccountQuery all;
            ASSIGN_OR_RETURN(std::vector<Account> found, txn.ListAccounts(all));
            EXPECT_EQ(found.size(), 2u);
            if (found.size() == 2) {
              EXPECT_EQ(found[0].username(), "amy");
              EXPECT_EQ(found[1].username(), "zed");
            }
            AccountQuery staff_of_vil1;
            staff_of_vil1.scope_id = "f-vil1";
            staff_of_vil1.role = rehab::v1::ROLE_FACILITY_STAFF;
            ASSIGN_OR_RETURN(std::vector<Account> scoped,
                             txn.ListAccounts(staff_of_vil1));
            EXPECT_EQ(scoped.size(), 1u);
            ASSIGN_OR_RETURN(std::optional<std::string> none,
                             txn.GetPasswordHash("acc-404"));
            EXPECT_FALSE(none.has_value());
            return absl::OkStatus();
          })
          .ok());
}

TEST_F(SqliteStoreTest, TokensRevokeByFamilyAndByAccount) {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  auto token = [&](const std::string& hash, const std::string& account,
                   const std::string& family, TokenRecord::Kind kind) {
    TokenRecord t;
    t.token_hash = hash;
    t.kind = kind;
    t.account_id = account;
    t.family_id = family;
    t.device_id = "phone-1";
    t.issue_time = now;
    t.expire_time = now + absl::Hours(1);
    return t;
  };
  // Raw hash bytes, zeros included.
  const std::string h1("\x01\x00\xff\x10", 4);
  const std::string h2("\x02\x00\xff\x10", 4);
  const std::string h3("\x03\x00\xff\x10", 4);
  const std::string h4("\x04\x00\xff\x10", 4);
  ASSERT_TRUE(
      store_
          ->Write([&](WriteTxn& txn) {
            Account a = MakeAccount("acc-1", "amy", rehab::v1::ROLE_ADMIN, "");
            Account b = MakeAccount("acc-2", "bob", rehab::v1::ROLE_ADMIN, "");
            RETURN_IF_ERROR(txn.PutAccount(a, "h"));
            RETURN_IF_ERROR(txn.PutAccount(b, "h"));
            RETURN_IF_ERROR(txn.PutToken(
                token(h1, "acc-1", "fam-1", TokenRecord::Kind::kAccess)));
            RETURN_IF_ERROR(txn.PutToken(
                token(h2, "acc-1", "fam-1", TokenRecord::Kind::kRefresh)));
            RETURN_IF_ERROR(txn.PutToken(
                token(h3, "acc-1", "fam-2", TokenRecord::Kind::kAccess)));
            return txn.PutToken(
                token(h4, "acc-2", "fam-3", TokenRecord::Kind::kAccess));
          })
          .ok());
  auto revoked = [&](const std::string& hash) {
    bool out = false;
    EXPECT_TRUE(store_
                    ->Read([&](ReadTxn& txn) {
                      ASSIGN_OR_RETURN(std::optional<TokenRecord> t,
                                       txn.GetToken(hash));
                      EXPECT_TRUE(t.has_value());
                      if (t) out = t->revoked;
                      return absl::OkStatus();
                    })
                    .ok());
    return out;
  };

  ASSERT_TRUE(store_
                  ->Read([&](ReadTxn& txn) {
                    ASSIGN_OR_RETURN(std::optional<TokenRecord> t,
                                     txn.GetToken(h2));
                    EXPECT_TRUE(t.has_value());
                    if (!t) return absl::OkStatus();
                    EXPECT_EQ(t->kind, TokenRecord::Kind::kRefresh);
                    EXPECT_EQ(t->account_id, "acc-1");
                    EXPECT_EQ(t->family_id, "fam-1");
                    EXPECT_EQ(t->device_id, "phone-1");
                    EXPECT_EQ(t->issue_time, now);
                    EXPECT_EQ(t->expire_time, now + absl::Hours(1));
                    EXPECT_FALSE(t->revoked);
                    ASSIGN_OR_RETURN(std::optional<TokenRecord> missing,
                                     txn.GetToken(std::string("\x01", 1)));
                    EXPECT_FALSE(missing.has_value());
                    return absl::OkStatus();
                  })
                  .ok());

  ASSERT_TRUE(
      store_
          ->Write([](WriteTxn& txn) { return txn.RevokeTokenFamily("fam-1"); })
          .ok());
  EXPECT_TRUE(revoked(h1));
  EXPECT_TRUE(revoked(h2));
  EXPECT_FALSE(revoked(h3));
  EXPECT_FALSE(revoked(h4));

  ASSERT_TRUE(store_
                  ->Write([](WriteTxn& txn) {
                    return txn.RevokeAccountTokens("acc-1");
                  })
                  .ok());
  EXPECT_TRUE(revoked(h3));
  EXPECT_FALSE(revoked(h4));
}

TEST_F(SqliteStoreTest, BreakGlassGrantsListOnlyUnexpired) {
  AddFourPatients();
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  ASSERT_TRUE(store_
                  ->Write([&](WriteTxn& txn) {
                    Account a = MakeAccount(
                        "acc-1", "sue", rehab::v1::ROLE_SUPERVISOR, "a-county");
                    RETURN_IF_ERROR(txn.PutAccount(a, "h"));
                    RETURN_IF_ERROR(txn.PutBreakGlassGrant(
                        {"acc-1", "p1", "emergency", now + absl::Hours(1)}));
                    return txn.PutBreakGlassGrant(
                        {"acc-1", "p2", "old case", now - absl::Minutes(1)});
                  })
                  .ok());

  ASSERT_TRUE(store_
                  ->Read([&](ReadTxn& txn) {
                    ASSIGN_OR_RETURN(std::vector<BreakGlassGrant> grants,
                                     txn.ListBreakGlassGrants("acc-1", now));
                    EXPECT_EQ(grants.size(), 1u);
                    if (grants.size() == 1) {
                      EXPECT_EQ(grants[0].patient_id, "p1");
                      EXPECT_EQ(grants[0].reason, "emergency");
                      EXPECT_EQ(grants[0].expire_time, now + absl::Hours(1));
                    }
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_F(SqliteStoreTest, AuditListsNewestFirstWithFilters) {
  const absl::Time t0 = absl::FromUnixSeconds(1700000000);
  std::vector<int64_t> seqs;
  ASSERT_TRUE(store_
                  ->Write([&](WriteTxn& txn) {
                    for (int i = 0; i < 6; ++i) {
                      AuditEvent e;
                      *e.mutable_time() = ToProto(t0 + absl::Minutes(i));
                      e.set_account_id(i % 2 == 0 ? "acc-even" : "acc-odd");
                      e.set_username(i % 2 == 0 ? "even" : "odd");
                      e.set_method("rehab.v1.PatientService/GetPatient");
                      e.set_patient_id(i < 3 ? "p1" : "p2");
                      e.set_outcome("OK");
                      e.set_peer("ipv4:127.0.0.1:5000");
                      RETURN_IF_ERROR(txn.AppendAudit(e));
                      seqs.push_back(e.seq());
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  auto list = [&](const AuditQuery& query) {
    std::vector<int64_t> out;
    EXPECT_TRUE(store_
                    ->Read([&](ReadTxn& txn) {
                      ASSIGN_OR_RETURN(std::vector<AuditEvent> events,
                                       txn.ListAuditEvents(query));
                      for (const AuditEvent& e : events) out.push_back(e.seq());
                      return absl::OkStatus();
                    })
                    .ok());
    return out;
  };
  ASSERT_EQ(seqs.size(), 6u);
  for (size_t i = 1; i < seqs.size(); ++i) EXPECT_GT(seqs[i], seqs[i - 1]);

  AuditQuery all;
  EXPECT_EQ(list(all), (std::vector<int64_t>{seqs[5], seqs[4], seqs[3], seqs[2],
                                             seqs[1], seqs[0]}));
  AuditQuery page = all;
  page.limit = 2;
  page.before_seq = seqs[4];
  EXPECT_EQ(list(page), (std::vector<int64_t>{seqs[3], seqs[2]}));
  AuditQuery of_p1 = all;
  of_p1.patient_id = "p1";
  EXPECT_EQ(list(of_p1), (std::vector<int64_t>{seqs[2], seqs[1], seqs[0]}));
  AuditQuery odd_in_p2 = all;
  odd_in_p2.patient_id = "p2";
  odd_in_p2.account_id = "acc-odd";
  EXPECT_EQ(list(odd_in_p2), (std::vector<int64_t>{seqs[5], seqs[3]}));
  AuditQuery window = all;
  window.start_time = t0 + absl::Minutes(1);
  window.end_time = t0 + absl::Minutes(3);  // exclusive
  EXPECT_EQ(list(window), (std::vector<int64_t>{seqs[2], seqs[1]}));

  ASSERT_TRUE(
      store_
          ->Read([&](ReadTxn& txn) {
            AuditQuery newest;
            newest.limit = 1;
            ASSIGN_OR_RETURN(std::vector<AuditEvent> events,
                             txn.ListAuditEvents(newest));
            EXPECT_EQ(events.size(), 1u);
            if (events.empty()) return absl::OkStatus();
            EXPECT_EQ(events[0].account_id(), "acc-odd");
            EXPECT_EQ(events[0].username(), "odd");
            EXPECT_EQ(events[0].method(), "rehab.v1.PatientService/GetPatient");
            EXPECT_EQ(events[0].patient_id(), "p2");
            EXPECT_EQ(events[0].outcome(), "OK");
            EXPECT_EQ(events[0].peer(), "ipv4:127.0.0.1:5000");
            EXPECT_EQ(FromProto(events[0].time()), t0 + absl::Minutes(5));
            return absl::OkStatus();
          })
          .ok());
}

TEST_F(SqliteStoreTest, ReadSeesOneSnapshotWhileWritesCommit) {
  ASSERT_TRUE(PutPatient(MakePatient("p1", 1, "A", "a-vil1", "")).ok());
  int64_t before = -1;
  int64_t after = -1;
  absl::Status write_status;

  ASSERT_TRUE(store_
                  ->Read([&](ReadTxn& txn) {
                    ASSIGN_OR_RETURN(before, txn.CountPatients());
                    std::thread writer([&] {
                      write_status =
                          PutPatient(MakePatient("p2", 2, "B", "a-vil1", ""));
                    });
                    writer.join();
                    ASSIGN_OR_RETURN(after, txn.CountPatients());
                    return absl::OkStatus();
                  })
                  .ok());

  ASSERT_TRUE(write_status.ok()) << write_status;
  EXPECT_EQ(before, 1);
  EXPECT_EQ(after, 1);
  EXPECT_TRUE(Get("p2").has_value());
}

TEST_F(SqliteStoreTest, AFailingWriteFunctionLeavesNothing) {
  absl::Status status = store_->Write([](WriteTxn& txn) {
    Patient p = MakePatient("p1", 1, "A", "a-vil1", "");
    RETURN_IF_ERROR(txn.PutPatient(p));
    return absl::AbortedError("version conflict");
  });

  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(status.message(), "version conflict");
  EXPECT_FALSE(Get("p1").has_value());
}

TEST_F(SqliteStoreTest, BackupIsAReadableCopy) {
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(PutPatient(MakePatient(absl::StrFormat("p%02d", i), i, "N",
                                       "a-vil1", ""))
                    .ok());
  }
  const std::optional<Patient> last = Get("p19");
  ASSERT_TRUE(last.has_value());
  const std::string backup_path = dir_.File("backup.db");

  absl::StatusOr<BackupInfo> info = store_->Backup(backup_path);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->change_seq, last->change_seq());
  EXPECT_EQ(info->size_bytes,
            static_cast<int64_t>(std::filesystem::file_size(backup_path)));
  // Only the live database's files and the backup: no temporary file left,
  // and the backup has no WAL of its own.
  for (const std::string& name : FileNames(dir_.path())) {
    EXPECT_TRUE(name == "backup.db" || absl::StartsWith(name, "rehab.db"))
        << name;
  }
  EXPECT_EQ(
      std::filesystem::status(backup_path).permissions(),
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  {
    // A self-contained file: the header's read and write versions (bytes
    // 18 and 19) say rollback journal (1), not WAL (2).
    std::ifstream file(backup_path, std::ios::binary);
    char header[20] = {};
    ASSERT_TRUE(file.read(header, sizeof(header)));
    EXPECT_EQ(header[18], 1);
    EXPECT_EQ(header[19], 1);
  }
  // The live store goes on.
  ASSERT_TRUE(PutPatient(MakePatient("p-late", 99, "Late", "a-vil1", "")).ok());

  std::unique_ptr<SqliteStore> copy = OpenStoreOrDie(backup_path);
  ASSERT_NE(copy, nullptr);
  ASSERT_TRUE(copy->Read([](ReadTxn& txn) {
                    ASSIGN_OR_RETURN(int64_t count, txn.CountPatients());
                    EXPECT_EQ(count, 20);
                    ASSIGN_OR_RETURN(std::optional<Patient> p,
                                     txn.GetPatient("p07"));
                    EXPECT_TRUE(p.has_value());
                    ASSIGN_OR_RETURN(std::optional<Area> county,
                                     txn.GetAreaByCode("320831"));
                    EXPECT_TRUE(county.has_value());
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_F(SqliteStoreTest, BackupRefusesTheLiveFileAndBadPaths) {
  EXPECT_EQ(store_->Backup(path_).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->Backup("").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Backup(dir_.File("no/such/dir/backup.db")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir_.File("no")));
}

TEST_F(SqliteStoreTest, BackupNeverReplacesAFile) {
  const std::string existing = dir_.File("existing.db");
  std::ofstream(existing) << "keep me";

  EXPECT_EQ(store_->Backup(existing).status().code(),
            absl::StatusCode::kAlreadyExists);

  std::ifstream file(existing);
  std::string text;
  std::getline(file, text);
  EXPECT_EQ(text, "keep me");
  for (const std::string& name : FileNames(dir_.path())) {
    EXPECT_TRUE(name == "existing.db" || absl::StartsWith(name, "rehab.db"))
        << name;
  }
}

TEST_F(SqliteStoreTest, BackupWhileWritesGoOnHoldsOneCommittedState) {
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(PutPatient(MakePatient(absl::StrFormat("early%02d", i), i, "E",
                                       "a-vil1", ""))
                    .ok());
  }
  std::atomic<bool> stop{false};
  std::atomic<int> late_written{0};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      if (PutPatient(MakePatient(absl::StrFormat("late%05d", i), 1000 + i, "L",
                                 "a-vil2", ""))
              .ok()) {
        ++late_written;
      }
    }
  });
  while (late_written < 10) std::this_thread::yield();
  const int acknowledged = late_written;
  absl::StatusOr<BackupInfo> info = store_->Backup(dir_.File("backup.db"));
  stop = true;
  writer.join();
  ASSERT_TRUE(info.ok()) << info.status();

  // The copy holds exactly the patients the live store had committed at
  // the copy's change_seq: every write acknowledged before the backup
  // began, none after that point.
  PatientQuery all;
  all.scope = ScopeOf(PatientScope::Kind::kAll);
  all.limit = 1000000;
  std::set<std::string> expected;
  for (const Patient& p : List(all)) {
    if (p.change_seq() <= info->change_seq) expected.insert(p.id());
  }
  EXPECT_TRUE(expected.count("early49"));
  EXPECT_TRUE(expected.count(absl::StrFormat("late%05d", acknowledged - 1)));

  std::unique_ptr<SqliteStore> copy = OpenStoreOrDie(dir_.File("backup.db"));
  ASSERT_NE(copy, nullptr);
  std::set<std::string> copied;
  ASSERT_TRUE(copy->Read([&](ReadTxn& txn) -> absl::Status {
                    ASSIGN_OR_RETURN(std::vector<Patient> patients,
                                     txn.ListPatients(all));
                    for (const Patient& p : patients) copied.insert(p.id());
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(copied, expected);
}

TEST_F(SqliteStoreTest, ClosedStoreIsUnavailable) {
  store_->Close();
  store_->Close();  // idempotent

  EXPECT_EQ(store_->Write([](WriteTxn&) { return absl::OkStatus(); }).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(store_->Read([](ReadTxn&) { return absl::OkStatus(); }).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(store_->Backup(dir_.File("b.db")).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(SqliteStoreOpenTest, RefusesAnEmptyPathAndAFileThatIsNoDatabase) {
  TempDir dir;
  StoreOptions options;
  EXPECT_EQ(SqliteStore::Open(options).status().code(),
            absl::StatusCode::kInvalidArgument);

  options.path = dir.File("text.db");
  FILE* f = fopen(options.path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs(
      "this is not a database, just some text that is long enough......\n"
      "......................................................................",
      f);
  fclose(f);
  absl::StatusOr<std::unique_ptr<SqliteStore>> store =
      SqliteStore::Open(options);
  EXPECT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInternal);
}

// Every write acknowledged before the process is killed (SIGKILL, mid-way
// through a stream of concurrent writes) is there after a restart.
TEST(SqliteStoreCrashTest, AcknowledgedWritesSurviveAKill) {
  TempDir dir;
  const std::string path = dir.File("rehab.db");
  {
    std::unique_ptr<SqliteStore> store = OpenStoreOrDie(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(SeedCounty(*store).ok());
  }
  constexpr size_t kIdLength = 10;  // "c-T-NNNNNN"
  int acks[2];
  ASSERT_EQ(pipe(acks), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The writer process: writes until killed, reporting each id once its
    // Write has returned OK.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(acks[0]);
    StoreOptions options;
    options.path = path;
    absl::StatusOr<std::unique_ptr<SqliteStore>> store =
        SqliteStore::Open(options);
    if (!store.ok()) _exit(2);
    std::vector<std::thread> writers;
    for (int t = 0; t < 8; ++t) {
      writers.emplace_back([&, t] {
        for (int i = 0;; ++i) {
          const std::string id = absl::StrFormat("c-%d-%06d", t, i);
          Patient p =
              MakePatient(id, t * 1000000 + i, "Crash", "a-vil1", "f-vil1");
          if ((*store)
                  ->Write([&](WriteTxn& txn) { return txn.PutPatient(p); })
                  .ok()) {
            if (write(acks[1], id.data(), kIdLength) != kIdLength) _exit(3);
          }
        }
      });
    }
    for (;;) pause();
  }
  close(acks[1]);
  std::vector<std::string> acknowledged;
  auto read_ack = [&] {
    char buffer[kIdLength];
    size_t got = 0;
    while (got < kIdLength) {
      const ssize_t n = read(acks[0], buffer + got, kIdLength - got);
      if (n <= 0) return false;
      got += static_cast<size_t>(n);
    }
    acknowledged.emplace_back(buffer, kIdLength);
    return true;
  };
  while (acknowledged.size() < 300 && read_ack()) {
  }
  kill(child, SIGKILL);
  int wait_status = 0;
  waitpid(child, &wait_status, 0);
  // Acknowledgements already in the pipe count too.
  while (read_ack()) {
  }
  close(acks[0]);
  ASSERT_GE(acknowledged.size(), 300u);
  ASSERT_TRUE(WIFSIGNALED(wait_status));

  std::unique_ptr<SqliteStore> store = OpenStoreOrDie(path);
  ASSERT_NE(store, nullptr);
  size_t missing = 0;
  ASSERT_TRUE(store
                  ->Read([&](ReadTxn& txn) {
                    for (const std::string& id : acknowledged) {
                      ASSIGN_OR_RETURN(std::optional<Patient> p,
                                       txn.GetPatient(id));
                      if (!p.has_value()) ++missing;
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged";
}

}  // namespace
}  // namespace rehab
