#include "tools/rehabctl/proto_text.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rehab/v1/contract.pb.h"
#include "rehab/v1/directory.pb.h"
#include "rehab/v1/patient.pb.h"

namespace rehab::rehabctl {
namespace {

using ::testing::HasSubstr;

TEST(EnumLabelTest, DropsTheEnumPrefixAndLowerCases) {
  EXPECT_EQ(EnumLabel(rehab::v1::Role_descriptor()->FindValueByNumber(
                rehab::v1::ROLE_FAMILY_DOCTOR)),
            "family_doctor");
  EXPECT_EQ(EnumLabel(rehab::v1::Role_descriptor()->FindValueByNumber(0)), "");
}

TEST(ParseEnumLabelTest, AcceptsLabelsFullNamesAndNumbers) {
  const auto* type = rehab::v1::FacilityType_descriptor();
  EXPECT_EQ(*ParseEnumLabel(type, "rehab_station"),
            rehab::v1::FACILITY_TYPE_REHAB_STATION);
  EXPECT_EQ(*ParseEnumLabel(type, "Rehab-Station"),
            rehab::v1::FACILITY_TYPE_REHAB_STATION);
  EXPECT_EQ(*ParseEnumLabel(type, "FACILITY_TYPE_CLINIC"),
            rehab::v1::FACILITY_TYPE_CLINIC);
  EXPECT_EQ(*ParseEnumLabel(rehab::v1::DisabilityCategory_descriptor(), "6"),
            rehab::v1::DISABILITY_CATEGORY_PSYCHIATRIC);
}

TEST(ParseEnumLabelTest, RefusesUnknownAndUnspecifiedValuesListingChoices) {
  const auto* type = rehab::v1::Role_descriptor();
  absl::StatusOr<int> unknown = ParseEnumLabel(type, "janitor");
  EXPECT_THAT(unknown.status().message(),
              HasSubstr("admin|supervisor|family_doctor|facility_staff|"
                        "patient|kiosk"));
  EXPECT_FALSE(ParseEnumLabel(type, "unspecified").ok());
  EXPECT_FALSE(ParseEnumLabel(type, "0").ok());
}

TEST(FieldTextTest, ReadsNestedFieldsEnumsAndRepeatedFields) {
  rehab::v1::Patient patient;
  patient.set_name("Wang");
  patient.set_disability_category(rehab::v1::DISABILITY_CATEGORY_VISUAL);
  patient.set_disability_grade(2);
  patient.mutable_guardian()->set_phone("555");
  patient.mutable_create_time()->set_seconds(0);
  rehab::v1::Account account;
  account.add_ward_ids("p1");
  account.add_ward_ids("p2");

  EXPECT_EQ(FieldText(patient, "name"), "Wang");
  EXPECT_EQ(FieldText(patient, "disability_category"), "visual");
  EXPECT_EQ(FieldText(patient, "disability_grade"), "2");
  EXPECT_EQ(FieldText(patient, "guardian.phone"), "555");
  EXPECT_EQ(FieldText(patient, "create_time"), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FieldText(patient, "update_time"), "");
  EXPECT_EQ(FieldText(patient, "no_such_field"), "");
  EXPECT_EQ(FieldText(account, "ward_ids"), "p1,p2");
}

TEST(SetFieldsTest, FlattensNestedMessagesInFieldOrder) {
  rehab::v1::Patient patient;
  patient.set_phone("1");
  patient.set_name("Wang");
  patient.mutable_guardian()->set_name("Li");

  std::vector<std::pair<std::string, std::string>> fields = SetFields(patient);

  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0], (std::pair<std::string, std::string>{"name", "Wang"}));
  EXPECT_EQ(fields[1], (std::pair<std::string, std::string>{"phone", "1"}));
  EXPECT_EQ(fields[2],
            (std::pair<std::string, std::string>{"guardian.name", "Li"}));
}

TEST(SetFieldsTest, FlattensRepeatedMessagesByIndexKeepingChinese) {
  rehab::v1::Contract contract;
  contract.set_patient_id("p1");
  rehab::v1::ContractItem* first = contract.add_items();
  first->set_code("basic_care");
  first->set_name("基本医疗");
  rehab::v1::ContractItem* second = contract.add_items();
  second->set_code("home_visit");
  second->set_visits_per_year(4);

  std::vector<std::pair<std::string, std::string>> fields = SetFields(contract);

  using Field = std::pair<std::string, std::string>;
  EXPECT_THAT(fields,
              ::testing::ElementsAre(Field{"patient_id", "p1"},
                                     Field{"items[0].code", "basic_care"},
                                     Field{"items[0].name", "基本医疗"},
                                     Field{"items[1].code", "home_visit"},
                                     Field{"items[1].visits_per_year", "4"}));
  EXPECT_EQ(FieldText(contract, "items"),
            "code: \"basic_care\" name: \"基本医疗\",code: \"home_visit\" "
            "visits_per_year: 4");
}

TEST(ToJsonTest, UsesTheProtoFieldNamesOnOneLine) {
  rehab::v1::Patient patient;
  patient.set_id_number("X");
  patient.set_sex(rehab::v1::SEX_FEMALE);

  EXPECT_EQ(ToJson(patient), R"({"id_number":"X","sex":"SEX_FEMALE"})");
}

}  // namespace
}  // namespace rehab::rehabctl
