#include "tools/rehabctl/table.h"

#include <sstream>

#include "gtest/gtest.h"

namespace rehab::rehabctl {
namespace {

TEST(DisplayWidthTest, CountsWideCharactersTwice) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("王小明"), 6u);
  EXPECT_EQ(DisplayWidth("Li 明"), 5u);
  EXPECT_EQ(DisplayWidth("e\xCC\x81"), 1u);  // e + combining acute
  EXPECT_EQ(DisplayWidth("\xff"), 1u);
}

TEST(TableTest, AlignsColumnsByDisplayWidth) {
  Table table({"NAME", "ID"});
  table.AddRow({"王小明", "1"});
  table.AddRow({"Li", "22"});
  std::ostringstream out;

  table.Print(out);

  EXPECT_EQ(out.str(),
            "NAME    ID\n"
            "王小明  1\n"
            "Li      22\n");
}

TEST(TableTest, PrintsRowsWithoutAHeaderAndPadsShortRows) {
  Table table({});
  table.AddRow({"name", "Wang"});
  table.AddRow({"guardian.phone"});
  std::ostringstream out;

  table.Print(out);

  EXPECT_EQ(out.str(),
            "name            Wang\n"
            "guardian.phone\n");
}

}  // namespace
}  // namespace rehab::rehabctl
