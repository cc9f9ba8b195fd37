#include "tools/rehabctl/args.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rehab::rehabctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::vector<FlagSpec> kSpecs = {
    {"name", FlagSpec::kValue, true},
    {"ward", FlagSpec::kRepeated},
    {"all", FlagSpec::kSwitch},
    {"limit", FlagSpec::kValue},
};

TEST(ArgsTest, ReadsValuesSwitchesRepeatsAndPositionals) {
  absl::StatusOr<Args> args = Args::Parse(
      {"ID-1", "--name", "Wang Ming", "--ward=a", "--all", "--ward", "b"},
      kSpecs, 1, 1);

  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(args->Get("name"), "Wang Ming");
  EXPECT_THAT(args->GetAll("ward"), ElementsAre("a", "b"));
  EXPECT_TRUE(args->Has("all"));
  EXPECT_FALSE(args->Has("limit"));
  EXPECT_EQ(args->GetOr("limit", "100"), "100");
  EXPECT_THAT(args->positional(), ElementsAre("ID-1"));
}

TEST(ArgsTest, RefusesWhatTheCommandDoesNotTake) {
  auto message = [](std::vector<std::string> words) {
    return std::string(Args::Parse(words, kSpecs, 0, 0).status().message());
  };
  EXPECT_THAT(message({"--name", "a", "--bogus", "1"}),
              HasSubstr("unknown flag --bogus"));
  EXPECT_THAT(message({"--name"}), HasSubstr("needs a value"));
  EXPECT_THAT(message({"--name", "a", "--all=yes"}),
              HasSubstr("takes no value"));
  EXPECT_THAT(message({"--name", "a", "--name", "b"}),
              HasSubstr("given twice"));
  EXPECT_THAT(message({"--limit", "3"}), HasSubstr("--name is required"));
  EXPECT_THAT(message({"--name", "a", "extra"}),
              HasSubstr("unexpected argument \"extra\""));
  EXPECT_THAT(
      std::string(
          Args::Parse({"--name", "a"}, kSpecs, 1, 1).status().message()),
      HasSubstr("missing argument"));
}

}  // namespace
}  // namespace rehab::rehabctl
