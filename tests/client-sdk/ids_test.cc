#include "rehab/client/ids.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace rehab::client {
namespace {

// Ids already stored by earlier imports must be found again by every later
// release, so the scheme is pinned to known values (SHA-256 of
// "rehab.patient\0<ID number>", version 8).
TEST(PatientIdForIdNumberTest, IsPinnedToTheNameBasedScheme) {
  EXPECT_EQ(PatientIdForIdNumber("11010519491231002X"),
            "9f230cfb-fb5f-8f75-910a-aedeea83e129");
  EXPECT_EQ(PatientIdForIdNumber("370101190102039973"),
            "830eb3b7-294e-8ec1-ab82-24e754203ee6");
}

TEST(PatientIdForIdNumberTest, IgnoresLetterCaseAndSurroundingSpaces) {
  EXPECT_EQ(PatientIdForIdNumber(" 11010519491231002x\t"),
            PatientIdForIdNumber("11010519491231002X"));
}

TEST(PatientIdForIdNumberTest, GivesEveryIdNumberItsOwnCanonicalId) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    const std::string id_number = "3208311980010" + std::to_string(10000 + i);
    const std::string id = PatientIdForIdNumber(id_number);
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '8') << id;  // version 8
    EXPECT_EQ(id, PatientIdForIdNumber(id_number));
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

}  // namespace
}  // namespace rehab::client
