#include "server/domain/access_policy.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/errors.h"
#include "server/common/status_macros.h"
#include "tests/server/domain/fake_store.h"

namespace rehab {
namespace {

using ::rehab::v1::Role;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kTownshipA[] = "a0000000-0000-4000-8000-000000000001";
constexpr char kTownshipB[] = "a0000000-0000-4000-8000-000000000002";
constexpr char kVillageA[] = "a0000000-0000-4000-8000-000000000003";
constexpr char kStationA[] = "f0000000-0000-4000-8000-000000000001";
constexpr char kStationB[] = "f0000000-0000-4000-8000-000000000002";
// Lives in a village of township A, served by station A.
constexpr char kInside[] = "b0000000-0000-4000-8000-000000000001";
// Lives in township B, served by station B.
constexpr char kOutside[] = "b0000000-0000-4000-8000-000000000002";
constexpr char kMissing[] = "b0000000-0000-4000-8000-00000000ffff";

class AccessPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_
                    .Write([](WriteTxn& txn) -> absl::Status {
                      rehab::v1::Area a;
                      a.set_id(kTownshipA);
                      a.set_code("320831001");
                      RETURN_IF_ERROR(txn.PutArea(a));
                      rehab::v1::Area b;
                      b.set_id(kTownshipB);
                      b.set_code("320831002");
                      RETURN_IF_ERROR(txn.PutArea(b));
                      rehab::v1::Area v;
                      v.set_id(kVillageA);
                      v.set_code("320831001004");
                      v.set_parent_id(kTownshipA);
                      RETURN_IF_ERROR(txn.PutArea(v));
                      for (const char* id : {kStationA, kStationB}) {
                        rehab::v1::Facility f;
                        f.set_id(id);
                        f.set_area_id(id == kStationA ? kVillageA : kTownshipB);
                        RETURN_IF_ERROR(txn.PutFacility(f));
                      }
                      rehab::v1::Patient in;
                      in.set_id(kInside);
                      in.set_id_number("11010519491231002X");
                      in.set_area_id(kVillageA);
                      in.set_facility_id(kStationA);
                      RETURN_IF_ERROR(txn.PutPatient(in));
                      rehab::v1::Patient out;
                      out.set_id(kOutside);
                      out.set_id_number("34052419800101001X");
                      out.set_area_id(kTownshipB);
                      out.set_facility_id(kStationB);
                      return txn.PutPatient(out);
                    })
                    .ok());
  }

  bool MaySee(const Caller& caller, const std::string& patient_id) {
    bool result = false;
    absl::Status status = store_.Read([&](ReadTxn& txn) -> absl::Status {
      absl::StatusOr<bool> may =
          AccessPolicy::MaySeePatient(txn, caller, patient_id);
      if (!may.ok()) return may.status();
      result = *may;
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return result;
  }

  FakeStore store_;
};

Caller MakeCaller(Role role, std::string scope_id = "") {
  Caller caller;
  caller.account_id = "account";
  caller.role = role;
  caller.scope_id = std::move(scope_id);
  return caller;
}

Caller Supervisor(std::string area_code) {
  Caller caller = MakeCaller(rehab::v1::ROLE_SUPERVISOR, kTownshipA);
  caller.scope_area_code = std::move(area_code);
  return caller;
}

Caller Guardian() {
  Caller caller = MakeCaller(rehab::v1::ROLE_PATIENT,
                             "b0000000-0000-4000-8000-0000000000aa");
  caller.ward_ids = {kInside};
  return caller;
}

Caller WithBreakGlass(Caller caller, std::string patient_id) {
  caller.break_glass_patient_ids.push_back(std::move(patient_id));
  return caller;
}

struct VisibilityRow {
  std::string who;
  Caller caller;
  bool sees_inside;
  bool sees_outside;
};

TEST_F(AccessPolicyTest, MaySeePatientFollowsTheRoleTable) {
  const std::vector<VisibilityRow> table = {
      {"admin", MakeCaller(rehab::v1::ROLE_ADMIN), true, true},
      {"supervisor of township A", Supervisor("320831001"), true, false},
      {"county supervisor", Supervisor("320831"), true, true},
      {"supervisor of another county", Supervisor("320832"), false, false},
      {"supervisor with no area", Supervisor(""), false, false},
      // No contract exists yet, so a doctor has no patients.
      {"family doctor",
       MakeCaller(rehab::v1::ROLE_FAMILY_DOCTOR,
                  "c0000000-0000-4000-8000-000000000001"),
       false, false},
      {"staff of station A",
       MakeCaller(rehab::v1::ROLE_FACILITY_STAFF, kStationA), true, false},
      {"staff of station B",
       MakeCaller(rehab::v1::ROLE_FACILITY_STAFF, kStationB), false, true},
      {"patient (self)", MakeCaller(rehab::v1::ROLE_PATIENT, kInside), true,
       false},
      {"patient (guardian of a ward)", Guardian(), true, false},
      {"kiosk of station A", MakeCaller(rehab::v1::ROLE_KIOSK, kStationA), true,
       false},
      {"unspecified role", MakeCaller(rehab::v1::ROLE_UNSPECIFIED, kStationA),
       false, false},
      {"family doctor with break-glass",
       WithBreakGlass(MakeCaller(rehab::v1::ROLE_FAMILY_DOCTOR,
                                 "c0000000-0000-4000-8000-000000000001"),
                      kOutside),
       false, true},
      {"supervisor with break-glass outside the area",
       WithBreakGlass(Supervisor("320831001"), kOutside), true, true},
  };
  for (const VisibilityRow& row : table) {
    EXPECT_EQ(MaySee(row.caller, kInside), row.sees_inside) << row.who;
    EXPECT_EQ(MaySee(row.caller, kOutside), row.sees_outside) << row.who;
  }
}

TEST_F(AccessPolicyTest, MaySeePatientIsFalseForAnUnknownPatient) {
  EXPECT_FALSE(MaySee(MakeCaller(rehab::v1::ROLE_ADMIN), kMissing));
  EXPECT_FALSE(
      MaySee(WithBreakGlass(MakeCaller(rehab::v1::ROLE_FAMILY_DOCTOR, "doctor"),
                            kMissing),
             kMissing));
  EXPECT_FALSE(MaySee(MakeCaller(rehab::v1::ROLE_ADMIN), ""));
}

TEST(PatientScopeForTest, GivesEachRoleItsKindOfScope) {
  using Kind = PatientScope::Kind;
  EXPECT_EQ(
      AccessPolicy::PatientScopeFor(MakeCaller(rehab::v1::ROLE_ADMIN)).kind,
      Kind::kAll);

  PatientScope supervisor = AccessPolicy::PatientScopeFor(Supervisor("3208"));
  EXPECT_EQ(supervisor.kind, Kind::kAreaSubtree);
  EXPECT_EQ(supervisor.area_code, "3208");

  PatientScope doctor = AccessPolicy::PatientScopeFor(
      MakeCaller(rehab::v1::ROLE_FAMILY_DOCTOR, "doc-1"));
  EXPECT_EQ(doctor.kind, Kind::kPractitioner);
  EXPECT_EQ(doctor.practitioner_id, "doc-1");

  for (Role role : {rehab::v1::ROLE_FACILITY_STAFF, rehab::v1::ROLE_KIOSK}) {
    PatientScope facility =
        AccessPolicy::PatientScopeFor(MakeCaller(role, kStationA));
    EXPECT_EQ(facility.kind, Kind::kFacility) << role;
    EXPECT_EQ(facility.facility_id, kStationA) << role;
  }

  PatientScope guardian = AccessPolicy::PatientScopeFor(Guardian());
  EXPECT_EQ(guardian.kind, Kind::kPatients);
  EXPECT_THAT(guardian.patient_ids,
              ElementsAre("b0000000-0000-4000-8000-0000000000aa", kInside));

  EXPECT_EQ(AccessPolicy::PatientScopeFor(
                MakeCaller(rehab::v1::ROLE_UNSPECIFIED, kStationA))
                .kind,
            Kind::kNone);
}

TEST(PatientScopeForTest, SeesNothingWhenTheScopeIsMissing) {
  using Kind = PatientScope::Kind;
  EXPECT_EQ(AccessPolicy::PatientScopeFor(Supervisor("")).kind, Kind::kNone);
  for (Role role :
       {rehab::v1::ROLE_FAMILY_DOCTOR, rehab::v1::ROLE_FACILITY_STAFF,
        rehab::v1::ROLE_KIOSK, rehab::v1::ROLE_PATIENT}) {
    PatientScope scope = AccessPolicy::PatientScopeFor(MakeCaller(role, ""));
    EXPECT_EQ(scope.kind, Kind::kNone) << role;
    EXPECT_THAT(scope.patient_ids, IsEmpty()) << role;
  }
}

TEST(RequireRoleTest, AllowsListedRolesAndDeniesOthers) {
  EXPECT_TRUE(
      AccessPolicy::RequireRole(MakeCaller(rehab::v1::ROLE_KIOSK),
                                {rehab::v1::ROLE_ADMIN, rehab::v1::ROLE_KIOSK},
                                "report doses")
          .ok());
  absl::Status denied =
      AccessPolicy::RequireRole(MakeCaller(rehab::v1::ROLE_KIOSK),
                                {rehab::v1::ROLE_ADMIN}, "create accounts");
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(denied), kReasonPermissionDenied);
  EXPECT_THAT(std::string(denied.message()),
              ::testing::HasSubstr("create accounts"));
  EXPECT_EQ(
      AccessPolicy::RequireRole(MakeCaller(rehab::v1::ROLE_UNSPECIFIED),
                                {rehab::v1::ROLE_UNSPECIFIED}, "do anything")
          .code(),
      absl::StatusCode::kPermissionDenied);
}

TEST(RequireRegistryWriterTest, AllowsAdminSupervisorAndStaffOnly) {
  const std::vector<std::pair<Role, bool>> table = {
      {rehab::v1::ROLE_ADMIN, true},
      {rehab::v1::ROLE_SUPERVISOR, true},
      {rehab::v1::ROLE_FACILITY_STAFF, true},
      {rehab::v1::ROLE_FAMILY_DOCTOR, false},
      {rehab::v1::ROLE_PATIENT, false},
      {rehab::v1::ROLE_KIOSK, false},
      {rehab::v1::ROLE_UNSPECIFIED, false},
  };
  for (const auto& [role, allowed] : table) {
    absl::Status status =
        AccessPolicy::RequireRegistryWriter(MakeCaller(role, "scope"));
    if (allowed) {
      EXPECT_TRUE(status.ok()) << role << ": " << status;
    } else {
      EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << role;
    }
  }
}

rehab::v1::Patient PatientOf(rehab::v1::DisabilityCategory category) {
  rehab::v1::Patient patient;
  patient.set_id(kInside);
  patient.set_name("Wang Fang");
  patient.set_disability_category(category);
  return patient;
}

TEST(MustPseudonymiseTest, HidesPsychiatricIdentitiesFromPlainSupervisors) {
  const rehab::v1::Patient psychiatric =
      PatientOf(rehab::v1::DISABILITY_CATEGORY_PSYCHIATRIC);
  const rehab::v1::Patient physical =
      PatientOf(rehab::v1::DISABILITY_CATEGORY_PHYSICAL);
  Caller plain = Supervisor("320831");
  Caller flagged = Supervisor("320831");
  flagged.psychiatric_identity = true;

  EXPECT_TRUE(AccessPolicy::MustPseudonymise(plain, psychiatric, false));
  // Psychiatric through an open PSYCHIATRIC_MANAGEMENT enrollment.
  EXPECT_TRUE(AccessPolicy::MustPseudonymise(plain, physical, true));
  EXPECT_FALSE(AccessPolicy::MustPseudonymise(flagged, psychiatric, true));
  EXPECT_FALSE(AccessPolicy::MustPseudonymise(WithBreakGlass(plain, kInside),
                                              psychiatric, true));
  EXPECT_TRUE(AccessPolicy::MustPseudonymise(WithBreakGlass(plain, kOutside),
                                             psychiatric, true));
  EXPECT_FALSE(AccessPolicy::MustPseudonymise(plain, physical, false));
  EXPECT_FALSE(AccessPolicy::MustPseudonymise(MakeCaller(rehab::v1::ROLE_ADMIN),
                                              psychiatric, true));
  EXPECT_FALSE(AccessPolicy::MustPseudonymise(
      MakeCaller(rehab::v1::ROLE_FACILITY_STAFF, kStationA), psychiatric,
      true));
}

TEST(PseudonymiseTest, WithholdsIdentifyingFields) {
  rehab::v1::Patient patient =
      PatientOf(rehab::v1::DISABILITY_CATEGORY_PSYCHIATRIC);
  patient.set_id_number("11010519491231002X");
  patient.set_disability_card_number("11010519491231002X62");
  patient.set_disability_grade(2);
  patient.set_birth_date("1949-12-31");
  patient.set_address("12 River Road");
  patient.set_phone("13800000000");
  patient.mutable_guardian()->set_name("Wang Lei");
  patient.set_area_id(kVillageA);

  rehab::v1::Patient copy = patient;
  AccessPolicy::Pseudonymise(patient);

  EXPECT_TRUE(patient.pseudonymised());
  EXPECT_NE(patient.name(), "Wang Fang");
  EXPECT_FALSE(patient.name().empty());
  EXPECT_EQ(patient.id_number(), "");
  EXPECT_EQ(patient.disability_card_number(), "");
  EXPECT_EQ(patient.address(), "");
  EXPECT_EQ(patient.phone(), "");
  EXPECT_FALSE(patient.has_guardian());
  EXPECT_EQ(patient.birth_date(), "1949");
  // What reports need stays.
  EXPECT_EQ(patient.id(), kInside);
  EXPECT_EQ(patient.area_id(), kVillageA);
  EXPECT_EQ(patient.disability_grade(), 2);

  // The pseudonym is stable per patient and differs between patients.
  AccessPolicy::Pseudonymise(copy);
  EXPECT_EQ(copy.name(), patient.name());
  rehab::v1::Patient other =
      PatientOf(rehab::v1::DISABILITY_CATEGORY_PSYCHIATRIC);
  other.set_id(kOutside);
  AccessPolicy::Pseudonymise(other);
  EXPECT_NE(other.name(), patient.name());
}

}  // namespace
}  // namespace rehab
