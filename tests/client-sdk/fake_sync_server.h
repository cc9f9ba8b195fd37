// An in-memory SyncService (and the bits of AuthService a sync needs), for
// testing the SDK's offline part without a server: Push with the four
// outcomes, a paged change feed with tokens, tombstones and removals, token
// expiry and refresh, disabled accounts, and hooks that inject faults.
//
//   FakeSyncServer server;
//   auto stub = server.MakeStub();   // a NiceMock<MockStub> wired to it
//   Client client(options, stub);
#ifndef REHAB_TESTS_CLIENT_SDK_FAKE_SYNC_SERVER_H_
#define REHAB_TESTS_CLIENT_SDK_FAKE_SYNC_SERVER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "rehab/v1/auth.pb.h"
#include "rehab/v1/contract.pb.h"
#include "rehab/v1/report.pb.h"
#include "rehab/v1/sync.pb.h"
#include "tests/client-sdk/mock_stub.h"

namespace rehab::client::internal {

// Thread-safe.
class FakeSyncServer {
 public:
  FakeSyncServer();

  // A stub whose Login, RefreshToken, Logout, WhoAmI, Push and Pull go to
  // this server (other methods answer UNKNOWN). The server must outlive it.
  std::shared_ptr<::testing::NiceMock<MockStub>> MakeStub();

  // --- Hooks (set before calls are made) -------------------------------------
  // Runs first in Push / Pull; a non-OK status is answered instead.
  std::function<absl::Status(const rehab::v1::PushRequest&)> before_push;
  std::function<absl::Status(const rehab::v1::PullRequest&)> before_pull;
  // Runs after a Push was applied and before it is answered; a non-OK
  // status is answered instead (the reply was lost).
  std::function<absl::Status()> after_push;

  // --- Server-side state -----------------------------------------------------
  void SetTime(absl::Time t);
  // The current access token stops working (TOKEN_EXPIRED); the refresh
  // token still works.
  void ExpireAccessToken();
  // Every token stops working (TOKEN_REVOKED); refresh is refused.
  void RevokeTokens();
  // Every call, login and refresh included, answers ACCOUNT_DISABLED.
  void DisableAccount();
  // The next Pull answers RESYNC_REQUIRED whatever its token.
  void RequireResync();

  // Another device's write: stores `record` as the next version (or
  // version 1) and puts it at the head of the feed.
  void Put(const rehab::v1::Patient& patient);
  void Put(const rehab::v1::Enrollment& enrollment);
  void Put(const rehab::v1::Contract& contract);
  void Put(const rehab::v1::Visit& visit);
  void Put(const rehab::v1::FollowUp& follow_up);
  void Put(const rehab::v1::Alert& alert);
  // Moves `id` to the head of the feed as a TOMBSTONE or a
  // REMOVED_FROM_SCOPE and forgets it.
  void Remove(const std::string& collection, const std::string& id,
              rehab::v1::ChangeKind kind);

  std::optional<rehab::v1::Patient> patient(const std::string& id) const;
  int64_t record_count() const;
  // Records of one collection ("visits").
  int64_t record_count(const std::string& collection) const;
  int push_calls() const;
  int pull_calls() const;
  int refresh_calls() const;
  // Mutations received over all Push calls.
  int64_t mutations_received() const;

  // --- The RPCs --------------------------------------------------------------
  absl::StatusOr<rehab::v1::LoginResponse> Login(
      const CallContext& context, const rehab::v1::LoginRequest& request);
  absl::StatusOr<rehab::v1::LoginResponse> RefreshToken(
      const CallContext& context,
      const rehab::v1::RefreshTokenRequest& request);
  absl::StatusOr<rehab::v1::LogoutResponse> Logout(
      const CallContext& context, const rehab::v1::LogoutRequest& request);
  absl::StatusOr<rehab::v1::WhoAmIResponse> WhoAmI(
      const CallContext& context, const rehab::v1::WhoAmIRequest& request);
  absl::StatusOr<rehab::v1::PushResponse> Push(
      const CallContext& context, const rehab::v1::PushRequest& request);
  absl::StatusOr<rehab::v1::PullResponse> Pull(
      const CallContext& context, const rehab::v1::PullRequest& request);

 private:
  struct Applied {
    std::string payload;
    rehab::v1::MutationResult result;
  };
  using Key = std::pair<std::string, std::string>;  // collection, id

  absl::Status CheckToken(const CallContext& context) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  rehab::v1::LoginResponse IssueTokens() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  rehab::v1::MutationResult ApplyOne(const rehab::v1::Mutation& mutation)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Stores `change` (an UPSERT) at the head of the feed.
  void Store(rehab::v1::Change change) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  google::protobuf::Timestamp Now() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  int token_serial_ ABSL_GUARDED_BY(mu_) = 0;
  std::string access_token_ ABSL_GUARDED_BY(mu_);
  std::string refresh_token_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> expired_ ABSL_GUARDED_BY(mu_);
  bool disabled_ ABSL_GUARDED_BY(mu_) = false;
  bool resync_ ABSL_GUARDED_BY(mu_) = false;
  std::string username_ ABSL_GUARDED_BY(mu_);

  int64_t seq_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<int64_t, rehab::v1::Change> feed_ ABSL_GUARDED_BY(mu_);
  std::map<Key, int64_t> position_ ABSL_GUARDED_BY(mu_);
  std::map<Key, rehab::v1::Change> records_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Applied> applied_ ABSL_GUARDED_BY(mu_);

  int push_calls_ ABSL_GUARDED_BY(mu_) = 0;
  int pull_calls_ ABSL_GUARDED_BY(mu_) = 0;
  int refresh_calls_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t mutations_received_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace rehab::client::internal

#endif  // REHAB_TESTS_CLIENT_SDK_FAKE_SYNC_SERVER_H_
