#include "tests/client-sdk/fake_sync_server.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client-sdk/src/collections.h"
#include "client-sdk/src/rpc_status.h"
#include "server/common/errors.h"

namespace rehab::client::internal {
namespace {

using google::protobuf::Message;
using rehab::v1::Change;
using rehab::v1::Mutation;
using rehab::v1::MutationResult;
using ::testing::_;
using ::testing::Invoke;

absl::Status Unauthenticated(const char* reason) {
  return rehab::ErrorWithReason(absl::StatusCode::kUnauthenticated,
                                "unauthenticated", reason);
}

// The record's content without the server-owned fields.
std::string Content(const Message& record) {
  std::unique_ptr<Message> copy(record.New());
  copy->CopyFrom(record);
  SetRecordVersion(*copy, 0);
  SetRecordChangeSeq(*copy, 0);
  return copy->SerializeAsString();
}

MutationResult Refuse(const Mutation& mutation, rehab::v1::Outcome outcome,
                      const absl::Status& why) {
  MutationResult result;
  result.set_mutation_id(mutation.mutation_id());
  result.set_outcome(outcome);
  *result.mutable_status() = StatusToProto(why);
  return result;
}

// What the fake validates: a patient needs a name, an enrollment a patient.
absl::Status Validate(const Mutation& mutation) {
  if (mutation.has_patient() && mutation.patient().name().empty()) {
    return rehab::InvalidArgumentError("patient.name", "required");
  }
  if (mutation.has_enrollment() && mutation.enrollment().patient_id().empty()) {
    return rehab::InvalidArgumentError("enrollment.patient_id", "required");
  }
  return absl::OkStatus();
}

}  // namespace

FakeSyncServer::FakeSyncServer() : now_(absl::Now()) {}

std::shared_ptr<::testing::NiceMock<MockStub>> FakeSyncServer::MakeStub() {
  auto stub = std::make_shared<::testing::NiceMock<MockStub>>();
  ON_CALL(*stub, Login(_, _))
      .WillByDefault(Invoke(this, &FakeSyncServer::Login));
  ON_CALL(*stub, RefreshToken(_, _))
      .WillByDefault(Invoke(this, &FakeSyncServer::RefreshToken));
  ON_CALL(*stub, Logout(_, _))
      .WillByDefault(Invoke(this, &FakeSyncServer::Logout));
  ON_CALL(*stub, WhoAmI(_, _))
      .WillByDefault(Invoke(this, &FakeSyncServer::WhoAmI));
  ON_CALL(*stub, Push(_, _)).WillByDefault(Invoke(this, &FakeSyncServer::Push));
  ON_CALL(*stub, Pull(_, _)).WillByDefault(Invoke(this, &FakeSyncServer::Pull));
  return stub;
}

void FakeSyncServer::SetTime(absl::Time t) {
  absl::MutexLock lock(&mu_);
  now_ = t;
}

void FakeSyncServer::ExpireAccessToken() {
  absl::MutexLock lock(&mu_);
  expired_.insert(access_token_);
  access_token_.clear();
}

void FakeSyncServer::RevokeTokens() {
  absl::MutexLock lock(&mu_);
  access_token_.clear();
  refresh_token_.clear();
  expired_.clear();
}

void FakeSyncServer::DisableAccount() {
  absl::MutexLock lock(&mu_);
  disabled_ = true;
}

void FakeSyncServer::RequireResync() {
  absl::MutexLock lock(&mu_);
  resync_ = true;
}

void FakeSyncServer::Put(const rehab::v1::Patient& patient) {
  absl::MutexLock lock(&mu_);
  Change change;
  *change.mutable_patient() = patient;
  Store(std::move(change));
}

void FakeSyncServer::Put(const rehab::v1::Enrollment& enrollment) {
  absl::MutexLock lock(&mu_);
  Change change;
  *change.mutable_enrollment() = enrollment;
  Store(std::move(change));
}

void FakeSyncServer::Put(const rehab::v1::Contract& contract) {
  absl::MutexLock lock(&mu_);
  Change change;
  *change.mutable_contract() = contract;
  Store(std::move(change));
}

void FakeSyncServer::Put(const rehab::v1::Visit& visit) {
  absl::MutexLock lock(&mu_);
  Change change;
  *change.mutable_visit() = visit;
  Store(std::move(change));
}

void FakeSyncServer::Put(const rehab::v1::FollowUp& follow_up) {
  absl::MutexLock lock(&mu_);
  Change change;
  *change.mutable_follow_up() = follow_up;
  Store(std::move(change));
}

void FakeSyncServer::Put(const rehab::v1::Alert& alert) {
  absl::MutexLock lock(&mu_);
  Change change;
  *change.mutable_alert() = alert;
  Store(std::move(change));
}

void FakeSyncServer::Store(Change change) {
  const Collection* collection =
      FindCollectionByField(static_cast<int>(change.record_case()));
  Message& record = *MutableRecordIn(change, *collection);
  const Key key{std::string(collection->name), RecordId(record)};
  auto stored = records_.find(key);
  SetRecordVersion(
      record, stored == records_.end()
                  ? 1
                  : RecordVersion(*RecordIn(stored->second, *collection)) + 1);
  const int64_t seq = ++seq_;
  SetRecordChangeSeq(record, seq);
  change.set_change_seq(seq);
  change.set_kind(rehab::v1::CHANGE_KIND_UPSERT);
  change.set_collection(key.first);
  change.set_id(key.second);
  auto old = position_.find(key);
  if (old != position_.end()) feed_.erase(old->second);
  position_[key] = seq;
  feed_[seq] = change;
  records_[key] = std::move(change);
}

void FakeSyncServer::Remove(const std::string& collection,
                            const std::string& id, rehab::v1::ChangeKind kind) {
  absl::MutexLock lock(&mu_);
  const Key key{collection, id};
  auto old = position_.find(key);
  if (old != position_.end()) feed_.erase(old->second);
  const int64_t seq = ++seq_;
  Change change;
  change.set_change_seq(seq);
  change.set_kind(kind);
  change.set_collection(collection);
  change.set_id(id);
  feed_[seq] = change;
  position_[key] = seq;
  records_.erase(key);
}

std::optional<rehab::v1::Patient> FakeSyncServer::patient(
    const std::string& id) const {
  absl::MutexLock lock(&mu_);
  auto it = records_.find({"patients", id});
  if (it == records_.end()) return std::nullopt;
  return it->second.patient();
}

int64_t FakeSyncServer::record_count() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(records_.size());
}

int64_t FakeSyncServer::record_count(const std::string& collection) const {
  absl::MutexLock lock(&mu_);
  int64_t count = 0;
  for (const auto& [key, change] : records_) {
    if (key.first == collection) ++count;
  }
  return count;
}

int FakeSyncServer::push_calls() const {
  absl::MutexLock lock(&mu_);
  return push_calls_;
}

int FakeSyncServer::pull_calls() const {
  absl::MutexLock lock(&mu_);
  return pull_calls_;
}

int FakeSyncServer::refresh_calls() const {
  absl::MutexLock lock(&mu_);
  return refresh_calls_;
}

int64_t FakeSyncServer::mutations_received() const {
  absl::MutexLock lock(&mu_);
  return mutations_received_;
}

google::protobuf::Timestamp FakeSyncServer::Now() const {
  google::protobuf::Timestamp t;
  t.set_seconds(absl::ToUnixSeconds(now_));
  return t;
}

absl::Status FakeSyncServer::CheckToken(const CallContext& context) const {
  if (disabled_) return Unauthenticated(rehab::kReasonAccountDisabled);
  if (!access_token_.empty() && context.access_token == access_token_) {
    return absl::OkStatus();
  }
  if (expired_.count(context.access_token) > 0) {
    return Unauthenticated(rehab::kReasonTokenExpired);
  }
  return Unauthenticated(rehab::kReasonTokenRevoked);
}

rehab::v1::LoginResponse FakeSyncServer::IssueTokens() {
  ++token_serial_;
  access_token_ = absl::StrCat("access-", token_serial_);
  refresh_token_ = absl::StrCat("refresh-", token_serial_);
  rehab::v1::LoginResponse response;
  response.set_access_token(access_token_);
  response.set_refresh_token(refresh_token_);
  response.mutable_account()->set_id(absl::StrCat("account-", username_));
  response.mutable_account()->set_username(username_);
  return response;
}

absl::StatusOr<rehab::v1::LoginResponse> FakeSyncServer::Login(
    const CallContext&, const rehab::v1::LoginRequest& request) {
  absl::MutexLock lock(&mu_);
  if (disabled_) return Unauthenticated(rehab::kReasonAccountDisabled);
  username_ = request.username();
  return IssueTokens();
}

absl::StatusOr<rehab::v1::LoginResponse> FakeSyncServer::RefreshToken(
    const CallContext&, const rehab::v1::RefreshTokenRequest& request) {
  absl::MutexLock lock(&mu_);
  ++refresh_calls_;
  if (disabled_) return Unauthenticated(rehab::kReasonAccountDisabled);
  if (refresh_token_.empty() || request.refresh_token() != refresh_token_) {
    return Unauthenticated(rehab::kReasonTokenRevoked);
  }
  return IssueTokens();
}

absl::StatusOr<rehab::v1::LogoutResponse> FakeSyncServer::Logout(
    const CallContext&, const rehab::v1::LogoutRequest&) {
  return rehab::v1::LogoutResponse();
}

absl::StatusOr<rehab::v1::WhoAmIResponse> FakeSyncServer::WhoAmI(
    const CallContext& context, const rehab::v1::WhoAmIRequest&) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = CheckToken(context); !s.ok()) return s;
  rehab::v1::WhoAmIResponse response;
  response.mutable_account()->set_id(absl::StrCat("account-", username_));
  response.mutable_account()->set_username(username_);
  return response;
}

MutationResult FakeSyncServer::ApplyOne(const Mutation& mutation) {
  Mutation payload = mutation;
  payload.clear_mutation_id();
  payload.clear_device_time();
  const std::string hash = payload.SerializeAsString();
  auto applied = applied_.find(mutation.mutation_id());
  if (applied != applied_.end()) {
    if (applied->second.payload != hash) {
      return Refuse(mutation, rehab::v1::OUTCOME_REJECTED,
                    rehab::ErrorWithReason(absl::StatusCode::kInvalidArgument,
                                           "mutation_id reused",
                                           rehab::kReasonMutationIdReused));
    }
    MutationResult duplicate = applied->second.result;
    duplicate.set_outcome(rehab::v1::OUTCOME_DUPLICATE);
    return duplicate;
  }
  const Collection* collection = CollectionOf(mutation);
  if (absl::Status invalid = Validate(mutation); !invalid.ok()) {
    return Refuse(mutation, rehab::v1::OUTCOME_REJECTED, invalid);
  }
  const Message& record = RecordIn(mutation, *collection);
  const Key key{std::string(collection->name), RecordId(record)};
  auto stored = records_.find(key);
  MutationResult result;
  result.set_mutation_id(mutation.mutation_id());
  result.set_id(key.second);
  if (mutation.base_version() == 0 && stored != records_.end()) {
    const Message& existing = *RecordIn(stored->second, *collection);
    if (Content(existing) != Content(record)) {
      return Refuse(mutation, rehab::v1::OUTCOME_REJECTED,
                    absl::AlreadyExistsError("the id names another record"));
    }
    result.set_outcome(rehab::v1::OUTCOME_DUPLICATE);
    result.set_version(RecordVersion(existing));
    result.set_change_seq(stored->second.change_seq());
    return result;
  }
  if (mutation.base_version() > 0) {
    if (stored == records_.end()) {
      return Refuse(mutation, rehab::v1::OUTCOME_REJECTED,
                    absl::NotFoundError("no such record"));
    }
    if (RecordVersion(*RecordIn(stored->second, *collection)) !=
        mutation.base_version()) {
      MutationResult conflict = Refuse(
          mutation, rehab::v1::OUTCOME_CONFLICT,
          rehab::ErrorWithReason(absl::StatusCode::kAborted, "stale version",
                                 rehab::kReasonVersionConflict));
      *conflict.mutable_current() = stored->second;
      return conflict;
    }
  }
  Change change;
  MutableRecordIn(change, *collection)->CopyFrom(record);
  Store(std::move(change));
  const Change& now_stored = records_[key];
  result.set_outcome(rehab::v1::OUTCOME_APPLIED);
  result.set_version(RecordVersion(*RecordIn(now_stored, *collection)));
  result.set_change_seq(now_stored.change_seq());
  applied_[mutation.mutation_id()] = Applied{hash, result};
  return result;
}

absl::StatusOr<rehab::v1::PushResponse> FakeSyncServer::Push(
    const CallContext& context, const rehab::v1::PushRequest& request) {
  if (before_push) {
    if (absl::Status s = before_push(request); !s.ok()) return s;
  }
  rehab::v1::PushResponse response;
  {
    absl::MutexLock lock(&mu_);
    ++push_calls_;
    if (absl::Status s = CheckToken(context); !s.ok()) return s;
    mutations_received_ += request.mutations_size();
    for (const Mutation& mutation : request.mutations()) {
      *response.add_results() = ApplyOne(mutation);
    }
    *response.mutable_server_time() = Now();
  }
  if (after_push) {
    if (absl::Status s = after_push(); !s.ok()) return s;
  }
  return response;
}

absl::StatusOr<rehab::v1::PullResponse> FakeSyncServer::Pull(
    const CallContext& context, const rehab::v1::PullRequest& request) {
  if (before_pull) {
    if (absl::Status s = before_pull(request); !s.ok()) return s;
  }
  absl::MutexLock lock(&mu_);
  ++pull_calls_;
  if (absl::Status s = CheckToken(context); !s.ok()) return s;
  int64_t after = 0;
  const bool readable =
      request.sync_token().empty() ||
      (request.sync_token()[0] == 't' &&
       absl::SimpleAtoi(request.sync_token().substr(1), &after));
  if (resync_ || !readable) {
    resync_ = false;
    return rehab::ErrorWithReason(absl::StatusCode::kFailedPrecondition,
                                  "start over", rehab::kReasonResyncRequired);
  }
  const int page_size = request.page_size() > 0 ? request.page_size() : 500;
  rehab::v1::PullResponse response;
  auto it = feed_.upper_bound(after);
  for (; it != feed_.end() && response.changes_size() < page_size; ++it) {
    *response.add_changes() = it->second;
    after = it->first;
  }
  response.set_caught_up(it == feed_.end());
  response.set_sync_token(absl::StrCat("t", after));
  *response.mutable_server_time() = Now();
  return response;
}

}  // namespace rehab::client::internal
