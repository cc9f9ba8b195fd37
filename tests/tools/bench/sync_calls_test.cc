// PushCalls and PullCalls against an in-process stand-in for SyncService.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "rehab/v1/sync.grpc.pb.h"
#include "tools/bench/load_driver.h"
#include "tools/bench/pull_calls.h"
#include "tools/bench/push_calls.h"
#include "tools/bench/synthetic_id_numbers.h"

namespace rehab::bench {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kToken[] = "test-token";
constexpr char kAreaId[] = "0b0c0d0e-0000-4000-8000-000000000001";

// A feed of `feed_size` changes; the sync token is the offset of the next
// one. Push answers every item APPLIED, except item `reject_item` of every
// batch (when >= 0), which is REJECTED as ALREADY_EXISTS.
class FakeSync final : public rehab::v1::SyncService::CallbackService {
 public:
  FakeSync(int feed_size, int reject_item)
      : feed_size_(feed_size), reject_item_(reject_item) {}

  grpc::ServerUnaryReactor* Pull(grpc::CallbackServerContext* context,
                                 const rehab::v1::PullRequest* request,
                                 rehab::v1::PullResponse* response) override {
    Note(*context);
    int offset = 0;
    if (!request->sync_token().empty()) {
      EXPECT_TRUE(absl::SimpleAtoi(request->sync_token(), &offset));
    }
    {
      absl::MutexLock lock(&mu_);
      pull_tokens_.push_back(request->sync_token());
      page_sizes_.insert(request->page_size());
    }
    const int end = std::min(feed_size_, offset + request->page_size());
    for (int i = offset; i < end; ++i) {
      rehab::v1::Change& change = *response->add_changes();
      change.set_change_seq(i + 1);
      change.set_kind(rehab::v1::CHANGE_KIND_UPSERT);
      change.set_collection("patients");
      change.set_id(absl::StrCat("p", i));
    }
    response->set_sync_token(absl::StrCat(end));
    response->set_caught_up(end == feed_size_);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* Push(grpc::CallbackServerContext* context,
                                 const rehab::v1::PushRequest* request,
                                 rehab::v1::PushResponse* response) override {
    Note(*context);
    for (int i = 0; i < request->mutations_size(); ++i) {
      const rehab::v1::Mutation& mutation = request->mutations(i);
      {
        absl::MutexLock lock(&mu_);
        mutation_ids_.insert(mutation.mutation_id());
        id_numbers_.insert(mutation.patient().id_number());
      }
      rehab::v1::MutationResult& result = *response->add_results();
      result.set_mutation_id(mutation.mutation_id());
      if (i == reject_item_) {
        result.set_outcome(rehab::v1::OUTCOME_REJECTED);
        result.mutable_status()->set_code(
            static_cast<int>(grpc::StatusCode::ALREADY_EXISTS));
        result.mutable_status()->set_message("id_number taken");
      } else {
        result.set_outcome(rehab::v1::OUTCOME_APPLIED);
        result.set_version(1);
      }
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  std::vector<std::string> pull_tokens() {
    absl::MutexLock lock(&mu_);
    return pull_tokens_;
  }
  std::set<int> page_sizes() {
    absl::MutexLock lock(&mu_);
    return page_sizes_;
  }
  size_t distinct_mutation_ids() {
    absl::MutexLock lock(&mu_);
    return mutation_ids_.size();
  }
  size_t distinct_id_numbers() {
    absl::MutexLock lock(&mu_);
    return id_numbers_.size();
  }
  std::set<std::string> authorizations() {
    absl::MutexLock lock(&mu_);
    return authorizations_;
  }

 private:
  void Note(const grpc::CallbackServerContext& context) {
    absl::MutexLock lock(&mu_);
    for (const auto& [key, value] : context.client_metadata()) {
      if (key == "authorization") {
        authorizations_.insert(std::string(value.data(), value.size()));
      }
    }
  }

  const int feed_size_;
  const int reject_item_;
  absl::Mutex mu_;
  std::vector<std::string> pull_tokens_ ABSL_GUARDED_BY(mu_);
  std::set<int> page_sizes_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> mutation_ids_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> id_numbers_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> authorizations_ ABSL_GUARDED_BY(mu_);
};

class SyncCallsTest : public ::testing::Test {
 protected:
  void Serve(int feed_size, int reject_item) {
    service_ = std::make_unique<FakeSync>(feed_size, reject_item);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channels_.push_back(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  static LoadOptions Calls(int in_flight, int64_t max_calls) {
    LoadOptions options;
    options.in_flight = in_flight;
    options.warmup = absl::ZeroDuration();
    options.duration = absl::Seconds(30);
    options.max_calls = max_calls;
    return options;
  }

  template <typename Calls>
  static CallStarter StarterOf(std::shared_ptr<Calls> calls) {
    return [calls](int slot, CallDone done) {
      calls->Start(slot, std::move(done));
    };
  }

  std::unique_ptr<FakeSync> service_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
};

TEST_F(SyncCallsTest, PullWalksTheFeedToCaughtUpThenStartsOver) {
  Serve(/*feed_size=*/4500, /*reject_item=*/-1);
  auto calls =
      std::make_shared<PullCalls>(channels_, kToken, 1, absl::Seconds(10));
  const LoadResult result = RunLoad(Calls(1, 7), StarterOf(calls));
  EXPECT_EQ(result.ok, 7);
  // Pages of 2000, 2000, 500 changes; twice; then 2000 of the third walk.
  EXPECT_EQ(result.records, 2 * 4500 + 2000);
  EXPECT_THAT(service_->pull_tokens(),
              ElementsAre("", "2000", "4000", "", "2000", "4000", ""));
  EXPECT_THAT(service_->page_sizes(), ElementsAre(kPullPageSize));
  const PullCalls::Passes passes = calls->passes();
  EXPECT_EQ(passes.completed, 2);
  EXPECT_EQ(passes.changes, 4500);
  EXPECT_EQ(passes.pages, 3);
  EXPECT_THAT(service_->authorizations(), ElementsAre("Bearer test-token"));
}

TEST_F(SyncCallsTest, PullSlotsKeepTheirOwnTokens) {
  Serve(/*feed_size=*/2500, /*reject_item=*/-1);
  auto calls =
      std::make_shared<PullCalls>(channels_, kToken, 4, absl::Seconds(10));
  const LoadResult result = RunLoad(Calls(4, 400), StarterOf(calls));
  EXPECT_EQ(result.ok, 400);
  // Each walk is two pages: 2000 then 500. A slot that followed another
  // slot's token would skip or repeat pages.
  EXPECT_EQ(calls->passes().changes, 2500);
  EXPECT_EQ(calls->passes().pages, 2);
  int64_t first_pages = 0, second_pages = 0;
  for (const std::string& token : service_->pull_tokens()) {
    if (token.empty()) {
      ++first_pages;
    } else {
      EXPECT_EQ(token, "2000");
      ++second_pages;
    }
  }
  EXPECT_EQ(first_pages + second_pages, 400);
  EXPECT_EQ(result.records, first_pages * 2000 + second_pages * 500);
}

TEST_F(SyncCallsTest, PushCountsAppliedItemsAsRecords) {
  Serve(/*feed_size=*/0, /*reject_item=*/-1);
  SyntheticIdNumbers ids(0);
  auto calls = std::make_shared<PushCalls>(channels_, kToken, kAreaId, &ids,
                                           absl::Seconds(10));
  const LoadResult result = RunLoad(Calls(2, 4), StarterOf(calls));
  EXPECT_EQ(result.ok, 4);
  EXPECT_EQ(result.records, 4 * kPushBatchSize);
  EXPECT_EQ(service_->distinct_mutation_ids(), 4u * kPushBatchSize);
  EXPECT_EQ(service_->distinct_id_numbers(), 4u * kPushBatchSize);
  const PushTally totals = calls->Totals();
  EXPECT_EQ(totals.mutations, 4 * kPushBatchSize);
  EXPECT_EQ(totals.applied, 4 * kPushBatchSize);
  EXPECT_EQ(totals.rejected, 0);
  EXPECT_TRUE(totals.first_failure.empty());
  EXPECT_THAT(service_->authorizations(), ElementsAre("Bearer test-token"));
}

TEST_F(SyncCallsTest, PushFailsEveryBatchWithARejectedItem) {
  Serve(/*feed_size=*/0, /*reject_item=*/7);
  SyntheticIdNumbers ids(0);
  auto calls = std::make_shared<PushCalls>(channels_, kToken, kAreaId, &ids,
                                           absl::Seconds(10));
  const LoadResult result = RunLoad(Calls(1, 3), StarterOf(calls));
  EXPECT_EQ(result.ok, 0);
  EXPECT_EQ(result.records, 0);
  EXPECT_EQ(result.errors.at(grpc::StatusCode::ALREADY_EXISTS), 3);
  const PushTally totals = calls->Totals();
  EXPECT_EQ(totals.rejected, 3);
  EXPECT_EQ(totals.applied, 3 * (kPushBatchSize - 1));
  EXPECT_THAT(totals.first_failure, HasSubstr("item 7: ALREADY_EXISTS"));
  EXPECT_THAT(totals.first_failure, HasSubstr("id_number taken"));
}

}  // namespace
}  // namespace rehab::bench
