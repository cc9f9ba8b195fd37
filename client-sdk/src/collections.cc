#include "client-sdk/src/collections.h"

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "rehab/v1/contract.pb.h"
#include "rehab/v1/patient.pb.h"
#include "rehab/v1/report.pb.h"

namespace rehab::client::internal {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using rehab::v1::Alert;
using rehab::v1::Change;
using rehab::v1::Contract;
using rehab::v1::Enrollment;
using rehab::v1::FollowUp;
using rehab::v1::Mutation;
using rehab::v1::Patient;
using rehab::v1::Visit;

// Field numbers of the common resource fields (rehab/v1/common.proto).
constexpr int kIdField = 1;
constexpr int kVersionField = 2;
constexpr int kChangeSeqField = 6;

RecordKeys PatientKeys(const Message& record) {
  const Patient& p = static_cast<const Patient&>(record);
  return {p.id(), p.name(), p.area_id(), p.disability_card_number()};
}

RecordKeys EnrollmentKeys(const Message& record) {
  const Enrollment& e = static_cast<const Enrollment&>(record);
  return {e.patient_id(), "", "", ""};
}

RecordKeys ContractKeys(const Message& record) {
  return {static_cast<const Contract&>(record).patient_id(), "", "", ""};
}

RecordKeys VisitKeys(const Message& record) {
  return {static_cast<const Visit&>(record).patient_id(), "", "", ""};
}

RecordKeys AlertKeys(const Message& record) {
  return {static_cast<const Alert&>(record).patient_id(), "", "", ""};
}

RecordKeys FollowUpKeys(const Message& record) {
  return {static_cast<const FollowUp&>(record).patient_id(), "", "", ""};
}

const FieldDescriptor* OneofMember(const Descriptor* descriptor,
                                   const Collection& collection) {
  return descriptor->FindFieldByNumber(collection.field_number);
}

const FieldDescriptor* CommonField(const Message& record, int number) {
  return record.GetDescriptor()->FindFieldByNumber(number);
}

}  // namespace

const std::vector<Collection>& Collections() {
  static const std::vector<Collection>* const collections =
      new std::vector<Collection>{
          {"patients", Mutation::kPatientFieldNumber, Writes::kCreateAndUpdate,
           &PatientKeys},
          {"enrollments", Mutation::kEnrollmentFieldNumber,
           Writes::kCreateAndUpdate, &EnrollmentKeys},
          {"contracts", Mutation::kContractFieldNumber, Writes::kCreate,
           &ContractKeys},
          {"visits", Mutation::kVisitFieldNumber, Writes::kCreate, &VisitKeys},
          {"alerts", Change::kAlertFieldNumber, Writes::kNone, &AlertKeys},
          {"follow_ups", Change::kFollowUpFieldNumber, Writes::kNone,
           &FollowUpKeys},
      };
  return *collections;
}

const Collection* FindCollection(std::string_view name) {
  for (const Collection& c : Collections()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const Collection* FindCollectionByField(int field_number) {
  for (const Collection& c : Collections()) {
    if (c.field_number == field_number) return &c;
  }
  return nullptr;
}

const Collection* CollectionOf(const Mutation& mutation) {
  return FindCollectionByField(static_cast<int>(mutation.record_case()));
}

const Message& RecordIn(const Mutation& mutation,
                        const Collection& collection) {
  return mutation.GetReflection()->GetMessage(
      mutation, OneofMember(Mutation::descriptor(), collection));
}

Message* MutableRecordIn(Mutation& mutation, const Collection& collection) {
  return mutation.GetReflection()->MutableMessage(
      &mutation, OneofMember(Mutation::descriptor(), collection));
}

const Message* RecordIn(const Change& change, const Collection& collection) {
  if (static_cast<int>(change.record_case()) != collection.field_number) {
    return nullptr;
  }
  return &change.GetReflection()->GetMessage(
      change, OneofMember(Change::descriptor(), collection));
}

Message* MutableRecordIn(Change& change, const Collection& collection) {
  return change.GetReflection()->MutableMessage(
      &change, OneofMember(Change::descriptor(), collection));
}

std::unique_ptr<Message> ParseRecord(const Collection& collection,
                                     std::string_view bytes) {
  // Change.record has a member for every type, Mutation.record only for
  // those devices write.
  const FieldDescriptor* member = OneofMember(Change::descriptor(), collection);
  std::unique_ptr<Message> record(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(member->message_type())
          ->New());
  if (!record->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return nullptr;
  }
  return record;
}

std::string RecordId(const Message& record) {
  return record.GetReflection()->GetString(record,
                                           CommonField(record, kIdField));
}

void SetRecordId(Message& record, const std::string& id) {
  record.GetReflection()->SetString(&record, CommonField(record, kIdField), id);
}

int64_t RecordVersion(const Message& record) {
  return record.GetReflection()->GetInt64(record,
                                          CommonField(record, kVersionField));
}

void SetRecordVersion(Message& record, int64_t version) {
  record.GetReflection()->SetInt64(&record, CommonField(record, kVersionField),
                                   version);
}

void SetRecordChangeSeq(Message& record, int64_t change_seq) {
  record.GetReflection()->SetInt64(
      &record, CommonField(record, kChangeSeqField), change_seq);
}

}  // namespace rehab::client::internal
