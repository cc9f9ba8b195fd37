#include "tools/bench/synthetic_id_numbers.h"

#include <set>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/domain/validation.h"

namespace rehab::bench {
namespace {

const absl::CivilDay kToday(2026, 1, 1);

TEST(SyntheticIdNumbersTest, FirstNumberIsTheFirstSequenceOf1940) {
  EXPECT_EQ(SyntheticIdNumbers::AtIndex(0).substr(0, 17), "32083119400101001");
}

TEST(SyntheticIdNumbersTest, LastNumberIsTheLastSequenceOf2010) {
  EXPECT_EQ(
      SyntheticIdNumbers::AtIndex(SyntheticIdNumbers::kSpace - 1).substr(0, 17),
      "32083120101231999");
}

TEST(SyntheticIdNumbersTest, WrapsAtTheEndOfTheSpace) {
  EXPECT_EQ(SyntheticIdNumbers::AtIndex(SyntheticIdNumbers::kSpace),
            SyntheticIdNumbers::AtIndex(0));
  EXPECT_EQ(SyntheticIdNumbers::AtIndex(-1),
            SyntheticIdNumbers::AtIndex(SyntheticIdNumbers::kSpace - 1));
}

TEST(SyntheticIdNumbersTest, NumbersPassTheServersValidator) {
  for (int64_t index : {int64_t{0}, int64_t{998}, int64_t{999}, int64_t{123456},
                        int64_t{20000000}, SyntheticIdNumbers::kSpace - 1}) {
    const std::string id = SyntheticIdNumbers::AtIndex(index);
    absl::StatusOr<IdNumber> parsed = ParseIdNumber(id, kToday);
    ASSERT_TRUE(parsed.ok()) << id << ": " << parsed.status();
    EXPECT_EQ(parsed->normalized, id);
    EXPECT_EQ(parsed->address_code, "320831");
  }
}

TEST(SyntheticIdNumbersTest, CrossesIntoTheNextBirthDateAfter999Sequences) {
  EXPECT_EQ(SyntheticIdNumbers::AtIndex(998).substr(6, 11), "19400101999");
  EXPECT_EQ(SyntheticIdNumbers::AtIndex(999).substr(6, 11), "19400102001");
}

TEST(SyntheticIdNumbersTest, NextWalksDistinctNumbersFromTheStart) {
  SyntheticIdNumbers ids(SyntheticIdNumbers::kSpace - 5);
  std::set<std::string> seen;
  for (int i = 0; i < 5000; ++i) seen.insert(ids.Next());
  EXPECT_EQ(seen.size(), 5000u);
  EXPECT_TRUE(seen.count(SyntheticIdNumbers::AtIndex(0)));
}

TEST(SyntheticIdNumbersTest, NextPassesOverTakenNumbers) {
  SyntheticIdNumbers ids(
      100, {SyntheticIdNumbers::AtIndex(101), SyntheticIdNumbers::AtIndex(102),
            SyntheticIdNumbers::AtIndex(104)});
  EXPECT_EQ(ids.Next(), SyntheticIdNumbers::AtIndex(100));
  EXPECT_EQ(ids.Next(), SyntheticIdNumbers::AtIndex(103));
  EXPECT_EQ(ids.Next(), SyntheticIdNumbers::AtIndex(105));
}

TEST(SyntheticIdNumbersTest, StartsOfRunsASecondApartAreAStrideApart) {
  const absl::Time t = absl::FromUnixSeconds(1767225600);
  const int64_t a = SyntheticIdNumbers::StartFor(t);
  const int64_t b = SyntheticIdNumbers::StartFor(t + absl::Seconds(1));
  EXPECT_EQ((b - a + SyntheticIdNumbers::kSpace) % SyntheticIdNumbers::kSpace,
            SyntheticIdNumbers::kStartStride);
  EXPECT_GE(a, 0);
  EXPECT_LT(a, SyntheticIdNumbers::kSpace);
}

}  // namespace
}  // namespace rehab::bench
