#include "tools/rehabctl/contract_terms.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rehab::rehabctl {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

std::string ErrorOf(const std::string& text) {
  return std::string(ParseContractItem(text).status().message());
}

TEST(ContractTermsTest, ReadsCodeNameAndVisitsOfAnItem) {
  absl::StatusOr<rehab::v1::ContractItem> item =
      ParseContractItem(" home_visit : 上门随访 : 4 ");

  ASSERT_TRUE(item.ok()) << item.status();
  EXPECT_EQ(item->code(), "home_visit");
  EXPECT_EQ(item->name(), "上门随访");
  EXPECT_EQ(item->visits_per_year(), 4);
}

TEST(ContractTermsTest, KeepsColonsInsideTheName) {
  absl::StatusOr<rehab::v1::ContractItem> item =
      ParseContractItem("rehab:Rehab guidance: home and clinic:0");

  ASSERT_TRUE(item.ok()) << item.status();
  EXPECT_EQ(item->code(), "rehab");
  EXPECT_EQ(item->name(), "Rehab guidance: home and clinic");
  EXPECT_EQ(item->visits_per_year(), 0);
}

TEST(ContractTermsTest, RefusesItemsThatAreNotCodeNameVisits) {
  EXPECT_THAT(ErrorOf("home_visit"), HasSubstr("CODE:NAME:VISITS_PER_YEAR"));
  EXPECT_THAT(ErrorOf("home_visit:4"), HasSubstr("CODE:NAME:VISITS_PER_YEAR"));
  EXPECT_THAT(ErrorOf(":Home:4"), HasSubstr("code is empty"));
  EXPECT_THAT(ErrorOf("home:  :4"), HasSubstr("name is empty"));
  EXPECT_THAT(ErrorOf("home:Home:four"), HasSubstr("0 to 366"));
  EXPECT_THAT(ErrorOf("home:Home:-1"), HasSubstr("0 to 366"));
  EXPECT_THAT(ErrorOf("home:Home:367"), HasSubstr("0 to 366"));
  EXPECT_THAT(ErrorOf("home:Home:"), HasSubstr("0 to 366"));
}

TEST(ContractTermsTest, GivesThePublicHealthPackageWhenNoItemIsNamed) {
  absl::StatusOr<std::vector<rehab::v1::ContractItem>> items =
      ParseContractItems({});

  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_THAT(*items, SizeIs(1));
  EXPECT_EQ((*items)[0].code(), "public_health_follow_up");
  EXPECT_EQ((*items)[0].visits_per_year(), 4);
}

TEST(ContractTermsTest, KeepsEveryItemInOrderAndStopsAtABadOne) {
  absl::StatusOr<std::vector<rehab::v1::ContractItem>> items =
      ParseContractItems({"basic_care:基本医疗:0", "home_visit:上门随访:4"});
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_THAT(*items, SizeIs(2));
  EXPECT_EQ((*items)[0].code(), "basic_care");
  EXPECT_EQ((*items)[1].code(), "home_visit");

  EXPECT_FALSE(ParseContractItems({"basic_care:基本医疗:0", "bad"}).ok());
}

TEST(ContractTermsTest, ReadsOnlyRealDaysWrittenInFull) {
  absl::StatusOr<absl::CivilDay> day = ParseDay("2028-02-29");
  ASSERT_TRUE(day.ok()) << day.status();
  EXPECT_EQ(*day, absl::CivilDay(2028, 2, 29));

  EXPECT_FALSE(ParseDay("2027-02-29").ok());
  EXPECT_FALSE(ParseDay("2026-13-01").ok());
  EXPECT_FALSE(ParseDay("2026-1-05").ok());
  EXPECT_FALSE(ParseDay("2026-01-5 ").ok());
  EXPECT_FALSE(ParseDay("2026/01/05").ok());
  EXPECT_FALSE(ParseDay("+026-01-05").ok());
  EXPECT_FALSE(ParseDay("").ok());
  EXPECT_EQ(FormatDay(absl::CivilDay(2026, 1, 5)), "2026-01-05");
}

TEST(ContractTermsTest, AOneYearTermEndsTheDayBeforeTheAnniversary) {
  EXPECT_EQ(OneYearTermEnd(absl::CivilDay(2026, 1, 1)),
            absl::CivilDay(2026, 12, 31));
  EXPECT_EQ(OneYearTermEnd(absl::CivilDay(2026, 3, 15)),
            absl::CivilDay(2027, 3, 14));
  EXPECT_EQ(OneYearTermEnd(absl::CivilDay(2028, 2, 29)),
            absl::CivilDay(2029, 2, 28));
  EXPECT_EQ(OneYearTermEnd(absl::CivilDay(2027, 3, 1)),
            absl::CivilDay(2028, 2, 29));
}

}  // namespace
}  // namespace rehab::rehabctl
