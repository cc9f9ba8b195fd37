#include "client-sdk/src/collections.h"

#include <set>
#include <string>

#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "rehab/v1/contract.pb.h"
#include "rehab/v1/patient.pb.h"

namespace rehab::client::internal {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::OneofDescriptor;
using rehab::v1::Change;
using rehab::v1::Mutation;

TEST(CollectionsTest, EveryRecordTypeOfTheMutationOneofIsRegistered) {
  const OneofDescriptor* record =
      Mutation::descriptor()->FindOneofByName("record");
  ASSERT_NE(record, nullptr);
  std::set<int> numbers;
  for (int i = 0; i < record->field_count(); ++i) {
    const FieldDescriptor* member = record->field(i);
    numbers.insert(member->number());
    EXPECT_NE(FindCollectionByField(member->number()), nullptr)
        << "Mutation." << member->name() << " has no collection";
  }
  for (const Collection& c : Collections()) {
    // A type devices write is in Mutation; one the server derives is not.
    EXPECT_EQ(numbers.count(c.field_number),
              c.writes == Writes::kNone ? 0u : 1u)
        << c.name;
  }
}

TEST(CollectionsTest, EveryRecordTypeOfTheChangeOneofIsRegistered) {
  const OneofDescriptor* record =
      Change::descriptor()->FindOneofByName("record");
  ASSERT_NE(record, nullptr);
  for (int i = 0; i < record->field_count(); ++i) {
    EXPECT_NE(FindCollectionByField(record->field(i)->number()), nullptr)
        << "Change." << record->field(i)->name() << " has no collection";
  }
}

TEST(CollectionsTest, ChangeCarriesEachTypeUnderTheSameNumber) {
  for (const Collection& c : Collections()) {
    const FieldDescriptor* in_mutation =
        Mutation::descriptor()->FindFieldByNumber(c.field_number);
    const FieldDescriptor* in_change =
        Change::descriptor()->FindFieldByNumber(c.field_number);
    ASSERT_NE(in_change, nullptr) << c.name;
    EXPECT_EQ(in_change->containing_oneof()->name(), "record");
    if (in_mutation != nullptr) {
      EXPECT_EQ(in_change->message_type(), in_mutation->message_type());
    }
    EXPECT_EQ(FindCollection(c.name), &c);
  }
}

TEST(CollectionsTest, TheFeedNamesAreTheServers) {
  EXPECT_EQ(FindCollection("contracts")->writes, Writes::kCreate);
  EXPECT_EQ(FindCollection("visits")->writes, Writes::kCreate);
  EXPECT_EQ(FindCollection("follow_ups")->writes, Writes::kNone);
  EXPECT_EQ(FindCollection("alerts")->writes, Writes::kNone);
  EXPECT_EQ(FindCollection("patients")->writes, Writes::kCreateAndUpdate);
}

TEST(CollectionsTest, ParsesAPullOnlyRecord) {
  rehab::v1::FollowUp follow_up;
  follow_up.set_id("p-7");
  follow_up.set_patient_id("p-7");
  follow_up.set_due_date("2026-03-01");
  const Collection& c = *FindCollection("follow_ups");
  std::unique_ptr<google::protobuf::Message> parsed =
      ParseRecord(c, follow_up.SerializeAsString());
  ASSERT_NE(parsed, nullptr);
  EXPECT_EQ(RecordId(*parsed), "p-7");
  EXPECT_EQ(c.keys(*parsed).patient_id, "p-7");
}

TEST(CollectionsTest, ReadsAndStampsTheCommonFields) {
  Mutation m;
  m.mutable_enrollment()->set_patient_id("p-1");
  const Collection* c = CollectionOf(m);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->name, "enrollments");
  google::protobuf::Message& record = *MutableRecordIn(m, *c);
  SetRecordId(record, "e-1");
  SetRecordVersion(record, 3);
  SetRecordChangeSeq(record, 42);

  EXPECT_EQ(m.enrollment().id(), "e-1");
  EXPECT_EQ(RecordVersion(RecordIn(m, *c)), 3);
  EXPECT_EQ(m.enrollment().change_seq(), 42);
  EXPECT_EQ(c->keys(record).patient_id, "p-1");
  std::unique_ptr<google::protobuf::Message> parsed =
      ParseRecord(*c, record.SerializeAsString());
  ASSERT_NE(parsed, nullptr);
  EXPECT_EQ(RecordId(*parsed), "e-1");
  EXPECT_EQ(ParseRecord(*c, "\xff\xff\xff"), nullptr);
}

TEST(CollectionsTest, APatientIsKeyedByItselfItsNameAreaAndCard) {
  rehab::v1::Patient p;
  p.set_id("p-1");
  p.set_name("Wang Fang");
  p.set_area_id("a-1");
  p.set_disability_card_number("11010519491231002X41");
  const RecordKeys keys =
      FindCollectionByField(Mutation::kPatientFieldNumber)->keys(p);

  EXPECT_EQ(keys.patient_id, "p-1");
  EXPECT_EQ(keys.name, "Wang Fang");
  EXPECT_EQ(keys.area_id, "a-1");
  EXPECT_EQ(keys.card_number, "11010519491231002X41");
}

}  // namespace
}  // namespace rehab::client::internal
