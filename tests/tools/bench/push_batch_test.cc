#include "tools/bench/push_batch.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/ids.h"
#include "server/domain/validation.h"

namespace rehab::bench {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const absl::Time kDeviceTime = absl::FromUnixMillis(1767225600123);
constexpr char kAreaId[] = "0b0c0d0e-0000-4000-8000-000000000001";

TEST(PushBatchTest, BatchCreatesDistinctValidPatients) {
  SyntheticIdNumbers ids(1000);
  const rehab::v1::PushRequest batch =
      NewPatientBatch(kPushBatchSize, kAreaId, ids, kDeviceTime);
  ASSERT_EQ(batch.mutations_size(), 500);
  std::set<std::string> mutation_ids, patient_ids, id_numbers;
  for (const rehab::v1::Mutation& mutation : batch.mutations()) {
    EXPECT_TRUE(IsCanonicalUuid(mutation.mutation_id()));
    EXPECT_EQ(mutation.base_version(), 0);
    EXPECT_EQ(mutation.device_time().seconds(), 1767225600);
    EXPECT_EQ(mutation.device_time().nanos(), 123000000);
    ASSERT_TRUE(mutation.has_patient());
    rehab::v1::Patient patient = mutation.patient();
    EXPECT_TRUE(IsCanonicalUuid(patient.id()));
    EXPECT_EQ(patient.area_id(), kAreaId);
    EXPECT_THAT(patient.name(), StartsWith("Bench "));
    EXPECT_TRUE(ValidatePatient(patient, absl::CivilDay(2026, 1, 1)).ok())
        << patient.id_number();
    mutation_ids.insert(mutation.mutation_id());
    patient_ids.insert(patient.id());
    id_numbers.insert(patient.id_number());
  }
  EXPECT_EQ(mutation_ids.size(), 500u);
  EXPECT_EQ(patient_ids.size(), 500u);
  EXPECT_EQ(id_numbers.size(), 500u);
  // The batch takes the ID numbers from the walk, in order.
  EXPECT_EQ(batch.mutations(0).patient().id_number(),
            SyntheticIdNumbers::AtIndex(1000));
  EXPECT_EQ(ids.Next(), SyntheticIdNumbers::AtIndex(1500));
}

TEST(PushBatchTest, BatchStaysWithinThePushSizeLimit) {
  SyntheticIdNumbers ids(0);
  const rehab::v1::PushRequest batch =
      NewPatientBatch(kPushBatchSize, kAreaId, ids, kDeviceTime);
  // DESIGN.md section 6: 4 MiB of records a batch.
  EXPECT_LT(batch.ByteSizeLong(), 4u << 20);
}

TEST(PushBatchTest, ConsecutiveBatchesShareNoIds) {
  SyntheticIdNumbers ids(0);
  const rehab::v1::PushRequest a =
      NewPatientBatch(3, kAreaId, ids, kDeviceTime);
  const rehab::v1::PushRequest b =
      NewPatientBatch(3, kAreaId, ids, kDeviceTime);
  std::set<std::string> seen;
  for (const auto* batch : {&a, &b}) {
    for (const rehab::v1::Mutation& mutation : batch->mutations()) {
      seen.insert(mutation.mutation_id());
      seen.insert(mutation.patient().id());
      seen.insert(mutation.patient().id_number());
    }
  }
  EXPECT_EQ(seen.size(), 18u);
}

// The answer a server gives `request` when every item has `outcome`.
rehab::v1::PushResponse AnswerAll(const rehab::v1::PushRequest& request,
                                  rehab::v1::Outcome outcome) {
  rehab::v1::PushResponse response;
  for (const rehab::v1::Mutation& mutation : request.mutations()) {
    rehab::v1::MutationResult& result = *response.add_results();
    result.set_mutation_id(mutation.mutation_id());
    result.set_outcome(outcome);
    result.set_version(1);
  }
  return response;
}

TEST(PushBatchTest, TallyCountsAppliedAndDuplicateAsSuccess) {
  SyntheticIdNumbers ids(0);
  const rehab::v1::PushRequest request =
      NewPatientBatch(4, kAreaId, ids, kDeviceTime);
  rehab::v1::PushResponse response =
      AnswerAll(request, rehab::v1::OUTCOME_APPLIED);
  response.mutable_results(2)->set_outcome(rehab::v1::OUTCOME_DUPLICATE);
  const PushTally tally = TallyPush(request, response);
  EXPECT_EQ(tally.mutations, 4);
  EXPECT_EQ(tally.applied, 3);
  EXPECT_EQ(tally.duplicate, 1);
  EXPECT_EQ(tally.conflict, 0);
  EXPECT_EQ(tally.rejected, 0);
  EXPECT_TRUE(tally.ToStatus().ok());
}

TEST(PushBatchTest, ARejectedItemFailsTheBatchWithItsCodeAndMessage) {
  SyntheticIdNumbers ids(0);
  const rehab::v1::PushRequest request =
      NewPatientBatch(5, kAreaId, ids, kDeviceTime);
  rehab::v1::PushResponse response =
      AnswerAll(request, rehab::v1::OUTCOME_APPLIED);
  for (int i : {1, 3}) {
    rehab::v1::MutationResult& result = *response.mutable_results(i);
    result.set_outcome(rehab::v1::OUTCOME_REJECTED);
    result.mutable_status()->set_code(
        static_cast<int>(grpc::StatusCode::ALREADY_EXISTS));
    result.mutable_status()->set_message(absl::StrCat("id number taken ", i));
  }
  const PushTally tally = TallyPush(request, response);
  EXPECT_EQ(tally.applied, 3);
  EXPECT_EQ(tally.rejected, 2);
  const grpc::Status status = tally.ToStatus();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("2 REJECTED"));
  EXPECT_THAT(status.error_message(), HasSubstr("of 5 mutations"));
  EXPECT_THAT(status.error_message(), HasSubstr("item 1: ALREADY_EXISTS"));
  EXPECT_THAT(status.error_message(), HasSubstr("id number taken 1"));
}

TEST(PushBatchTest, AConflictOnACreateFailsTheBatch) {
  SyntheticIdNumbers ids(0);
  const rehab::v1::PushRequest request =
      NewPatientBatch(2, kAreaId, ids, kDeviceTime);
  rehab::v1::PushResponse response =
      AnswerAll(request, rehab::v1::OUTCOME_APPLIED);
  response.mutable_results(0)->set_outcome(rehab::v1::OUTCOME_CONFLICT);
  const PushTally tally = TallyPush(request, response);
  EXPECT_EQ(tally.conflict, 1);
  // No status in the answer: UNKNOWN.
  EXPECT_EQ(tally.ToStatus().error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_THAT(tally.ToStatus().error_message(), HasSubstr("1 CONFLICT"));
}

TEST(PushBatchTest, AMissingResultFailsTheBatch) {
  SyntheticIdNumbers ids(0);
  const rehab::v1::PushRequest request =
      NewPatientBatch(3, kAreaId, ids, kDeviceTime);
  rehab::v1::PushResponse response =
      AnswerAll(request, rehab::v1::OUTCOME_APPLIED);
  response.mutable_results()->RemoveLast();
  const PushTally tally = TallyPush(request, response);
  EXPECT_EQ(tally.applied, 2);
  EXPECT_EQ(tally.rejected, 1);
  EXPECT_EQ(tally.ToStatus().error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(tally.ToStatus().error_message(),
              HasSubstr("answered 2 results for 3 mutations"));
}

TEST(PushBatchTest, AResultForAnotherMutationFailsTheBatch) {
  SyntheticIdNumbers ids(0);
  const rehab::v1::PushRequest request =
      NewPatientBatch(2, kAreaId, ids, kDeviceTime);
  rehab::v1::PushResponse response =
      AnswerAll(request, rehab::v1::OUTCOME_APPLIED);
  response.mutable_results()->SwapElements(0, 1);
  const PushTally tally = TallyPush(request, response);
  EXPECT_EQ(tally.applied, 0);
  EXPECT_EQ(tally.rejected, 2);
  EXPECT_FALSE(tally.ToStatus().ok());
}

}  // namespace
}  // namespace rehab::bench
