#include "server/domain/validation.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/errors.h"
#include "tests/server/domain/domain_test_util.h"

namespace rehab {
namespace {

using ::rehab::domain_test::FieldsOf;
using ::rehab::domain_test::MakePatient;
using rehab::v1::Account;
using rehab::v1::Area;
using rehab::v1::Enrollment;
using rehab::v1::Facility;
using rehab::v1::Patient;
using rehab::v1::Practitioner;
using ::testing::HasSubstr;

const absl::CivilDay kToday(2024, 6, 1);

// Asserts an INVALID_ARGUMENT with `reason` naming exactly `fields` (in any
// order, each once per violation).
void ExpectInvalid(const absl::Status& status, const std::string& reason,
                   std::vector<std::string> fields) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(ReasonOf(status), reason) << status;
  EXPECT_THAT(FieldsOf(status), ::testing::UnorderedElementsAreArray(fields))
      << status;
}

// ---------------------------------------------------------------------------
// Resident ID numbers

TEST(IdNumberTest, AcceptsTheDomainExamples) {
  absl::StatusOr<IdNumber> a = ParseIdNumber("11010519491231002X", kToday);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->normalized, "11010519491231002X");
  EXPECT_EQ(a->address_code, "110105");
  EXPECT_EQ(a->birth_date, absl::CivilDay(1949, 12, 31));
  EXPECT_EQ(a->sex, rehab::v1::SEX_FEMALE);  // sequence 002: even

  absl::StatusOr<IdNumber> b = ParseIdNumber("34052419800101001X", kToday);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->address_code, "340524");
  EXPECT_EQ(b->birth_date, absl::CivilDay(1980, 1, 1));
  EXPECT_EQ(b->sex, rehab::v1::SEX_MALE);  // sequence 001: odd

  absl::StatusOr<IdNumber> c = ParseIdNumber("370101190102039973", kToday);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->birth_date, absl::CivilDay(1901, 2, 3));
  EXPECT_EQ(c->sex, rehab::v1::SEX_MALE);  // sequence 997: odd
}

TEST(IdNumberTest, CheckCharacterFollowsMod11Dash2) {
  // 1*7+1*9+0*10+1*5+0*8+5*4+1*2+9*1+4*6+9*3+1*7+2*9+3*10+1*5+0*8+0*4+2*2
  // = 167; 167 mod 11 = 2; "10X98765432"[2] = 'X'.
  EXPECT_EQ(IdCheckCharacter("11010519491231002"), 'X');
  EXPECT_EQ(IdCheckCharacter("37010119010203997"), '3');
  EXPECT_EQ(IdCheckCharacter("34052419800101001"), 'X');
}

TEST(IdNumberTest, NormalisesALowercaseX) {
  absl::StatusOr<IdNumber> id = ParseIdNumber("11010519491231002x", kToday);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->normalized, "11010519491231002X");
}

TEST(IdNumberTest, ConvertsALegacy15DigitNumber) {
  // "19" goes before the 2-digit year: 110105 + 19 + 491231002, and the
  // check character of 11010519491231002 is X (see above).
  absl::StatusOr<IdNumber> id = ParseIdNumber("110105491231002", kToday);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->normalized, "11010519491231002X");
  EXPECT_EQ(id->birth_date, absl::CivilDay(1949, 12, 31));
  EXPECT_EQ(id->sex, rehab::v1::SEX_FEMALE);

  // 32083119850615123: 3*7+2*9+0*10+8*5+3*8+1*4+1*2+9*1+8*6+5*3+0*7+6*9
  // +1*10+5*5+1*8+2*4+3*2 = 292; 292 mod 11 = 6; "10X98765432"[6] = '6'.
  absl::StatusOr<IdNumber> other = ParseIdNumber("320831850615123", kToday);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->normalized, "320831198506151236");
  EXPECT_EQ(other->sex, rehab::v1::SEX_MALE);
}

TEST(IdNumberTest, RejectsALegacyNumberWithAnImpossibleDate) {
  ExpectInvalid(ParseIdNumber("320831490231002", kToday).status(),
                kReasonInvalidIdNumber, {"id_number"});
}

TEST(IdNumberTest, RejectsOneWrongDigit) {
  // The sequence 002 changed to 003: the check character no longer fits.
  ExpectInvalid(ParseIdNumber("11010519491231003X", kToday).status(),
                kReasonInvalidIdNumber, {"id_number"});
  ExpectInvalid(ParseIdNumber("21010519491231002X", kToday).status(),
                kReasonInvalidIdNumber, {"id_number"});
}

TEST(IdNumberTest, RejectsAWrongCheckCharacter) {
  absl::Status status = ParseIdNumber("110105194912310021", kToday).status();
  ExpectInvalid(status, kReasonInvalidIdNumber, {"id_number"});
  EXPECT_THAT(std::string(status.message()), HasSubstr("check character"));
}

TEST(IdNumberTest, RejectsABirthDateThatIsNotARealDay) {
  // 19490231 with its correct check character 6.
  absl::Status status = ParseIdNumber("110105194902310026", kToday).status();
  ExpectInvalid(status, kReasonInvalidIdNumber, {"id_number"});
  EXPECT_THAT(std::string(status.message()), HasSubstr("birth date"));
}

TEST(IdNumberTest, RejectsABirthDateAfterToday) {
  // Born 2024-06-02, check character 9.
  const std::string id = "320831202406020019";
  absl::Status status = ParseIdNumber(id, kToday).status();
  ExpectInvalid(status, kReasonInvalidIdNumber, {"id_number"});
  EXPECT_THAT(std::string(status.message()), HasSubstr("future"));
  EXPECT_TRUE(ParseIdNumber(id, absl::CivilDay(2024, 6, 2)).ok());
}

TEST(IdNumberTest, RejectsWrongLengthsAndLetters) {
  for (const char* bad :
       {"", "11010519491231002", "11010519491231002X1", "1101051949123100",
        "11010A19491231002X", "1101051949123100XX", "11010519491231002Y",
        "11010549123100X", "110105 491231002"}) {
    ExpectInvalid(ParseIdNumber(bad, kToday).status(), kReasonInvalidIdNumber,
                  {"id_number"});
  }
}

TEST(IdNumberTest, AcceptsAnUnknownAddressCode) {
  absl::StatusOr<IdNumber> id = ParseIdNumber("999999198001010011", kToday);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->address_code, "999999");
}

TEST(IdNumberTest, NamesTheGivenField) {
  ExpectInvalid(ParseIdNumber("123", kToday, "lookup.id_number").status(),
                kReasonInvalidIdNumber, {"lookup.id_number"});
}

// ---------------------------------------------------------------------------
// Disability card numbers

TEST(CardNumberTest, ParsesIdCategoryAndGrade) {
  absl::StatusOr<CardNumber> card =
      ParseCardNumber("11010519491231002X42", kToday);
  ASSERT_TRUE(card.ok()) << card.status();
  EXPECT_EQ(card->id.normalized, "11010519491231002X");
  EXPECT_EQ(card->id.sex, rehab::v1::SEX_FEMALE);
  EXPECT_EQ(card->category, rehab::v1::DISABILITY_CATEGORY_PHYSICAL);
  EXPECT_EQ(card->grade, 2);
}

TEST(CardNumberTest, MapsEveryCategoryDigitToTheSameEnumNumber) {
  for (int category = 1; category <= 7; ++category) {
    const std::string text =
        "370101190102039973" + std::to_string(category) + "1";
    absl::StatusOr<CardNumber> card = ParseCardNumber(text, kToday);
    ASSERT_TRUE(card.ok()) << text << ": " << card.status();
    EXPECT_EQ(static_cast<int>(card->category), category);
  }
  EXPECT_EQ(ParseCardNumber("37010119010203997364", kToday)->category,
            rehab::v1::DISABILITY_CATEGORY_PSYCHIATRIC);
}

TEST(CardNumberTest, NormalisesALowercaseX) {
  absl::StatusOr<CardNumber> card =
      ParseCardNumber("11010519491231002x13", kToday);
  ASSERT_TRUE(card.ok()) << card.status();
  EXPECT_EQ(card->id.normalized, "11010519491231002X");
  EXPECT_EQ(card->category, rehab::v1::DISABILITY_CATEGORY_VISUAL);
  EXPECT_EQ(card->grade, 3);
}

TEST(CardNumberTest, RejectsACategoryOutsideOneToSeven) {
  ExpectInvalid(ParseCardNumber("11010519491231002X82", kToday).status(),
                kReasonInvalidCardNumber, {"disability_card_number"});
  ExpectInvalid(ParseCardNumber("11010519491231002X02", kToday).status(),
                kReasonInvalidCardNumber, {"disability_card_number"});
}

TEST(CardNumberTest, RejectsAGradeOutsideOneToFour) {
  ExpectInvalid(ParseCardNumber("11010519491231002X45", kToday).status(),
                kReasonInvalidCardNumber, {"disability_card_number"});
  ExpectInvalid(ParseCardNumber("11010519491231002X40", kToday).status(),
                kReasonInvalidCardNumber, {"disability_card_number"});
}

TEST(CardNumberTest, RejectsABadEmbeddedIdNumber) {
  // Wrong check character in the first 18.
  ExpectInvalid(ParseCardNumber("11010519491231002142", kToday).status(),
                kReasonInvalidCardNumber, {"disability_card_number"});
}

TEST(CardNumberTest, RejectsWrongLengths) {
  for (const char* bad : {"", "11010519491231002X4", "11010519491231002X421",
                          "110105491231002X42"}) {
    ExpectInvalid(ParseCardNumber(bad, kToday).status(),
                  kReasonInvalidCardNumber, {"disability_card_number"});
  }
}

// ---------------------------------------------------------------------------
// Areas

Area MakeArea(const std::string& code, const std::string& parent_id = "") {
  Area area;
  area.set_id(code + "-id");
  area.set_code(code);
  area.set_name("Area " + code);
  area.set_parent_id(parent_id);
  return area;
}

TEST(AreaTest, LevelFollowsTheCodeLength) {
  EXPECT_EQ(AreaLevelOfCode("320831"), rehab::v1::AREA_LEVEL_COUNTY);
  EXPECT_EQ(AreaLevelOfCode("320831100"), rehab::v1::AREA_LEVEL_TOWNSHIP);
  EXPECT_EQ(AreaLevelOfCode("320831100201"), rehab::v1::AREA_LEVEL_VILLAGE);
  for (const char* bad :
       {"", "32083", "3208311", "32083110020", "32083a", "3208311002011"}) {
    EXPECT_EQ(AreaLevelOfCode(bad), rehab::v1::AREA_LEVEL_UNSPECIFIED) << bad;
  }
}

TEST(AreaTest, AcceptsATreeAndSetsLevels) {
  Area county = MakeArea("320831");
  ASSERT_TRUE(ValidateArea(county, nullptr).ok());
  EXPECT_EQ(county.level(), rehab::v1::AREA_LEVEL_COUNTY);

  Area township = MakeArea("320831100", county.id());
  ASSERT_TRUE(ValidateArea(township, &county).ok());
  EXPECT_EQ(township.level(), rehab::v1::AREA_LEVEL_TOWNSHIP);

  Area village = MakeArea("320831100201", township.id());
  ASSERT_TRUE(ValidateArea(village, &township).ok());
  EXPECT_EQ(village.level(), rehab::v1::AREA_LEVEL_VILLAGE);
}

TEST(AreaTest, RejectsACountyWithAParent) {
  Area other = MakeArea("320800");
  Area county = MakeArea("320831", other.id());
  ExpectInvalid(ValidateArea(county, &other), kReasonInvalidArgument,
                {"area.parent_id"});
}

TEST(AreaTest, RejectsATownshipWithoutAParent) {
  Area township = MakeArea("320831100");
  ExpectInvalid(ValidateArea(township, nullptr), kReasonInvalidArgument,
                {"area.parent_id"});
}

TEST(AreaTest, RejectsAParentThatIsNotOneLevelUp) {
  Area county = MakeArea("320831");
  Area village = MakeArea("320831100201", county.id());
  ExpectInvalid(ValidateArea(village, &county), kReasonInvalidArgument,
                {"area.parent_id"});

  Area township = MakeArea("320831100");
  Area sibling = MakeArea("320831200", county.id());
  ExpectInvalid(ValidateArea(sibling, &township), kReasonInvalidAreaCode,
                {"area.parent_id", "area.code"});
}

TEST(AreaTest, RejectsACodeThatDoesNotExtendTheParents) {
  Area county = MakeArea("320831");
  Area township = MakeArea("320832100", county.id());
  absl::Status status = ValidateArea(township, &county);
  ExpectInvalid(status, kReasonInvalidAreaCode, {"area.code"});
  EXPECT_THAT(std::string(status.message()), HasSubstr("320831"));
}

TEST(AreaTest, ReportsABadCodeAndAMissingNameTogether) {
  Area area = MakeArea("32083x");
  area.clear_name();
  ExpectInvalid(ValidateArea(area, nullptr), kReasonInvalidAreaCode,
                {"area.code", "area.name"});
  EXPECT_EQ(area.level(), rehab::v1::AREA_LEVEL_UNSPECIFIED);
}

// ---------------------------------------------------------------------------
// Facilities, practitioners, accounts

TEST(FacilityTest, AcceptsAComplete) {
  Facility f;
  f.set_name("Township rehab room");
  f.set_type(rehab::v1::FACILITY_TYPE_REHAB_ROOM);
  f.set_area_id("a1");
  EXPECT_TRUE(ValidateFacility(f).ok());
}

TEST(FacilityTest, ReportsEveryMissingField) {
  Facility f;
  f.set_type(static_cast<rehab::v1::FacilityType>(99));
  ExpectInvalid(ValidateFacility(f), kReasonInvalidArgument,
                {"facility.name", "facility.type", "facility.area_id"});
}

TEST(PractitionerTest, ChecksRequiredFieldsAndTeamSize) {
  Practitioner p;
  p.set_name("Dr Li");
  p.set_kind(rehab::v1::PRACTITIONER_KIND_FAMILY_DOCTOR);
  p.set_facility_id("f1");
  p.set_team("Team 3");
  EXPECT_TRUE(ValidatePractitioner(p).ok());

  p.set_team(std::string(kMaxNameLength + 1, 't'));
  p.clear_kind();
  p.clear_facility_id();
  ExpectInvalid(
      ValidatePractitioner(p), kReasonInvalidArgument,
      {"practitioner.kind", "practitioner.facility_id", "practitioner.team"});
}

Account MakeAccount(rehab::v1::Role role, const std::string& scope_id) {
  Account a;
  a.set_username("li.wei_2");
  a.set_role(role);
  a.set_scope_id(scope_id);
  return a;
}

const std::string kGoodPassword = "correct horse";

TEST(AccountTest, AcceptsEachRoleWithItsScope) {
  EXPECT_TRUE(
      ValidateAccount(MakeAccount(rehab::v1::ROLE_ADMIN, ""), kGoodPassword)
          .ok());
  for (auto role : {rehab::v1::ROLE_SUPERVISOR, rehab::v1::ROLE_FAMILY_DOCTOR,
                    rehab::v1::ROLE_FACILITY_STAFF, rehab::v1::ROLE_PATIENT,
                    rehab::v1::ROLE_KIOSK}) {
    EXPECT_TRUE(ValidateAccount(MakeAccount(role, "s1"), kGoodPassword).ok())
        << role;
  }
}

TEST(AccountTest, RequiresAScopeForEveryRoleButAdmin) {
  ExpectInvalid(ValidateAccount(MakeAccount(rehab::v1::ROLE_FAMILY_DOCTOR, ""),
                                kGoodPassword),
                kReasonInvalidArgument, {"account.scope_id"});
  ExpectInvalid(
      ValidateAccount(MakeAccount(rehab::v1::ROLE_ADMIN, "s1"), kGoodPassword),
      kReasonInvalidArgument, {"account.scope_id"});
}

TEST(AccountTest, RequiresARole) {
  ExpectInvalid(ValidateAccount(MakeAccount(rehab::v1::ROLE_UNSPECIFIED, "s1"),
                                kGoodPassword),
                kReasonInvalidArgument, {"account.role"});
}

TEST(AccountTest, ChecksTheUsername) {
  Account a = MakeAccount(rehab::v1::ROLE_KIOSK, "s1");
  for (const std::string& bad :
       {std::string("ab"), std::string("Admin"), std::string("li wei"),
        std::string("li@wei"), std::string(kMaxShortLength + 1, 'a')}) {
    a.set_username(bad);
    ExpectInvalid(ValidateAccount(a, kGoodPassword), kReasonInvalidArgument,
                  {"account.username"});
  }
  for (const std::string& good : {std::string("abc"), std::string("a-b_c.9"),
                                  std::string(kMaxShortLength, 'a')}) {
    a.set_username(good);
    EXPECT_TRUE(ValidateAccount(a, kGoodPassword).ok()) << good;
  }
}

TEST(AccountTest, ChecksThePasswordLength) {
  const Account a = MakeAccount(rehab::v1::ROLE_KIOSK, "s1");
  ExpectInvalid(ValidateAccount(a, std::string(kMinPasswordLength - 1, 'p')),
                kReasonInvalidArgument, {"password"});
  ExpectInvalid(ValidateAccount(a, std::string(kMaxPasswordLength + 1, 'p')),
                kReasonInvalidArgument, {"password"});
  EXPECT_TRUE(ValidateAccount(a, std::string(kMinPasswordLength, 'p')).ok());
  EXPECT_TRUE(ValidateAccount(a, std::string(kMaxPasswordLength, 'p')).ok());
}

TEST(AccountTest, AllowsWardsOnlyForPatientAccounts) {
  Account patient = MakeAccount(rehab::v1::ROLE_PATIENT, "p1");
  patient.add_ward_ids("p2");
  EXPECT_TRUE(ValidateAccount(patient, kGoodPassword).ok());

  Account staff = MakeAccount(rehab::v1::ROLE_FACILITY_STAFF, "f1");
  staff.add_ward_ids("p2");
  ExpectInvalid(ValidateAccount(staff, kGoodPassword), kReasonInvalidArgument,
                {"account.ward_ids"});

  for (size_t i = 0; i < kMaxListLength; ++i) patient.add_ward_ids("p");
  ExpectInvalid(ValidateAccount(patient, kGoodPassword), kReasonInvalidArgument,
                {"account.ward_ids"});
}

TEST(AccountTest, AllowsPsychiatricIdentityOnlyForSupervisors) {
  Account supervisor = MakeAccount(rehab::v1::ROLE_SUPERVISOR, "a1");
  supervisor.set_psychiatric_identity(true);
  EXPECT_TRUE(ValidateAccount(supervisor, kGoodPassword).ok());

  Account doctor = MakeAccount(rehab::v1::ROLE_FAMILY_DOCTOR, "d1");
  doctor.set_psychiatric_identity(true);
  ExpectInvalid(ValidateAccount(doctor, kGoodPassword), kReasonInvalidArgument,
                {"account.psychiatric_identity"});
}

// ---------------------------------------------------------------------------
// Patients

TEST(PatientTest, FillsSexAndBirthDateFromTheIdNumber) {
  Patient p = MakePatient();
  ASSERT_TRUE(ValidatePatient(p, kToday).ok());
  EXPECT_EQ(p.sex(), rehab::v1::SEX_FEMALE);
  EXPECT_EQ(p.birth_date(), "1949-12-31");
  EXPECT_EQ(p.disability_category(),
            rehab::v1::DISABILITY_CATEGORY_UNSPECIFIED);
}

TEST(PatientTest, NormalisesLegacyAndLowercaseIdNumbers) {
  Patient legacy = MakePatient();
  legacy.set_id_number("110105491231002");
  ASSERT_TRUE(ValidatePatient(legacy, kToday).ok());
  EXPECT_EQ(legacy.id_number(), "11010519491231002X");

  Patient lower = MakePatient();
  lower.set_id_number("11010519491231002x");
  lower.set_disability_card_number("11010519491231002x42");
  ASSERT_TRUE(ValidatePatient(lower, kToday).ok());
  EXPECT_EQ(lower.id_number(), "11010519491231002X");
  EXPECT_EQ(lower.disability_card_number(), "11010519491231002X42");
}

TEST(PatientTest, FillsCategoryAndGradeFromTheCard) {
  Patient p = MakePatient();
  p.set_disability_card_number("11010519491231002X42");
  ASSERT_TRUE(ValidatePatient(p, kToday).ok());
  EXPECT_EQ(p.disability_category(), rehab::v1::DISABILITY_CATEGORY_PHYSICAL);
  EXPECT_EQ(p.disability_grade(), 2);
}

TEST(PatientTest, AcceptsACardWhoseIdNumberIsTheLegacyFormOfTheOwnersId) {
  Patient p = MakePatient();
  p.set_id_number("110105491231002");
  p.set_disability_card_number("11010519491231002X61");
  ASSERT_TRUE(ValidatePatient(p, kToday).ok());
  EXPECT_EQ(p.disability_category(),
            rehab::v1::DISABILITY_CATEGORY_PSYCHIATRIC);
}

TEST(PatientTest, RejectsACardOfAnotherPerson) {
  Patient p = MakePatient();
  p.set_disability_card_number("34052419800101001X42");
  ExpectInvalid(ValidatePatient(p, kToday), kReasonInvalidCardNumber,
                {"patient.disability_card_number"});
}

TEST(PatientTest, RejectsAnInvalidCard) {
  Patient p = MakePatient();
  p.set_disability_card_number("11010519491231002X82");
  ExpectInvalid(ValidatePatient(p, kToday), kReasonInvalidCardNumber,
                {"patient.disability_card_number"});
}

TEST(PatientTest, RejectsCategoryOrGradeDisagreeingWithTheCard) {
  Patient p = MakePatient();
  p.set_disability_card_number("11010519491231002X42");
  p.set_disability_category(rehab::v1::DISABILITY_CATEGORY_VISUAL);
  p.set_disability_grade(1);
  ExpectInvalid(ValidatePatient(p, kToday), kReasonInvalidArgument,
                {"patient.disability_category", "patient.disability_grade"});

  Patient agreeing = MakePatient();
  agreeing.set_disability_card_number("11010519491231002X42");
  agreeing.set_disability_category(rehab::v1::DISABILITY_CATEGORY_PHYSICAL);
  agreeing.set_disability_grade(2);
  EXPECT_TRUE(ValidatePatient(agreeing, kToday).ok());
}

TEST(PatientTest, WithoutACardAcceptsACategoryAndGradeUpToFour) {
  Patient p = MakePatient();
  p.set_disability_category(rehab::v1::DISABILITY_CATEGORY_HEARING);
  p.set_disability_grade(4);
  EXPECT_TRUE(ValidatePatient(p, kToday).ok());

  p.set_disability_grade(5);
  ExpectInvalid(ValidatePatient(p, kToday), kReasonInvalidArgument,
                {"patient.disability_grade"});
  p.set_disability_grade(-1);
  ExpectInvalid(ValidatePatient(p, kToday), kReasonInvalidArgument,
                {"patient.disability_grade"});
}

TEST(PatientTest, RejectsSexOrBirthDateDisagreeingWithTheIdNumber) {
  Patient p = MakePatient();
  p.set_sex(rehab::v1::SEX_MALE);
  p.set_birth_date("1949-12-30");
  ExpectInvalid(ValidatePatient(p, kToday), kReasonInvalidArgument,
                {"patient.sex", "patient.birth_date"});

  Patient agreeing = MakePatient();
  agreeing.set_sex(rehab::v1::SEX_FEMALE);
  agreeing.set_birth_date("1949-12-31");
  EXPECT_TRUE(ValidatePatient(agreeing, kToday).ok());
}

TEST(PatientTest, RejectsAMalformedBirthDate) {
  Patient p = MakePatient();
  p.set_birth_date("1949/12/31");
  ExpectInvalid(ValidatePatient(p, kToday), kReasonInvalidArgument,
                {"patient.birth_date"});
}

TEST(PatientTest, ReportsEveryViolationAtOnce) {
  Patient p;
  p.set_disability_card_number("11010519491231002X92");
  p.set_phone(std::string(kMaxShortLength + 1, '1'));
  p.mutable_guardian()->set_phone(std::string(kMaxShortLength + 1, '1'));
  p.mutable_consent()->set_consent_date("2024-02-30");
  ExpectInvalid(
      ValidatePatient(p, kToday), kReasonInvalidIdNumber,
      {"patient.name", "patient.id_number", "patient.disability_card_number",
       "patient.area_id", "patient.phone", "patient.guardian.phone",
       "patient.consent.consent_date"});
}

TEST(PatientTest, ReasonIsInvalidIdNumberWhenTheIdIsWrong) {
  Patient p = MakePatient();
  p.set_id_number("110105194912310021");
  p.set_sex(rehab::v1::SEX_MALE);  // cannot be compared with a bad ID
  ExpectInvalid(ValidatePatient(p, kToday), kReasonInvalidIdNumber,
                {"patient.id_number"});
  EXPECT_EQ(p.id_number(), "110105194912310021");
}

TEST(PatientTest, RejectsAnIdNumberWithAFutureBirthDate) {
  Patient p = MakePatient();
  p.set_id_number("320831202406020019");
  ExpectInvalid(ValidatePatient(p, kToday), kReasonInvalidIdNumber,
                {"patient.id_number"});
}

TEST(PatientTest, ChecksStringSizes) {
  Patient p = MakePatient();
  p.set_name(std::string(kMaxNameLength + 1, 'n'));
  p.set_address(std::string(kMaxTextLength + 1, 'a'));
  p.mutable_guardian()->set_name(std::string(kMaxNameLength + 1, 'g'));
  ExpectInvalid(ValidatePatient(p, kToday), kReasonInvalidArgument,
                {"patient.name", "patient.address", "patient.guardian.name"});

  Patient at_limit = MakePatient();
  at_limit.set_name(std::string(kMaxNameLength, 'n'));
  at_limit.set_address(std::string(kMaxTextLength, 'a'));
  EXPECT_TRUE(ValidatePatient(at_limit, kToday).ok());
}

TEST(PatientTest, ClearsTheServerSetPseudonymisedFlag) {
  Patient p = MakePatient();
  p.set_pseudonymised(true);
  ASSERT_TRUE(ValidatePatient(p, kToday).ok());
  EXPECT_FALSE(p.pseudonymised());
}

// ---------------------------------------------------------------------------
// Patient updates

Patient StoredPatient() {
  Patient p = MakePatient();
  p.set_id("3f1c9c52-5d0e-4f4b-9a55-0c1f8f1e2a10");
  p.set_version(3);
  p.set_author("acct-1");
  p.set_phone("13800000000");
  p.set_address("1 Old Street");
  p.mutable_guardian()->set_name("Wang Lei");
  p.mutable_guardian()->set_relation("son");
  p.mutable_guardian()->set_phone("13900000000");
  return p;
}

google::protobuf::FieldMask Mask(std::vector<std::string> paths) {
  google::protobuf::FieldMask mask;
  for (const std::string& path : paths) mask.add_paths(path);
  return mask;
}

TEST(PatientUpdateTest, CopiesOnlyTheMaskedFields) {
  Patient stored = StoredPatient();
  Patient patch;
  patch.set_name("Wang Fang Fang");
  patch.set_phone("");
  ASSERT_TRUE(ApplyPatientUpdate(patch, Mask({"name"}), stored).ok());
  EXPECT_EQ(stored.name(), "Wang Fang Fang");
  EXPECT_EQ(stored.phone(), "13800000000");
}

TEST(PatientUpdateTest, CopiesOneGuardianSubfield) {
  Patient stored = StoredPatient();
  Patient patch;
  patch.mutable_guardian()->set_phone("13700000000");
  ASSERT_TRUE(ApplyPatientUpdate(patch, Mask({"guardian.phone"}), stored).ok());
  EXPECT_EQ(stored.guardian().phone(), "13700000000");
  EXPECT_EQ(stored.guardian().name(), "Wang Lei");
}

TEST(PatientUpdateTest, ReplacesOrClearsAWholeGuardian) {
  Patient stored = StoredPatient();
  Patient patch;
  ASSERT_TRUE(ApplyPatientUpdate(patch, Mask({"guardian"}), stored).ok());
  EXPECT_FALSE(stored.has_guardian());
}

TEST(PatientUpdateTest, EmptyMaskReplacesEveryClientField) {
  Patient stored = StoredPatient();
  Patient patch = MakePatient();
  patch.set_id("11111111-1111-4111-8111-111111111111");
  patch.set_version(9);
  patch.set_author("intruder");
  patch.set_pseudonymised(true);
  patch.set_address("2 New Street");
  patch.mutable_consent()->set_data_sharing(true);
  ASSERT_TRUE(ApplyPatientUpdate(patch, Mask({}), stored).ok());
  EXPECT_EQ(stored.address(), "2 New Street");
  EXPECT_EQ(stored.phone(), "");
  EXPECT_FALSE(stored.has_guardian());
  EXPECT_TRUE(stored.consent().data_sharing());
  EXPECT_EQ(stored.id(), "3f1c9c52-5d0e-4f4b-9a55-0c1f8f1e2a10");
  EXPECT_EQ(stored.version(), 3);
  EXPECT_EQ(stored.author(), "acct-1");
  EXPECT_FALSE(stored.pseudonymised());
}

TEST(PatientUpdateTest, RefusesServerOwnedAndUnknownPaths) {
  for (const char* bad : {"id", "version", "create_time", "update_time",
                          "device_id", "change_seq", "author", "pseudonymised",
                          "nickname", "guardian.age", "consent.", "", "Name"}) {
    Patient stored = StoredPatient();
    const Patient before = stored;
    Patient patch;
    patch.set_name("changed");
    absl::Status status =
        ApplyPatientUpdate(patch, Mask({"name", bad}), stored);
    ExpectInvalid(status, kReasonInvalidArgument, {"update_mask"});
    EXPECT_EQ(stored.name(), before.name()) << bad;
  }
}

TEST(PatientUpdateTest, AcceptsEveryClientWritablePath) {
  for (const char* good :
       {"name", "id_number", "disability_card_number", "disability_category",
        "disability_grade", "sex", "birth_date", "area_id", "facility_id",
        "address", "phone", "guardian", "guardian.name", "guardian.relation",
        "guardian.phone", "consent", "consent.data_sharing",
        "consent.sms_reminders", "consent.consent_date"}) {
    Patient stored = StoredPatient();
    EXPECT_TRUE(ApplyPatientUpdate(Patient(), Mask({good}), stored).ok())
        << good;
  }
}

// ---------------------------------------------------------------------------
// Enrollments

Enrollment MakeEnrollment() {
  Enrollment e;
  e.set_patient_id("p1");
  e.set_program(rehab::v1::PROGRAM_PSYCHIATRIC_MANAGEMENT);
  e.set_start_date("2024-03-01");
  return e;
}

TEST(EnrollmentTest, DefaultsToRegistered) {
  Enrollment e = MakeEnrollment();
  ASSERT_TRUE(ValidateEnrollment(e).ok());
  EXPECT_EQ(e.status(), rehab::v1::ENROLLMENT_STATUS_REGISTERED);

  e.set_status(rehab::v1::ENROLLMENT_STATUS_UNDER_MANAGEMENT);
  ASSERT_TRUE(ValidateEnrollment(e).ok());
  EXPECT_EQ(e.status(), rehab::v1::ENROLLMENT_STATUS_UNDER_MANAGEMENT);
}

TEST(EnrollmentTest, RefusesAStatusANewEnrollmentCannotHave) {
  for (auto status : {rehab::v1::ENROLLMENT_STATUS_LOST_TO_FOLLOW_UP,
                      rehab::v1::ENROLLMENT_STATUS_DECEASED,
                      rehab::v1::ENROLLMENT_STATUS_ENDED}) {
    Enrollment e = MakeEnrollment();
    e.set_status(status);
    ExpectInvalid(ValidateEnrollment(e), kReasonInvalidArgument,
                  {"enrollment.status"});
  }
}

TEST(EnrollmentTest, RequiresPatientProgramAndARealStartDate) {
  Enrollment e;
  ExpectInvalid(
      ValidateEnrollment(e), kReasonInvalidArgument,
      {"enrollment.patient_id", "enrollment.program", "enrollment.start_date"});
  e = MakeEnrollment();
  e.set_start_date("2023-02-29");
  ExpectInvalid(ValidateEnrollment(e), kReasonInvalidArgument,
                {"enrollment.start_date"});
}

TEST(EnrollmentTest, EndDateMustNotPrecedeTheStart) {
  Enrollment e = MakeEnrollment();
  e.set_end_date("2024-02-29");
  ExpectInvalid(ValidateEnrollment(e), kReasonInvalidArgument,
                {"enrollment.end_date"});
  e.set_end_date("2024-03-01");
  EXPECT_TRUE(ValidateEnrollment(e).ok());
}

TEST(EnrollmentTest, OpenStatusesAreRegisteredManagedAndLost) {
  EXPECT_TRUE(IsOpenEnrollmentStatus(rehab::v1::ENROLLMENT_STATUS_REGISTERED));
  EXPECT_TRUE(
      IsOpenEnrollmentStatus(rehab::v1::ENROLLMENT_STATUS_UNDER_MANAGEMENT));
  EXPECT_TRUE(
      IsOpenEnrollmentStatus(rehab::v1::ENROLLMENT_STATUS_LOST_TO_FOLLOW_UP));
  EXPECT_FALSE(IsOpenEnrollmentStatus(rehab::v1::ENROLLMENT_STATUS_DECEASED));
  EXPECT_FALSE(IsOpenEnrollmentStatus(rehab::v1::ENROLLMENT_STATUS_ENDED));
  EXPECT_FALSE(
      IsOpenEnrollmentStatus(rehab::v1::ENROLLMENT_STATUS_UNSPECIFIED));
}

}  // namespace
}  // namespace rehab
