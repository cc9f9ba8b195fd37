#include "client-sdk/src/collections.h"

#include <set>
#include <string>

#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
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
    EXPECT_EQ(numbers.count(c.field_number), 1u) << c.name;
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
    EXPECT_EQ(in_change->message_type(), in_mutation->message_type());
    EXPECT_EQ(FindCollection(c.name), &c);
  }
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
