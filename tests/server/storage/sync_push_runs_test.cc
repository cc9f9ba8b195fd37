// Push against the SQLite store: the batch is applied in runs under one
// savepoint each, and a run with a failing mutation is applied again one
// mutation at a time (SyncManager::ApplyRun).
#include <memory>
#include <string>
#include <vector>

#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "rehab/v1/sync.pb.h"
#include "server/common/clock.h"
#include "server/common/errors.h"
#include "server/common/ids.h"
#include "server/common/status_macros.h"
#include "server/domain/patient_manager.h"
#include "server/domain/sync_collections.h"
#include "server/domain/sync_manager.h"
#include "tests/server/domain/domain_test_util.h"
#include "tests/server/storage/store_test_util.h"

namespace rehab {
namespace {

using ::rehab::v1::Mutation;
using ::rehab::v1::MutationResult;
using ::rehab::v1::PushRequest;
using ::rehab::v1::PushResponse;

std::string ReasonOf(const MutationResult& result) {
  for (const google::protobuf::Any& any : result.status().details()) {
    google::rpc::ErrorInfo info;
    if (any.type_url() == kErrorInfoTypeUrl && any.UnpackTo(&info)) {
      return info.reason();
    }
  }
  return "";
}

class SyncPushRunsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = storage_test::OpenStoreOrDie(dir_.File("rehab.db"));
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(domain_test::PutModelCounty(*store_).ok());
  }

  static Mutation Create(int sequence, const std::string& id_number) {
    Mutation m;
    m.set_mutation_id(NewUuid());
    rehab::v1::Patient* p = m.mutable_patient();
    p->set_id(NameUuid("sync-runs-test", std::to_string(sequence)));
    p->set_name("Patient");
    p->set_id_number(id_number);
    p->set_area_id(domain_test::kVillage1);
    p->set_facility_id(domain_test::kStation1);
    return m;
  }

  int64_t StoredPatients() {
    int64_t count = -1;
    EXPECT_TRUE(store_
                    ->Read([&](ReadTxn& txn) -> absl::Status {
                      ASSIGN_OR_RETURN(count, txn.CountPatients());
                      return absl::OkStatus();
                    })
                    .ok());
    return count;
  }

  int64_t LastChangeSeq() {
    int64_t last = -1;
    EXPECT_TRUE(store_
                    ->Read([&](ReadTxn& txn) -> absl::Status {
                      ASSIGN_OR_RETURN(last, txn.LastChangeSeq());
                      return absl::OkStatus();
                    })
                    .ok());
    return last;
  }

  storage_test::TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
  FakeClock clock_{domain_test::kStart};
};

TEST_F(SyncPushRunsTest, AMutationFailingMidRunFailsAloneAndTheRestApplyOnce) {
  PatientManager patients(store_.get(), &clock_, absl::FixedTimeZone(8 * 3600));
  SyncCollections collections(SyncManagers{&patients});
  SyncManager sync(store_.get(), &clock_, &collections);
  const int64_t seq_before = LastChangeSeq();

  // 100 creates; the 41st takes the 11th's ID number, which is refused
  // only inside the transaction, in the middle of a run.
  constexpr int kCount = 100;
  constexpr int kTaken = 10;
  constexpr int kRefused = 40;
  PushRequest request;
  for (int i = 0; i < kCount; ++i) {
    const int number = i == kRefused ? kTaken + 1 : i + 1;
    *request.add_mutations() =
        Create(i + 1, domain_test::IdNumber("19800101", number));
  }
  absl::StatusOr<PushResponse> response =
      sync.Push(domain_test::Admin(), request);
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->results_size(), kCount);
  int64_t expected_seq = seq_before;
  for (int i = 0; i < kCount; ++i) {
    const MutationResult& r = response->results(i);
    EXPECT_EQ(r.mutation_id(), request.mutations(i).mutation_id());
    if (i == kRefused) {
      EXPECT_EQ(r.outcome(), rehab::v1::OUTCOME_REJECTED);
      EXPECT_EQ(ReasonOf(r), kReasonDuplicateIdNumber);
      continue;
    }
    EXPECT_EQ(r.outcome(), rehab::v1::OUTCOME_APPLIED) << i;
    // The refused mutation and the undone run leave no gap in the feed.
    EXPECT_EQ(r.change_seq(), ++expected_seq) << i;
  }
  EXPECT_EQ(StoredPatients(), kCount - 1);
  EXPECT_EQ(LastChangeSeq(), expected_seq);

  // The retry: the applied ones are duplicates with their first results,
  // the refused one is judged afresh and refused again.
  absl::StatusOr<PushResponse> retry = sync.Push(domain_test::Admin(), request);
  ASSERT_TRUE(retry.ok()) << retry.status();
  ASSERT_EQ(retry->results_size(), kCount);
  for (int i = 0; i < kCount; ++i) {
    const MutationResult& r = retry->results(i);
    if (i == kRefused) {
      EXPECT_EQ(r.outcome(), rehab::v1::OUTCOME_REJECTED);
      continue;
    }
    EXPECT_EQ(r.outcome(), rehab::v1::OUTCOME_DUPLICATE) << i;
    EXPECT_EQ(r.change_seq(), response->results(i).change_seq()) << i;
  }
  EXPECT_EQ(StoredPatients(), kCount - 1);
  EXPECT_EQ(LastChangeSeq(), expected_seq);
}

}  // namespace
}  // namespace rehab
