#include "tools/rehabctl/csv.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rehab::rehabctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(ParseCsvTest, SplitsPlainFieldsAndLines) {
  std::vector<CsvRecord> records = ParseCsv("a,b,c\n1,,3\n");

  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[0].fields, ElementsAre("a", "b", "c"));
  EXPECT_THAT(records[1].fields, ElementsAre("1", "", "3"));
  EXPECT_EQ(records[1].line, 2);
  EXPECT_THAT(records[1].error, IsEmpty());
}

TEST(ParseCsvTest, KeepsCommasQuotesAndLineBreaksInsideQuotes) {
  std::vector<CsvRecord> records = ParseCsv(
      "name,address\n"
      "\"Wang, Ming\",\"Room 3\n2 \"\"East\"\" Road\"\n"
      "Li,here\n");

  ASSERT_EQ(records.size(), 3u);
  EXPECT_THAT(records[1].fields,
              ElementsAre("Wang, Ming", "Room 3\n2 \"East\" Road"));
  EXPECT_EQ(records[1].line, 2);
  // The quoted line break moved the next record down a line.
  EXPECT_EQ(records[2].line, 4);
  EXPECT_THAT(records[2].fields, ElementsAre("Li", "here"));
}

TEST(ParseCsvTest, AcceptsCrlfLineEndingsAndAByteOrderMark) {
  std::vector<CsvRecord> records =
      ParseCsv("\xEF\xBB\xBFname,phone\r\nWang,123\r\n\"Li\",\"4\r\n5\"\r\n");

  ASSERT_EQ(records.size(), 3u);
  EXPECT_THAT(records[0].fields, ElementsAre("name", "phone"));
  EXPECT_THAT(records[1].fields, ElementsAre("Wang", "123"));
  EXPECT_THAT(records[2].fields, ElementsAre("Li", "4\r\n5"));
}

TEST(ParseCsvTest, ReadsALastLineWithoutALineBreak) {
  std::vector<CsvRecord> records = ParseCsv("a,b\n1,2");

  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[1].fields, ElementsAre("1", "2"));
}

TEST(ParseCsvTest, FlagsAnUnterminatedQuote) {
  std::vector<CsvRecord> records = ParseCsv("a,b\n1,\"open\n2,3\n");

  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[1].error, HasSubstr("unterminated"));
}

TEST(ParseCsvTest, FlagsTextAfterAClosingQuoteAndReadsOn) {
  std::vector<CsvRecord> records = ParseCsv("\"a\"b,c\nd,e\n");

  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[0].error, HasSubstr("after a closing quote"));
  EXPECT_THAT(records[1].error, IsEmpty());
  EXPECT_THAT(records[1].fields, ElementsAre("d", "e"));
}

TEST(CsvTableTest, FindsFieldsByColumnNameInAnyCase) {
  absl::StatusOr<CsvTable> table =
      CsvTable::Parse(" Name ,ID_Number\nWang,1101\n\nLi,3701\n");

  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_THAT(table->columns(), ElementsAre("name", "id_number"));
  ASSERT_EQ(table->rows().size(), 2u);  // the blank line is skipped
  EXPECT_EQ(table->Field(table->rows()[1], "id_number"), "3701");
  EXPECT_EQ(table->rows()[1].line, 4);
  EXPECT_EQ(table->Field(table->rows()[1], "phone"), "");
  EXPECT_FALSE(table->HasColumn("phone"));
}

TEST(CsvTableTest, FlagsARowWithMissingColumns) {
  absl::StatusOr<CsvTable> table =
      CsvTable::Parse("name,id_number,phone\nWang,1101\nLi,3701,555\n");

  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_EQ(table->rows().size(), 2u);
  EXPECT_THAT(table->rows()[0].error,
              HasSubstr("2 fields where the header has 3"));
  EXPECT_EQ(table->Field(table->rows()[0], "phone"), "");
  EXPECT_THAT(table->rows()[1].error, IsEmpty());
}

TEST(CsvTableTest, RefusesAMissingOrBrokenHeader) {
  EXPECT_FALSE(CsvTable::Parse("").ok());
  EXPECT_FALSE(CsvTable::Parse("\n\n").ok());
  EXPECT_FALSE(CsvTable::Parse("name,,phone\n").ok());
  absl::StatusOr<CsvTable> twice = CsvTable::Parse("name,NAME\n");
  EXPECT_THAT(twice.status().message(), HasSubstr("twice"));
}

}  // namespace
}  // namespace rehab::rehabctl
