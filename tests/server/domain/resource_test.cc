#include "server/domain/resource.h"

#include <string>

#include "gtest/gtest.h"
#include "rehab/v1/directory.pb.h"
#include "rehab/v1/patient.pb.h"
#include "server/common/dates.h"
#include "server/common/errors.h"
#include "server/common/ids.h"
#include "tests/server/domain/domain_test_util.h"

namespace rehab {
namespace {

using ::rehab::domain_test::MakePatient;
using rehab::v1::Area;
using rehab::v1::Patient;

const absl::Time kNow = absl::FromUnixSeconds(1717200000);  // 2024-06-01

Caller Doctor() {
  Caller caller;
  caller.account_id = "acct-doctor";
  caller.username = "dr.li";
  caller.role = rehab::v1::ROLE_FAMILY_DOCTOR;
  caller.device_id = "tablet-7";
  return caller;
}

TEST(StampCreateTest, MakesAUuidWhenTheIdIsEmpty) {
  Patient a = MakePatient();
  Patient b = MakePatient();
  ASSERT_TRUE(StampCreate(a, Doctor(), kNow, "patient").ok());
  ASSERT_TRUE(StampCreate(b, Doctor(), kNow, "patient").ok());
  EXPECT_TRUE(IsCanonicalUuid(a.id())) << a.id();
  EXPECT_NE(a.id(), b.id());
}

TEST(StampCreateTest, SetsVersionTimesAuthorAndDevice) {
  Patient p = MakePatient();
  ASSERT_TRUE(StampCreate(p, Doctor(), kNow, "patient").ok());
  EXPECT_EQ(p.version(), 1);
  EXPECT_EQ(FromProto(p.create_time()), kNow);
  EXPECT_EQ(FromProto(p.update_time()), kNow);
  EXPECT_EQ(p.author(), "acct-doctor");
  EXPECT_EQ(p.device_id(), "tablet-7");
}

TEST(StampCreateTest, IgnoresServerFieldsTheClientSent) {
  Patient p = MakePatient();
  p.set_version(42);
  p.set_change_seq(99);
  p.set_author("someone-else");
  *p.mutable_create_time() = ToProto(kNow - absl::Hours(1000));
  ASSERT_TRUE(StampCreate(p, Doctor(), kNow, "patient").ok());
  EXPECT_EQ(p.version(), 1);
  EXPECT_EQ(p.change_seq(), 0);
  EXPECT_EQ(p.author(), "acct-doctor");
  EXPECT_EQ(FromProto(p.create_time()), kNow);
}

TEST(StampCreateTest, KeepsTheClientsDeviceAndCanonicalisesItsUuid) {
  Patient p = MakePatient();
  p.set_id("3F1C9C52-5D0E-4F4B-9A55-0C1F8F1E2A10");
  p.set_device_id("phone-2");
  ASSERT_TRUE(StampCreate(p, Doctor(), kNow, "patient").ok());
  EXPECT_EQ(p.id(), "3f1c9c52-5d0e-4f4b-9a55-0c1f8f1e2a10");
  EXPECT_EQ(p.device_id(), "phone-2");
}

TEST(StampCreateTest, RejectsAnIdThatIsNotAUuid) {
  for (const char* bad : {"patient-1", "3f1c9c52-5d0e-4f4b-9a55-0c1f8f1e2a1",
                          "3f1c9c525d0e4f4b9a550c1f8f1e2a10"}) {
    Patient p = MakePatient();
    p.set_id(bad);
    absl::Status status = StampCreate(p, Doctor(), kNow, "patient");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    std::vector<FieldViolation> violations = FieldViolationsOf(status);
    ASSERT_EQ(violations.size(), 1u);
    EXPECT_EQ(violations[0].field, "patient.id");
    EXPECT_EQ(p.id(), bad);
    EXPECT_EQ(p.version(), 0);
  }
}

TEST(StampCreateTest, AuthorIsSystemForTheSystemCaller) {
  Area area;
  area.set_code("320831");
  ASSERT_TRUE(StampCreate(area, Caller::System(), kNow, "area").ok());
  EXPECT_EQ(area.author(), "system");
  EXPECT_EQ(area.version(), 1);
  EXPECT_TRUE(IsCanonicalUuid(area.id()));
}

TEST(StampUpdateTest, BumpsVersionAndUpdateTimeOnly) {
  Patient p = MakePatient();
  ASSERT_TRUE(StampCreate(p, Caller::System(), kNow, "patient").ok());
  const std::string id = p.id();
  const absl::Time later = kNow + absl::Minutes(5);
  StampUpdate(p, Doctor(), later);
  EXPECT_EQ(p.version(), 2);
  EXPECT_EQ(FromProto(p.create_time()), kNow);
  EXPECT_EQ(FromProto(p.update_time()), later);
  EXPECT_EQ(p.author(), "acct-doctor");
  EXPECT_EQ(p.id(), id);
  StampUpdate(p, Doctor(), later);
  EXPECT_EQ(p.version(), 3);
}

TEST(ClearServerFieldsTest, ClearsOnlyTheServerOwnedCommonFields) {
  Patient p = MakePatient();
  p.set_id("3f1c9c52-5d0e-4f4b-9a55-0c1f8f1e2a10");
  p.set_device_id("phone-2");
  ASSERT_TRUE(StampCreate(p, Doctor(), kNow, "patient").ok());
  p.set_change_seq(12);
  ClearServerFields(p);
  EXPECT_EQ(p.version(), 0);
  EXPECT_FALSE(p.has_create_time());
  EXPECT_FALSE(p.has_update_time());
  EXPECT_EQ(p.change_seq(), 0);
  EXPECT_EQ(p.author(), "");
  EXPECT_EQ(p.id(), "3f1c9c52-5d0e-4f4b-9a55-0c1f8f1e2a10");
  EXPECT_EQ(p.device_id(), "phone-2");
  EXPECT_EQ(p.name(), "Wang Fang");
}

TEST(SameContentTest, IgnoresServerOwnedFields) {
  Patient sent = MakePatient();
  sent.set_id("3f1c9c52-5d0e-4f4b-9a55-0c1f8f1e2a10");
  Patient stored = sent;
  ASSERT_TRUE(StampCreate(stored, Doctor(), kNow, "patient").ok());
  stored.set_change_seq(77);
  stored.set_pseudonymised(true);
  sent.set_device_id(stored.device_id());
  EXPECT_TRUE(SameContent(sent, stored));
  EXPECT_TRUE(SameContent(stored, sent));
}

TEST(SameContentTest, SeesADifferenceInContent) {
  Patient a = MakePatient();
  Patient b = MakePatient();
  b.set_phone("13800000000");
  EXPECT_FALSE(SameContent(a, b));

  Patient c = MakePatient();
  c.mutable_guardian()->set_relation("son");
  EXPECT_FALSE(SameContent(a, c));

  Patient d = MakePatient();
  d.set_id("3f1c9c52-5d0e-4f4b-9a55-0c1f8f1e2a10");
  EXPECT_FALSE(SameContent(a, d));
}

TEST(SameContentTest, RecordsOfDifferentTypesDiffer) {
  Area area;
  Patient patient;
  EXPECT_FALSE(SameContent(area, patient));
}

TEST(SameContentTest, DoesNotChangeItsArguments) {
  Patient a = MakePatient();
  ASSERT_TRUE(StampCreate(a, Doctor(), kNow, "patient").ok());
  const Patient before = a;
  EXPECT_TRUE(SameContent(a, a));
  EXPECT_EQ(a.version(), before.version());
  EXPECT_EQ(a.author(), before.author());
}

}  // namespace
}  // namespace rehab
