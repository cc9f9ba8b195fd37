#include "server/domain/patient_manager.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/dates.h"
#include "server/common/errors.h"
#include "server/common/ids.h"
#include "server/common/status_macros.h"
#include "server/domain/page_token.h"
#include "server/domain/validation.h"
#include "tests/server/domain/domain_test_util.h"
#include "tests/server/domain/fake_store.h"

namespace rehab {
namespace {

using ::rehab::domain_test::Admin;
using ::rehab::domain_test::AtFacility;
using ::rehab::domain_test::FieldsOf;
using ::rehab::domain_test::IdNumber;
using ::rehab::domain_test::kCounty;
using ::rehab::domain_test::kStart;
using ::rehab::domain_test::kStation1;
using ::rehab::domain_test::kStation2;
using ::rehab::domain_test::kTownship1;
using ::rehab::domain_test::kTownship2;
using ::rehab::domain_test::kVillage1;
using ::rehab::domain_test::kVillage2;
using ::rehab::domain_test::Supervisor;
using rehab::v1::Enrollment;
using rehab::v1::Patient;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kMissing[] = "b0000000-0000-4000-8000-00000000ffff";

std::string CardNumber(const std::string& id_number, int category, int grade) {
  return absl::StrCat(id_number, category, grade);
}

Caller PatientAccount(const std::string& patient_id) {
  Caller c;
  c.account_id = "acct-patient";
  c.role = rehab::v1::ROLE_PATIENT;
  c.scope_id = patient_id;
  return c;
}

class PatientManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(domain_test::PutModelCounty(store_).ok());
  }

  // A patient of village 1, served by station 1.
  static Patient NewPatient(const std::string& name,
                            const std::string& id_number) {
    Patient p;
    p.set_name(name);
    p.set_id_number(id_number);
    p.set_area_id(kVillage1);
    p.set_facility_id(kStation1);
    p.set_phone("13800000000");
    return p;
  }

  absl::StatusOr<Patient> Create(const Patient& patient,
                                 const Caller& caller = Admin()) {
    rehab::v1::CreatePatientRequest request;
    *request.mutable_patient() = patient;
    return manager_.CreatePatient(caller, request);
  }

  Patient MustCreate(const Patient& patient, const Caller& caller = Admin()) {
    absl::StatusOr<Patient> created = Create(patient, caller);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.value_or(Patient());
  }

  absl::StatusOr<Patient> Get(const Caller& caller, const std::string& id,
                              std::string* audit = nullptr) {
    rehab::v1::GetPatientRequest request;
    request.set_id(id);
    return manager_.GetPatient(caller, request, audit);
  }

  absl::StatusOr<Patient> Update(const Caller& caller, const Patient& patch,
                                 std::vector<std::string> paths) {
    rehab::v1::UpdatePatientRequest request;
    *request.mutable_patient() = patch;
    for (const std::string& path : paths) {
      request.mutable_update_mask()->add_paths(path);
    }
    return manager_.UpdatePatient(caller, request);
  }

  // Ids of every patient `caller` lists (following every page).
  std::vector<std::string> ListIds(
      const Caller& caller, rehab::v1::ListPatientsRequest request = {}) {
    std::vector<std::string> ids;
    do {
      absl::StatusOr<rehab::v1::ListPatientsResponse> page =
          manager_.ListPatients(caller, request);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const Patient& p : page->patients()) ids.push_back(p.id());
      request.set_page_token(page->next_page_token());
    } while (!request.page_token().empty());
    return ids;
  }

  absl::StatusOr<Patient> LookupByCard(const Caller& caller,
                                       const std::string& card) {
    rehab::v1::LookupPatientRequest request;
    request.set_disability_card_number(card);
    return manager_.LookupPatient(caller, request);
  }

  absl::StatusOr<Patient> LookupById(const Caller& caller,
                                     const std::string& id_number) {
    rehab::v1::LookupPatientRequest request;
    request.set_id_number(id_number);
    return manager_.LookupPatient(caller, request);
  }

  absl::StatusOr<Enrollment> Enroll(const Caller& caller,
                                    const std::string& patient_id,
                                    rehab::v1::Program program,
                                    const std::string& id = "") {
    rehab::v1::CreateEnrollmentRequest request;
    Enrollment* e = request.mutable_enrollment();
    e->set_id(id);
    e->set_patient_id(patient_id);
    e->set_program(program);
    e->set_start_date("2024-01-15");
    return manager_.CreateEnrollment(caller, request);
  }

  absl::StatusOr<Enrollment> EndEnrollment(const std::string& id,
                                           const std::string& end_date,
                                           rehab::v1::EnrollmentStatus status,
                                           const Caller& caller = Admin()) {
    rehab::v1::EndEnrollmentRequest request;
    request.set_id(id);
    request.set_end_date(end_date);
    request.set_status(status);
    request.set_reason("moved away");
    return manager_.EndEnrollment(caller, request);
  }

  FakeStore store_;
  FakeClock clock_{kStart};
  PatientManager manager_{&store_, &clock_, absl::FixedTimeZone(8 * 3600)};
};

TEST_F(PatientManagerTest, CreatesANormalisedPatientAndGetsItBack) {
  const std::string id_number = IdNumber("19800101", 13);
  Patient fresh = NewPatient("Wang Fang", id_number);
  fresh.set_version(41);
  fresh.set_author("someone-else");
  const Patient created = MustCreate(fresh);

  EXPECT_TRUE(IsCanonicalUuid(created.id())) << created.id();
  EXPECT_EQ(created.version(), 1);
  EXPECT_EQ(created.author(), "acct-admin");
  EXPECT_EQ(created.sex(), rehab::v1::SEX_MALE);
  EXPECT_EQ(created.birth_date(), "1980-01-01");
  EXPECT_FALSE(created.pseudonymised());

  absl::StatusOr<Patient> got = Get(Admin(), created.id());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->name(), "Wang Fang");
  EXPECT_EQ(got->id_number(), id_number);
  EXPECT_EQ(got->version(), 1);
}

TEST_F(PatientManagerTest, ConvertsALegacyFifteenDigitIdNumber) {
  const std::string full = IdNumber("19800101", 13);
  const std::string legacy = "320831800101013";
  const Patient created = MustCreate(NewPatient("Wang Fang", legacy));
  EXPECT_EQ(created.id_number(), full);
}

TEST_F(PatientManagerTest, RepeatedCreateWithSameContentReturnsTheStored) {
  Patient fresh = NewPatient("Wang Fang", IdNumber("19800101", 13));
  fresh.set_id(NewUuid());
  const Patient first = MustCreate(fresh);
  clock_.Advance(absl::Minutes(5));

  absl::StatusOr<Patient> again = Create(fresh);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->id(), first.id());
  EXPECT_EQ(again->version(), 1);
  EXPECT_EQ(FromProto(again->create_time()), kStart);
  EXPECT_THAT(ListIds(Admin()), ElementsAre(first.id()));
}

TEST_F(PatientManagerTest, RepeatedCreateWithOtherContentIsAlreadyExists) {
  Patient fresh = NewPatient("Wang Fang", IdNumber("19800101", 13));
  fresh.set_id(NewUuid());
  MustCreate(fresh);

  Patient other = fresh;
  other.set_phone("13911111111");
  absl::StatusOr<Patient> again = Create(other);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(again.status()), kReasonAlreadyExists);
  absl::StatusOr<Patient> stored = Get(Admin(), fresh.id());
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->phone(), "13800000000");
}

TEST_F(PatientManagerTest, SecondPatientWithTheSameIdNumberIsRefused) {
  const std::string id_number = IdNumber("19800101", 13);
  const Patient first = MustCreate(NewPatient("Wang Fang", id_number));

  // The same number in its legacy 15-digit form is the same person.
  absl::StatusOr<Patient> second =
      Create(NewPatient("Wang Fang 2", "320831800101013"));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(second.status()), kReasonDuplicateIdNumber);
  EXPECT_THAT(ListIds(Admin()), ElementsAre(first.id()));
}

TEST_F(PatientManagerTest, BadInputNamesTheFieldAndWritesNothing) {
  const int64_t commits = store_.commit_count();
  std::string bad_check = IdNumber("19800101", 13);
  bad_check.back() = bad_check.back() == '1' ? '2' : '1';

  absl::StatusOr<Patient> bad_id = Create(NewPatient("Wang Fang", bad_check));
  EXPECT_EQ(bad_id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(bad_id.status()), ElementsAre("patient.id_number"));

  Patient unknown_area = NewPatient("Wang Fang", IdNumber("19800101", 13));
  unknown_area.set_area_id(kMissing);
  EXPECT_THAT(FieldsOf(Create(unknown_area).status()),
              ElementsAre("patient.area_id"));

  Patient county = NewPatient("Wang Fang", IdNumber("19800101", 13));
  county.set_area_id(kCounty);
  EXPECT_THAT(FieldsOf(Create(county).status()),
              ElementsAre("patient.area_id"));

  Patient unknown_facility = NewPatient("Wang Fang", IdNumber("19800101", 13));
  unknown_facility.set_facility_id(kMissing);
  EXPECT_THAT(FieldsOf(Create(unknown_facility).status()),
              ElementsAre("patient.facility_id"));

  Patient no_name = NewPatient("", IdNumber("19800101", 13));
  EXPECT_THAT(FieldsOf(Create(no_name).status()), ElementsAre("patient.name"));

  EXPECT_THAT(ListIds(Admin()), IsEmpty());
  EXPECT_EQ(store_.commit_count(), commits);
}

TEST_F(PatientManagerTest, UpdateChangesTheMaskedFieldsAndBumpsTheVersion) {
  const Patient created =
      MustCreate(NewPatient("Wang Fang", IdNumber("19800101", 13)));
  clock_.Advance(absl::Hours(1));

  Patient patch;
  patch.set_id(created.id());
  patch.set_version(1);
  patch.set_phone("13922222222");
  patch.set_name("ignored, not in the mask");
  absl::StatusOr<Patient> updated = Update(Admin(), patch, {"phone"});
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->version(), 2);
  EXPECT_EQ(updated->phone(), "13922222222");
  EXPECT_EQ(updated->name(), "Wang Fang");
  EXPECT_EQ(FromProto(updated->update_time()), kStart + absl::Hours(1));

  absl::StatusOr<Patient> got = Get(Admin(), created.id());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->phone(), "13922222222");
  EXPECT_EQ(got->version(), 2);
}

TEST_F(PatientManagerTest, StaleVersionIsAbortedAndChangesNothing) {
  const Patient created =
      MustCreate(NewPatient("Wang Fang", IdNumber("19800101", 13)));
  Patient patch;
  patch.set_id(created.id());
  patch.set_version(1);
  patch.set_phone("13922222222");
  ASSERT_TRUE(Update(Admin(), patch, {"phone"}).ok());

  patch.set_phone("13933333333");  // still based on version 1
  absl::StatusOr<Patient> stale = Update(Admin(), patch, {"phone"});
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ReasonOf(stale.status()), kReasonVersionConflict);

  absl::StatusOr<Patient> got = Get(Admin(), created.id());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->phone(), "13922222222");
  EXPECT_EQ(got->version(), 2);
}

TEST_F(PatientManagerTest, UpdateIsValidatedAsAWhole) {
  const Patient a = MustCreate(NewPatient("A", IdNumber("19800101", 13)));
  const Patient b = MustCreate(NewPatient("B", IdNumber("19900202", 24)));

  Patient patch;
  patch.set_id(b.id());
  patch.set_version(1);
  patch.set_id_number(a.id_number());
  patch.set_sex(a.sex());
  patch.set_birth_date(a.birth_date());
  absl::StatusOr<Patient> duplicate =
      Update(Admin(), patch, {"id_number", "sex", "birth_date"});
  EXPECT_EQ(duplicate.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(duplicate.status()), kReasonDuplicateIdNumber);

  // The ID number alone may not change: sex and birth date must agree.
  patch.set_id_number(IdNumber("19900202", 13));
  absl::StatusOr<Patient> disagrees = Update(Admin(), patch, {"id_number"});
  EXPECT_EQ(disagrees.status().code(), absl::StatusCode::kInvalidArgument);

  patch.set_area_id(kCounty);
  absl::StatusOr<Patient> county = Update(Admin(), patch, {"area_id"});
  EXPECT_THAT(FieldsOf(county.status()), ElementsAre("patient.area_id"));

  absl::StatusOr<Patient> got = Get(Admin(), b.id());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->id_number(), b.id_number());
  EXPECT_EQ(got->area_id(), kVillage1);
  EXPECT_EQ(got->version(), 1);
}

TEST_F(PatientManagerTest, PatientOutsideTheScopeIsNotFoundAndNotListed) {
  const Patient inside =
      MustCreate(NewPatient("Wang Fang", IdNumber("19800101", 13)));
  const Patient other =
      MustCreate(NewPatient("Li Lei", IdNumber("19900202", 24)));
  const absl::Status absent = Get(Admin(), kMissing).status();
  ASSERT_EQ(absent.code(), absl::StatusCode::kNotFound);

  const std::vector<Caller> outsiders = {
      Supervisor(kTownship2, "320831200"),
      AtFacility(rehab::v1::ROLE_FACILITY_STAFF, kStation2),
      PatientAccount(other.id()),
  };
  for (const Caller& outsider : outsiders) {
    SCOPED_TRACE(outsider.account_id);
    absl::Status hidden = Get(outsider, inside.id()).status();
    EXPECT_EQ(hidden.code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(hidden.message(), absent.message());
    const std::vector<std::string> listed = ListIds(outsider);
    EXPECT_EQ(std::count(listed.begin(), listed.end(), inside.id()), 0);
  }

  const std::vector<Caller> insiders = {
      Supervisor(kTownship1, "320831100"),
      AtFacility(rehab::v1::ROLE_FACILITY_STAFF, kStation1),
      PatientAccount(inside.id()),
  };
  for (const Caller& insider : insiders) {
    SCOPED_TRACE(insider.account_id);
    EXPECT_TRUE(Get(insider, inside.id()).ok());
  }
  EXPECT_THAT(ListIds(PatientAccount(inside.id())), ElementsAre(inside.id()));
}

TEST_F(PatientManagerTest, UpdateOfAPatientOutsideTheScopeIsNotFound) {
  const Patient created =
      MustCreate(NewPatient("Wang Fang", IdNumber("19800101", 13)));
  Patient patch;
  patch.set_id(created.id());
  patch.set_version(1);
  patch.set_phone("13922222222");
  for (const Caller& outsider :
       {Supervisor(kTownship2, "320831200"),
        AtFacility(rehab::v1::ROLE_FACILITY_STAFF, kStation2)}) {
    EXPECT_EQ(Update(outsider, patch, {"phone"}).status().code(),
              absl::StatusCode::kNotFound);
  }
  EXPECT_EQ(Get(Admin(), created.id())->version(), 1);
}

TEST_F(PatientManagerTest, CreatingOutsideTheWritersScopeIsDenied) {
  Patient in_village1 = NewPatient("Wang Fang", IdNumber("19800101", 13));

  absl::StatusOr<Patient> by_supervisor =
      Create(in_village1, Supervisor(kTownship2, "320831200"));
  EXPECT_EQ(by_supervisor.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(by_supervisor.status().message(), HasSubstr("area_id"));

  absl::StatusOr<Patient> by_staff = Create(
      in_village1, AtFacility(rehab::v1::ROLE_FACILITY_STAFF, kStation2));
  EXPECT_EQ(by_staff.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(by_staff.status().message(), HasSubstr("facility_id"));

  for (rehab::v1::Role role :
       {rehab::v1::ROLE_KIOSK, rehab::v1::ROLE_FAMILY_DOCTOR}) {
    EXPECT_EQ(Create(in_village1, AtFacility(role, kStation1)).status().code(),
              absl::StatusCode::kPermissionDenied);
  }
  EXPECT_THAT(ListIds(Admin()), IsEmpty());

  EXPECT_TRUE(Create(in_village1, Supervisor(kTownship1, "320831100")).ok());
}

TEST_F(PatientManagerTest, KioskLooksUpByCardOnlyAndSeesAReducedRecord) {
  const std::string id_number = IdNumber("19800101", 13);
  Patient fresh = NewPatient("Wang Fang", id_number);
  fresh.set_disability_card_number(CardNumber(id_number, 4, 2));
  fresh.set_address("12 Bridge Street");
  const Patient created = MustCreate(fresh);
  const Caller kiosk = AtFacility(rehab::v1::ROLE_KIOSK, kStation1);

  absl::StatusOr<Patient> found =
      LookupByCard(kiosk, CardNumber(id_number, 4, 2));
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->id(), created.id());
  EXPECT_EQ(found->name(), "Wang Fang");
  EXPECT_EQ(found->facility_id(), kStation1);
  EXPECT_EQ(found->area_id(), kVillage1);
  EXPECT_EQ(found->disability_category(),
            rehab::v1::DISABILITY_CATEGORY_PHYSICAL);
  EXPECT_THAT(found->id_number(), IsEmpty());
  EXPECT_THAT(found->address(), IsEmpty());
  EXPECT_THAT(found->phone(), IsEmpty());

  EXPECT_EQ(LookupById(kiosk, id_number).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Get(kiosk, created.id()).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(manager_.ListPatients(kiosk, {}).status().code(),
            absl::StatusCode::kPermissionDenied);

  const Caller other_kiosk = AtFacility(rehab::v1::ROLE_KIOSK, kStation2);
  EXPECT_EQ(
      LookupByCard(other_kiosk, CardNumber(id_number, 4, 2)).status().code(),
      absl::StatusCode::kNotFound);
}

TEST_F(PatientManagerTest, LookupNormalisesTheKey) {
  const std::string id_number = IdNumber("19491231", 2);
  const Patient created = MustCreate(NewPatient("Wang Fang", id_number));

  absl::StatusOr<Patient> legacy = LookupById(Admin(), "320831491231002");
  ASSERT_TRUE(legacy.ok()) << legacy.status();
  EXPECT_EQ(legacy->id(), created.id());

  absl::StatusOr<Patient> bad = LookupById(Admin(), "12345");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(bad.status()), ElementsAre("id_number"));

  absl::StatusOr<Patient> bad_card = LookupByCard(Admin(), "12345");
  EXPECT_THAT(FieldsOf(bad_card.status()),
              ElementsAre("disability_card_number"));

  EXPECT_EQ(LookupById(Admin(), IdNumber("19700707", 7)).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(PatientManagerTest, LowercaseCheckCharacterFindsThePatient) {
  // Sequence numbers until one gives an X check character.
  std::string id_number;
  for (int seq = 1; seq < 100 && (id_number.empty() || id_number.back() != 'X');
       ++seq) {
    id_number = IdNumber("19800101", seq);
  }
  ASSERT_EQ(id_number.back(), 'X');
  std::string lower = id_number;
  lower.back() = 'x';
  const Patient created = MustCreate(NewPatient("Wang Fang", lower));
  EXPECT_EQ(created.id_number(), id_number);

  absl::StatusOr<Patient> found = LookupById(Admin(), lower);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->id(), created.id());
}

TEST_F(PatientManagerTest, SupervisorWithoutTheFlagSeesAPseudonym) {
  const std::string id_number = IdNumber("19800101", 13);
  Patient fresh = NewPatient("Wang Fang", id_number);
  fresh.set_disability_card_number(CardNumber(id_number, 6, 2));
  const Patient psychiatric = MustCreate(fresh);
  const Patient physical =
      MustCreate(NewPatient("Li Lei", IdNumber("19900202", 24)));
  const Caller plain = Supervisor(kTownship1, "320831100");
  const Caller flagged = Supervisor(kTownship1, "320831100", true);

  absl::StatusOr<Patient> withheld = Get(plain, psychiatric.id());
  ASSERT_TRUE(withheld.ok()) << withheld.status();
  EXPECT_TRUE(withheld->pseudonymised());
  EXPECT_NE(withheld->name(), "Wang Fang");
  EXPECT_THAT(withheld->id_number(), IsEmpty());
  EXPECT_THAT(withheld->disability_card_number(), IsEmpty());
  EXPECT_THAT(withheld->phone(), IsEmpty());

  absl::StatusOr<Patient> shown = Get(flagged, psychiatric.id());
  ASSERT_TRUE(shown.ok());
  EXPECT_FALSE(shown->pseudonymised());
  EXPECT_EQ(shown->name(), "Wang Fang");

  absl::StatusOr<Patient> ordinary = Get(plain, physical.id());
  ASSERT_TRUE(ordinary.ok());
  EXPECT_FALSE(ordinary->pseudonymised());
  EXPECT_EQ(ordinary->name(), "Li Lei");

  // In lists too; and a name search does not tie a name to the record.
  absl::StatusOr<rehab::v1::ListPatientsResponse> listed =
      manager_.ListPatients(plain, {});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->patients_size(), 2);
  for (const Patient& p : listed->patients()) {
    EXPECT_EQ(p.pseudonymised(), p.id() == psychiatric.id()) << p.id();
  }
  rehab::v1::ListPatientsRequest by_name;
  by_name.set_name_prefix("Wang");
  EXPECT_THAT(ListIds(plain, by_name), IsEmpty());
  EXPECT_THAT(ListIds(flagged, by_name), ElementsAre(psychiatric.id()));

  // Looking the person up by their number would tell who they are.
  EXPECT_EQ(LookupById(plain, id_number).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(LookupById(flagged, id_number).ok());
}

TEST_F(PatientManagerTest, OpenPsychiatricEnrollmentMakesThePatientSensitive) {
  const Patient created =
      MustCreate(NewPatient("Li Lei", IdNumber("19900202", 24)));
  const Caller plain = Supervisor(kTownship1, "320831100");
  ASSERT_FALSE(Get(plain, created.id())->pseudonymised());

  ASSERT_TRUE(
      Enroll(Admin(), created.id(), rehab::v1::PROGRAM_PSYCHIATRIC_MANAGEMENT)
          .ok());
  absl::StatusOr<Patient> withheld = Get(plain, created.id());
  ASSERT_TRUE(withheld.ok());
  EXPECT_TRUE(withheld->pseudonymised());
  EXPECT_NE(withheld->name(), "Li Lei");
}

TEST_F(PatientManagerTest, PseudonymisedCallerMayNotChangeIdentifyingFields) {
  const std::string id_number = IdNumber("19800101", 13);
  Patient fresh = NewPatient("Wang Fang", id_number);
  fresh.set_disability_card_number(CardNumber(id_number, 6, 2));
  const Patient created = MustCreate(fresh);
  const Caller plain = Supervisor(kTownship1, "320831100");

  Patient patch;
  patch.set_id(created.id());
  patch.set_version(1);
  patch.set_phone("13922222222");
  EXPECT_EQ(Update(plain, patch, {"phone"}).status().code(),
            absl::StatusCode::kPermissionDenied);

  // Sending back the pseudonymised record whole would wipe the identity.
  absl::StatusOr<Patient> seen = Get(plain, created.id());
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(Update(plain, *seen, {}).status().code(),
            absl::StatusCode::kPermissionDenied);

  patch.mutable_consent()->set_sms_reminders(true);
  absl::StatusOr<Patient> consent = Update(plain, patch, {"consent"});
  ASSERT_TRUE(consent.ok()) << consent.status();
  EXPECT_TRUE(consent->pseudonymised());
  EXPECT_TRUE(consent->consent().sms_reminders());

  absl::StatusOr<Patient> stored = Get(Admin(), created.id());
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->name(), "Wang Fang");
  EXPECT_EQ(stored->phone(), "13800000000");
  EXPECT_EQ(stored->id_number(), id_number);
}

TEST_F(PatientManagerTest, ListsPagesInIdOrderWithFilters) {
  std::set<std::string> all;
  for (int i = 0; i < 5; ++i) {
    Patient p = NewPatient(absl::StrCat("Patient ", i),
                           IdNumber("19800101", 11 + 2 * i));
    if (i >= 3) {
      p.set_area_id(kVillage2);
      p.set_facility_id(kStation2);
    }
    all.insert(MustCreate(p).id());
  }

  rehab::v1::ListPatientsRequest request;
  request.set_page_size(2);
  std::vector<std::string> seen;
  int pages = 0;
  do {
    absl::StatusOr<rehab::v1::ListPatientsResponse> page =
        manager_.ListPatients(Admin(), request);
    ASSERT_TRUE(page.ok()) << page.status();
    ++pages;
    for (const Patient& p : page->patients()) seen.push_back(p.id());
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, std::vector<std::string>(all.begin(), all.end()));

  rehab::v1::ListPatientsRequest township2;
  township2.set_area_id(kTownship2);
  EXPECT_EQ(ListIds(Admin(), township2).size(), 2u);
  rehab::v1::ListPatientsRequest station1;
  station1.set_facility_id(kStation1);
  EXPECT_EQ(ListIds(Admin(), station1).size(), 3u);

  rehab::v1::ListPatientsRequest unknown;
  unknown.set_area_id(kMissing);
  absl::Status status = manager_.ListPatients(Admin(), unknown).status();
  EXPECT_THAT(FieldsOf(status), ElementsAre("area_id"));
}

TEST_F(PatientManagerTest, ReportsThePatientItTouchedForTheAudit) {
  const Patient created =
      MustCreate(NewPatient("Wang Fang", IdNumber("19800101", 13)));
  std::string audit;
  ASSERT_TRUE(Get(Admin(), created.id(), &audit).ok());
  EXPECT_EQ(audit, created.id());

  audit.clear();
  EXPECT_FALSE(Get(Admin(), kMissing, &audit).ok());
  EXPECT_EQ(audit, kMissing);
}

TEST_F(PatientManagerTest, OneOpenEnrollmentPerProgram) {
  const Patient created =
      MustCreate(NewPatient("Wang Fang", IdNumber("19800101", 13)));
  const std::string first_id = NewUuid();
  absl::StatusOr<Enrollment> first = Enroll(
      Admin(), created.id(), rehab::v1::PROGRAM_PRECISION_REHAB, first_id);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->status(), rehab::v1::ENROLLMENT_STATUS_REGISTERED);

  // A retry of the same create answers with the stored enrollment.
  absl::StatusOr<Enrollment> retry = Enroll(
      Admin(), created.id(), rehab::v1::PROGRAM_PRECISION_REHAB, first_id);
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->id(), first_id);

  absl::StatusOr<Enrollment> second =
      Enroll(Admin(), created.id(), rehab::v1::PROGRAM_PRECISION_REHAB);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(second.status()), kReasonEnrollmentAlreadyOpen);

  EXPECT_TRUE(
      Enroll(Admin(), created.id(), rehab::v1::PROGRAM_CHILD_REHAB).ok());

  absl::StatusOr<Enrollment> ended =
      EndEnrollment(first_id, "2024-05-01", rehab::v1::ENROLLMENT_STATUS_ENDED);
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->status(), rehab::v1::ENROLLMENT_STATUS_ENDED);
  EXPECT_EQ(ended->end_date(), "2024-05-01");
  EXPECT_EQ(ended->version(), 2);

  EXPECT_EQ(
      EndEnrollment(first_id, "2024-05-02", rehab::v1::ENROLLMENT_STATUS_ENDED)
          .status()
          .code(),
      absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(
      Enroll(Admin(), created.id(), rehab::v1::PROGRAM_PRECISION_REHAB).ok());
}

TEST_F(PatientManagerTest, EndEnrollmentChecksStatusAndDate) {
  const Patient created =
      MustCreate(NewPatient("Wang Fang", IdNumber("19800101", 13)));
  absl::StatusOr<Enrollment> enrollment =
      Enroll(Admin(), created.id(), rehab::v1::PROGRAM_PRECISION_REHAB);
  ASSERT_TRUE(enrollment.ok());

  EXPECT_THAT(FieldsOf(EndEnrollment(enrollment->id(), "2024-05-01",
                                     rehab::v1::ENROLLMENT_STATUS_REGISTERED)
                           .status()),
              ElementsAre("status"));
  EXPECT_THAT(FieldsOf(EndEnrollment(enrollment->id(), "2024-01-14",
                                     rehab::v1::ENROLLMENT_STATUS_ENDED)
                           .status()),
              ElementsAre("end_date"));
  EXPECT_THAT(FieldsOf(EndEnrollment(enrollment->id(), "2024-02-30",
                                     rehab::v1::ENROLLMENT_STATUS_ENDED)
                           .status()),
              ElementsAre("end_date"));
  EXPECT_THAT(FieldsOf(EndEnrollment(enrollment->id(), "2024-06-02",
                                     rehab::v1::ENROLLMENT_STATUS_ENDED)
                           .status()),
              ElementsAre("end_date"));
  EXPECT_EQ(
      EndEnrollment(kMissing, "2024-05-01", rehab::v1::ENROLLMENT_STATUS_ENDED)
          .status()
          .code(),
      absl::StatusCode::kNotFound);

  rehab::v1::ListEnrollmentsRequest open;
  open.set_open_only(true);
  absl::StatusOr<rehab::v1::ListEnrollmentsResponse> listed =
      manager_.ListEnrollments(Admin(), open);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->enrollments_size(), 1);
}

TEST_F(PatientManagerTest, EnrollmentsOutsideTheScopeAreHidden) {
  const Patient created =
      MustCreate(NewPatient("Wang Fang", IdNumber("19800101", 13)));
  absl::StatusOr<Enrollment> enrollment =
      Enroll(Admin(), created.id(), rehab::v1::PROGRAM_PRECISION_REHAB);
  ASSERT_TRUE(enrollment.ok());
  const Caller outsider = Supervisor(kTownship2, "320831200");
  const Caller insider = Supervisor(kTownship1, "320831100");

  absl::StatusOr<Enrollment> denied =
      Enroll(outsider, created.id(), rehab::v1::PROGRAM_CHILD_REHAB);
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(denied.status().message(), "patient not found");
  EXPECT_EQ(EndEnrollment(enrollment->id(), "2024-05-01",
                          rehab::v1::ENROLLMENT_STATUS_ENDED, outsider)
                .status()
                .code(),
            absl::StatusCode::kNotFound);

  rehab::v1::ListEnrollmentsRequest for_patient;
  for_patient.set_patient_id(created.id());
  absl::StatusOr<rehab::v1::ListEnrollmentsResponse> hidden =
      manager_.ListEnrollments(outsider, for_patient);
  ASSERT_TRUE(hidden.ok());
  EXPECT_EQ(hidden->enrollments_size(), 0);
  absl::StatusOr<rehab::v1::ListEnrollmentsResponse> everything =
      manager_.ListEnrollments(outsider, {});
  ASSERT_TRUE(everything.ok());
  EXPECT_EQ(everything->enrollments_size(), 0);

  absl::StatusOr<rehab::v1::ListEnrollmentsResponse> shown =
      manager_.ListEnrollments(insider, for_patient);
  ASSERT_TRUE(shown.ok());
  ASSERT_EQ(shown->enrollments_size(), 1);
  EXPECT_EQ(shown->enrollments(0).id(), enrollment->id());
}

// Ids chosen so that the list order is known.
constexpr char kPatientA[] = "c0000000-0000-4000-8000-000000000001";
constexpr char kPatientB[] = "c0000000-0000-4000-8000-000000000002";
constexpr char kPatientC[] = "c0000000-0000-4000-8000-000000000003";

TEST_F(PatientManagerTest, NameSearchPagesDoNotRevealWithheldPatients) {
  Patient a = NewPatient("Wang An", IdNumber("19800101", 11));
  a.set_id(kPatientA);
  MustCreate(a);
  Patient b = NewPatient("Wang Bo", IdNumber("19800101", 13));
  b.set_id(kPatientB);
  b.set_disability_category(rehab::v1::DISABILITY_CATEGORY_PSYCHIATRIC);
  MustCreate(b);
  const Caller plain = Supervisor(kTownship1, "320831100");

  // Only the withheld patient follows the one visible match: the page
  // must not promise more.
  rehab::v1::ListPatientsRequest request;
  request.set_name_prefix("Wang");
  request.set_page_size(1);
  absl::StatusOr<rehab::v1::ListPatientsResponse> page =
      manager_.ListPatients(plain, request);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->patients_size(), 1);
  EXPECT_EQ(page->patients(0).id(), kPatientA);
  EXPECT_THAT(page->next_page_token(), IsEmpty());

  // With a visible match after it, pages hold visible rows only, none is
  // empty, and no token names the withheld row.
  Patient c = NewPatient("Wang Cai", IdNumber("19800101", 15));
  c.set_id(kPatientC);
  MustCreate(c);
  std::vector<std::vector<std::string>> pages;
  do {
    page = manager_.ListPatients(plain, request);
    ASSERT_TRUE(page.ok()) << page.status();
    std::vector<std::string> ids;
    for (const Patient& p : page->patients()) ids.push_back(p.id());
    pages.push_back(ids);
    if (!page->next_page_token().empty()) {
      absl::StatusOr<std::string> key =
          DecodePageToken("ListPatients", page->next_page_token());
      ASSERT_TRUE(key.ok()) << key.status();
      EXPECT_NE(*key, kPatientB);
    }
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(pages,
            (std::vector<std::vector<std::string>>{{kPatientA}, {kPatientC}}));

  // A caller who sees the identity gets every match.
  request.clear_page_token();
  EXPECT_THAT(ListIds(Supervisor(kTownship1, "320831100", true), request),
              ElementsAre(kPatientA, kPatientB, kPatientC));
}

TEST_F(PatientManagerTest, PseudonymisedCallerMayNotChangeTheCategory) {
  Patient fresh = NewPatient("Wang Fang", IdNumber("19800101", 13));
  fresh.set_disability_category(rehab::v1::DISABILITY_CATEGORY_PSYCHIATRIC);
  const Patient created = MustCreate(fresh);
  const Caller plain = Supervisor(kTownship1, "320831100");

  Patient patch;
  patch.set_id(created.id());
  patch.set_version(created.version());
  patch.set_disability_category(rehab::v1::DISABILITY_CATEGORY_PHYSICAL);
  absl::StatusOr<Patient> changed =
      Update(plain, patch, {"disability_category"});
  EXPECT_EQ(changed.status().code(), absl::StatusCode::kPermissionDenied);
  if (changed.ok()) {
    EXPECT_NE(changed->name(), "Wang Fang");
  }

  absl::StatusOr<Patient> stored = Get(Admin(), created.id());
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->disability_category(),
            rehab::v1::DISABILITY_CATEGORY_PSYCHIATRIC);
  EXPECT_EQ(stored->version(), created.version());

  // Making an ordinary patient psychiatric withholds the answer at once.
  const Patient other =
      MustCreate(NewPatient("Li Lei", IdNumber("19900202", 24)));
  patch.set_id(other.id());
  patch.set_version(other.version());
  patch.set_disability_category(rehab::v1::DISABILITY_CATEGORY_PSYCHIATRIC);
  absl::StatusOr<Patient> marked =
      Update(plain, patch, {"disability_category"});
  ASSERT_TRUE(marked.ok()) << marked.status();
  EXPECT_TRUE(marked->pseudonymised());
  EXPECT_NE(marked->name(), "Li Lei");
}

TEST_F(PatientManagerTest, EndedPsychiatricEnrollmentKeepsThePatientMasked) {
  const Patient created =
      MustCreate(NewPatient("Li Lei", IdNumber("19900202", 24)));
  const Caller plain = Supervisor(kTownship1, "320831100");
  const Caller flagged = Supervisor(kTownship1, "320831100", true);
  absl::StatusOr<Enrollment> enrollment =
      Enroll(Admin(), created.id(), rehab::v1::PROGRAM_PSYCHIATRIC_MANAGEMENT);
  ASSERT_TRUE(enrollment.ok()) << enrollment.status();

  EXPECT_EQ(EndEnrollment(enrollment->id(), "2024-05-01",
                          rehab::v1::ENROLLMENT_STATUS_ENDED, plain)
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(EndEnrollment(enrollment->id(), "2024-05-01",
                            rehab::v1::ENROLLMENT_STATUS_ENDED, flagged)
                  .ok());

  absl::StatusOr<Patient> seen = Get(plain, created.id());
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_TRUE(seen->pseudonymised());
  EXPECT_NE(seen->name(), "Li Lei");
  rehab::v1::ListPatientsRequest by_name;
  by_name.set_name_prefix("Li");
  EXPECT_THAT(ListIds(plain, by_name), IsEmpty());
}

TEST_F(PatientManagerTest, UpdateWithoutAVersionIsInvalid) {
  const Patient created =
      MustCreate(NewPatient("Wang Fang", IdNumber("19800101", 13)));
  Patient patch;
  patch.set_id(created.id());
  patch.set_phone("13922222222");
  absl::Status status = Update(Admin(), patch, {"phone"}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(status), ElementsAre("patient.version"));
  EXPECT_EQ(Get(Admin(), created.id())->phone(), "13800000000");
}

TEST_F(PatientManagerTest, RetriedEndEnrollmentReturnsTheStoredEnrollment) {
  const Patient created =
      MustCreate(NewPatient("Wang Fang", IdNumber("19800101", 13)));
  absl::StatusOr<Enrollment> enrollment =
      Enroll(Admin(), created.id(), rehab::v1::PROGRAM_PRECISION_REHAB);
  ASSERT_TRUE(enrollment.ok());
  absl::StatusOr<Enrollment> ended = EndEnrollment(
      enrollment->id(), "2024-05-01", rehab::v1::ENROLLMENT_STATUS_ENDED);
  ASSERT_TRUE(ended.ok()) << ended.status();

  absl::StatusOr<Enrollment> retry = EndEnrollment(
      enrollment->id(), "2024-05-01", rehab::v1::ENROLLMENT_STATUS_ENDED);
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->version(), ended->version());
  EXPECT_EQ(retry->end_date(), "2024-05-01");

  EXPECT_EQ(EndEnrollment(enrollment->id(), "2024-05-01",
                          rehab::v1::ENROLLMENT_STATUS_DECEASED)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(EndEnrollment(enrollment->id(), "2024-04-30",
                          rehab::v1::ENROLLMENT_STATUS_ENDED)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace rehab
