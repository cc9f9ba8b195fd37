#include "server/domain/page_token.h"

#include <string>

#include "gtest/gtest.h"
#include "server/common/errors.h"

namespace rehab {
namespace {

void ExpectRefusedToken(const absl::StatusOr<std::string>& decoded) {
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<FieldViolation> violations = FieldViolationsOf(decoded.status());
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "page_token");
}

TEST(PageTokenTest, RoundTripsTheKey) {
  for (const std::string& key :
       {std::string("3f1c9c52-5d0e-4f4b-9a55-0c1f8f1e2a10"),
        std::string("320831100|zhang"), std::string("a\0b", 3),
        std::string(500, 'k')}) {
    const std::string token = EncodePageToken("ListPatients", key);
    absl::StatusOr<std::string> decoded =
        DecodePageToken("ListPatients", token);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, key);
  }
}

TEST(PageTokenTest, TokenIsOpaqueAndUrlSafe) {
  const std::string token =
      EncodePageToken("ListPatients", "320831100201/?+key");
  EXPECT_EQ(token.find("320831"), std::string::npos);
  EXPECT_EQ(token.find_first_of("+/= |"), std::string::npos) << token;
}

TEST(PageTokenTest, EmptyTokenMeansTheFirstPage) {
  absl::StatusOr<std::string> decoded = DecodePageToken("ListAreas", "");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, "");
}

TEST(PageTokenTest, RefusesATokenOfAnotherList) {
  const std::string token = EncodePageToken("ListPatients", "key-1");
  ExpectRefusedToken(DecodePageToken("ListEnrollments", token));
  // A list whose name extends another's is still another list.
  ExpectRefusedToken(DecodePageToken("ListPatientsX", token));
  ExpectRefusedToken(DecodePageToken("ListPatient", token));
}

TEST(PageTokenTest, RefusesGarbage) {
  ExpectRefusedToken(DecodePageToken("ListPatients", "not a token!"));
  ExpectRefusedToken(DecodePageToken("ListPatients", "aGVsbG8"));  // "hello"
  const std::string token = EncodePageToken("ListPatients", "key-1");
  ExpectRefusedToken(DecodePageToken("ListPatients", "x" + token));
}

TEST(PageTokenTest, EffectivePageSizeDefaultsAndCaps) {
  EXPECT_EQ(*EffectivePageSize(0), kDefaultPageSize);
  EXPECT_EQ(*EffectivePageSize(1), 1);
  EXPECT_EQ(*EffectivePageSize(kMaxPageSize), kMaxPageSize);
  EXPECT_EQ(*EffectivePageSize(kMaxPageSize + 1), kMaxPageSize);
}

TEST(PageTokenTest, NegativePageSizeIsRefused) {
  absl::StatusOr<int32_t> size = EffectivePageSize(-1);
  ASSERT_FALSE(size.ok());
  EXPECT_EQ(size.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(FieldViolationsOf(size.status()).size(), 1u);
  EXPECT_EQ(FieldViolationsOf(size.status())[0].field, "page_size");
}

}  // namespace
}  // namespace rehab
