#include "client-sdk/src/sync_engine.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client-sdk/src/backoff.h"
#include "client-sdk/src/collections.h"
#include "client-sdk/src/rpc_status.h"
#include "client-sdk/src/session_call.h"
#include "google/protobuf/descriptor.h"
#include "server/common/dates.h"
#include "server/common/errors.h"
#include "server/common/ids.h"
#include "server/common/status_macros.h"

namespace rehab::client::internal {
namespace {

using rehab::v1::Mutation;
using rehab::v1::MutationResult;

// The server's limits (DESIGN.md section 6).
constexpr int kMaxPushBatch = 500;
constexpr int64_t kMaxPushBytes = 4 << 20;
constexpr int kMaxPullPage = 2000;
// A device clock further off than this is flagged.
constexpr absl::Duration kClockSkewLimit = absl::Minutes(10);

// Set while this thread runs a sync listener, so that a status change the
// listener itself causes is delivered at once instead of waiting for the
// listener to return.
thread_local bool in_listener = false;

bool IsRetryable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kDeadlineExceeded ||
         status.code() == absl::StatusCode::kResourceExhausted;
}

bool IsAccountDisabled(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnauthenticated &&
         rehab::ReasonOf(status) == rehab::kReasonAccountDisabled;
}

bool IsResyncRequired(const absl::Status& status) {
  return status.code() == absl::StatusCode::kFailedPrecondition &&
         rehab::ReasonOf(status) == rehab::kReasonResyncRequired;
}

// The device could not get through (or the server could not take more):
// the run is tried again later, nothing for the user to do.
bool IsOffline(const absl::Status& status) { return IsRetryable(status); }

// A UUID field in canonical form, or the error naming `field`.
absl::StatusOr<std::string> CanonicalId(const std::string& value,
                                        const std::string& field) {
  std::string id = rehab::CanonicalizeUuid(value);
  if (!rehab::IsCanonicalUuid(id)) {
    return rehab::InvalidArgumentError(field, "must be a UUID");
  }
  return id;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SyncEngine>> SyncEngine::Open(
    const ClientOptions& options, Stub& stub, AuthSession& auth) {
  ASSIGN_OR_RETURN(std::unique_ptr<LocalStore> store,
                   LocalStore::Open(options.local_db_path));
  std::unique_ptr<SyncEngine> engine(
      new SyncEngine(options, stub, auth, std::move(store)));
  engine->RefreshCounts();
  return engine;
}

SyncEngine::SyncEngine(const ClientOptions& options, Stub& stub,
                       AuthSession& auth, std::unique_ptr<LocalStore> store)
    : options_(options),
      stub_(stub),
      auth_(auth),
      store_(std::move(store)),
      clock_(options.clock ? options.clock : [] { return absl::Now(); }),
      last_run_(absl::UnknownError("no sync has run")) {
  auth_.SetAccountDisabledListener([this] { OnAccountDisabled(); });
}

SyncEngine::~SyncEngine() {
  StopBackground();
  auth_.SetAccountDisabledListener(nullptr);
}

// --- Session events ----------------------------------------------------------

absl::Status SyncEngine::OnLogin(const std::string& username,
                                 const rehab::v1::LoginResponse& response) {
  const std::string& account_id = response.account().id();
  if (account_id.empty()) {
    OnSessionChanged();
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(bool erased, store_->Bind(account_id, username));
  {
    absl::MutexLock lock(&mu_);
    ++session_epoch_;
    account_checked_ = true;
    if (erased) status_ = SyncStatus{};
  }
  if (erased) RefreshCounts();
  return absl::OkStatus();
}

void SyncEngine::OnLoginRefused(const std::string& username,
                                const absl::Status& status) {
  if (!IsAccountDisabled(status)) return;
  absl::StatusOr<Binding> binding = store_->GetBinding();
  if (binding.ok() && !binding->username.empty() &&
      binding->username == username) {
    OnAccountDisabled();
  }
}

void SyncEngine::OnSessionChanged() {
  absl::MutexLock lock(&mu_);
  ++session_epoch_;
  account_checked_ = false;
}

void SyncEngine::OnAccountDisabled() {
  const absl::Status wiped = store_->Wipe();
  {
    absl::MutexLock lock(&mu_);
    ++wipes_;
    ++session_epoch_;
    account_checked_ = false;
    // An erase that failed is reported, not hidden: the data is still here.
    status_.state = wiped.ok() ? SyncState::kWiped : SyncState::kFailed;
    status_.last_error = wiped;
  }
  RefreshCounts();
}

// --- Local writes ------------------------------------------------------------

absl::StatusOr<std::string> SyncEngine::Enqueue(Mutation mutation) {
  const Collection* collection = CollectionOf(mutation);
  if (collection == nullptr) {
    return rehab::InvalidArgumentError("record",
                                       "required: the record to write");
  }
  const std::string member = Mutation::descriptor()
                                 ->FindFieldByNumber(collection->field_number)
                                 ->name();
  google::protobuf::Message& record = *MutableRecordIn(mutation, *collection);
  std::string id = RecordId(record);
  if (id.empty()) {
    id = rehab::NewUuid();
  } else {
    ASSIGN_OR_RETURN(id, CanonicalId(id, absl::StrCat(member, ".id")));
  }
  SetRecordId(record, id);
  if (mutation.base_version() < 0) {
    return rehab::InvalidArgumentError("base_version", "must not be negative");
  }
  if (collection->writes == Writes::kCreate && mutation.base_version() != 0) {
    return rehab::InvalidArgumentError(
        "base_version",
        absl::StrCat("must be 0: ", std::string(collection->name),
                     " are created from a device, never edited"));
  }
  if (mutation.mutation_id().empty()) {
    mutation.set_mutation_id(rehab::NewUuid());
  } else {
    ASSIGN_OR_RETURN(*mutation.mutable_mutation_id(),
                     CanonicalId(mutation.mutation_id(), "mutation_id"));
  }
  if (!mutation.has_device_time()) {
    *mutation.mutable_device_time() = rehab::ToProto(clock_());
  }
  RETURN_IF_ERROR(store_->Enqueue(mutation));
  RefreshCounts();
  return id;
}

// --- Sync --------------------------------------------------------------------

absl::StatusOr<SyncReport> SyncEngine::Sync() {
  {
    absl::MutexLock lock(&run_mu_);
    if (running_) {
      const uint64_t joined = runs_finished_;
      while (runs_finished_ == joined) run_done_.Wait(&run_mu_);
      return last_run_;
    }
    running_ = true;
  }
  uint64_t wipes_before;
  {
    absl::MutexLock lock(&mu_);
    wipes_before = wipes_;
  }
  SetState(SyncState::kSyncing, absl::OkStatus());
  SyncReport report;
  const absl::Status outcome = RunSteps(report);
  Finish(outcome, wipes_before);
  absl::StatusOr<SyncReport> result =
      outcome.ok() ? absl::StatusOr<SyncReport>(report) : outcome;
  {
    absl::MutexLock lock(&run_mu_);
    running_ = false;
    ++runs_finished_;
    last_run_ = result;
    run_done_.SignalAll();
  }
  return result;
}

absl::Status SyncEngine::RunSteps(SyncReport& report) {
  ASSIGN_OR_RETURN(std::string account_id, CheckAccount());
  RETURN_IF_ERROR(PushAll(account_id, report));
  return PullAll(account_id, report);
}

absl::StatusOr<std::string> SyncEngine::CheckAccount() {
  if (!auth_.Current().session.logged_in()) {
    return absl::UnauthenticatedError("not logged in: log in, then sync");
  }
  uint64_t epoch;
  bool checked;
  {
    absl::MutexLock lock(&mu_);
    epoch = session_epoch_;
    checked = account_checked_;
  }
  if (!checked) {
    // Tokens adopted without a login belong to an account the device has
    // not seen yet: the outbox must not go out under another account.
    ASSIGN_OR_RETURN(rehab::v1::WhoAmIResponse me, WithRetry([&] {
                       return CallMethod(stub_, auth_, options_, &Stub::WhoAmI,
                                         rehab::v1::WhoAmIRequest());
                     }));
    ASSIGN_OR_RETURN(bool erased,
                     store_->Bind(me.account().id(), me.account().username()));
    if (erased) RefreshCounts();
    absl::MutexLock lock(&mu_);
    if (session_epoch_ == epoch) account_checked_ = true;
  }
  ASSIGN_OR_RETURN(Binding binding, store_->GetBinding());
  if (binding.account_id.empty()) {
    return absl::AbortedError(
        "the local data was erased while syncing; sync again");
  }
  return binding.account_id;
}

absl::Status SyncEngine::PushAll(const std::string& account_id,
                                 SyncReport& report) {
  int limit = std::clamp(options_.push_batch_size, 1, kMaxPushBatch);
  Backoff backoff(options_.retry);
  int failures = 0;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<OutboxItem> batch,
                     store_->NextBatch(limit, kMaxPushBytes));
    if (batch.empty()) return absl::OkStatus();
    rehab::v1::PushRequest request;
    for (const OutboxItem& item : batch) {
      *request.add_mutations() = item.mutation;
    }
    absl::StatusOr<rehab::v1::PushResponse> response =
        CallMethod(stub_, auth_, options_, &Stub::Push, request);
    if (response.ok()) {
      failures = 0;
      backoff.Reset();
      if (response->has_server_time()) {
        NoteServerTime(rehab::FromProto(response->server_time()), report);
      }
      RETURN_IF_ERROR(ApplyResults(account_id, batch, *response, report));
      continue;
    }
    const absl::Status& error = response.status();
    if (error.code() == absl::StatusCode::kResourceExhausted) {
      // Too large a batch (or, with reason OVERLOADED, too busy a server):
      // send half. Only a busy server is worth waiting for; a batch too
      // large goes again at once, smaller, down to one mutation, which the
      // server then cannot take at all.
      const bool too_large = rehab::ReasonOf(error) != rehab::kReasonOverloaded;
      if (batch.size() > 1) {
        limit = static_cast<int>(batch.size() / 2);
        if (too_large) continue;
      } else if (too_large) {
        RETURN_IF_ERROR(ParkTooLarge(account_id, batch[0], error, report));
        continue;
      }
    }
    if (!IsRetryable(error) || ++failures >= options_.retry.max_attempts) {
      return error;
    }
    RETURN_IF_ERROR(Pause(backoff.Next()));
  }
}

absl::Status SyncEngine::ApplyResults(const std::string& account_id,
                                      const std::vector<OutboxItem>& batch,
                                      const rehab::v1::PushResponse& response,
                                      SyncReport& report) {
  // Results answer the mutations in order; from the first that does not
  // match, the rest stay queued for the next run.
  std::vector<MutationResult> matched;
  for (const MutationResult& result : response.results()) {
    if (matched.size() == batch.size() ||
        result.mutation_id() != batch[matched.size()].mutation.mutation_id()) {
      break;
    }
    matched.push_back(result);
  }
  ASSIGN_OR_RETURN(PushTally tally, store_->ApplyPushResults(
                                        account_id, batch, matched, clock_()));
  report.pushed += tally.pushed;
  report.duplicates += tally.duplicates;
  report.conflicts += tally.conflicts;
  report.rejected += tally.rejected;
  RefreshCounts();
  const int64_t answered =
      tally.pushed + tally.duplicates + tally.conflicts + tally.rejected;
  if (answered < static_cast<int64_t>(batch.size())) {
    return absl::UnknownError(
        absl::StrCat("the server answered ", answered, " of ", batch.size(),
                     " mutations understandably; the rest stay queued"));
  }
  return absl::OkStatus();
}

absl::Status SyncEngine::ParkTooLarge(const std::string& account_id,
                                      const OutboxItem& item,
                                      const absl::Status& error,
                                      SyncReport& report) {
  MutationResult rejected;
  rejected.set_mutation_id(item.mutation.mutation_id());
  rejected.set_outcome(rehab::v1::OUTCOME_REJECTED);
  *rejected.mutable_status() = StatusToProto(error);
  ASSIGN_OR_RETURN(
      PushTally tally,
      store_->ApplyPushResults(account_id, {item}, {rejected}, clock_()));
  report.rejected += tally.rejected;
  RefreshCounts();
  return absl::OkStatus();
}

absl::Status SyncEngine::PullAll(const std::string& account_id,
                                 SyncReport& report) {
  const int page_size = std::clamp(options_.pull_page_size, 1, kMaxPullPage);
  ASSIGN_OR_RETURN(std::string token, store_->SyncToken());
  while (true) {
    rehab::v1::PullRequest request;
    request.set_sync_token(token);
    request.set_page_size(page_size);
    absl::StatusOr<rehab::v1::PullResponse> page = WithRetry([&] {
      return CallMethod(stub_, auth_, options_, &Stub::Pull, request);
    });
    if (!page.ok()) {
      // Once per run: a server that refuses even the beginning has
      // something else wrong.
      if (IsResyncRequired(page.status()) && !report.resynced) {
        RETURN_IF_ERROR(store_->ResetFeed(account_id));
        token.clear();
        report.resynced = true;
        continue;
      }
      return page.status();
    }
    if (page->has_server_time()) {
      NoteServerTime(rehab::FromProto(page->server_time()), report);
    }
    ASSIGN_OR_RETURN(PageTally tally, store_->ApplyPage(account_id, *page));
    report.pulled += tally.pulled;
    report.skipped_pending += tally.skipped_pending;
    if (page->caught_up()) {
      report.caught_up = true;
      return absl::OkStatus();
    }
    if (page->changes().empty() && page->sync_token() == token) {
      return absl::UnknownError(
          "the server's change feed did not move on; sync again later");
    }
    token = page->sync_token();
  }
}

template <typename Call>
auto SyncEngine::WithRetry(Call call) -> decltype(call()) {
  Backoff backoff(options_.retry);
  for (int attempt = 1;; ++attempt) {
    auto result = call();
    if (result.ok() || !IsRetryable(result.status()) ||
        attempt >= options_.retry.max_attempts) {
      return result;
    }
    RETURN_IF_ERROR(Pause(backoff.Next()));
  }
}

absl::Status SyncEngine::Pause(absl::Duration wait) {
  const absl::Time until = absl::Now() + wait;
  absl::MutexLock lock(&mu_);
  while (!cancel_waits_) {
    if (wake_.WaitWithDeadline(&mu_, until)) break;
  }
  if (cancel_waits_) return absl::CancelledError("sync stopped");
  return absl::OkStatus();
}

void SyncEngine::NoteServerTime(absl::Time server_time, SyncReport& report) {
  report.server_time = server_time;
  report.clock_skew = server_time - clock_();
  report.clock_skew_flagged =
      absl::AbsDuration(report.clock_skew) > kClockSkewLimit;
  absl::MutexLock lock(&mu_);
  status_.clock_skew = report.clock_skew;
  status_.clock_skew_flagged = report.clock_skew_flagged;
}

void SyncEngine::Finish(const absl::Status& outcome, uint64_t wipes_before) {
  {
    absl::MutexLock lock(&mu_);
    if (wipes_ != wipes_before) {
      // OnAccountDisabled or Wipe set the state.
    } else if (outcome.ok()) {
      status_.state = SyncState::kUpToDate;
      status_.last_error = absl::OkStatus();
      status_.last_success = clock_();
    } else {
      status_.state =
          IsOffline(outcome) ? SyncState::kOffline : SyncState::kFailed;
      status_.last_error = outcome;
    }
  }
  RefreshCounts();
}

SyncStatus SyncEngine::status() const {
  absl::MutexLock lock(&mu_);
  return status_;
}

void SyncEngine::SetListener(Listener listener) {
  absl::MutexLock lock(&mu_);
  listener_ = listener ? std::make_shared<const Listener>(std::move(listener))
                       : nullptr;
}

void SyncEngine::SetState(SyncState state, absl::Status error) {
  {
    absl::MutexLock lock(&mu_);
    status_.state = state;
    status_.last_error = std::move(error);
  }
  Publish();
}

void SyncEngine::RefreshCounts() {
  absl::StatusOr<int64_t> pending = store_->PendingCount();
  absl::StatusOr<int64_t> parked = store_->ParkedCount();
  {
    absl::MutexLock lock(&mu_);
    if (pending.ok()) status_.pending = *pending;
    if (parked.ok()) status_.parked = *parked;
  }
  Publish();
}

void SyncEngine::Publish() {
  std::optional<absl::MutexLock> serial;
  if (!in_listener) serial.emplace(&publish_mu_);
  std::shared_ptr<const Listener> listener;
  SyncStatus status;
  {
    absl::MutexLock lock(&mu_);
    listener = listener_;
    status = status_;
  }
  if (listener == nullptr) return;
  const bool outer = !in_listener;
  in_listener = true;
  (*listener)(status);
  if (outer) in_listener = false;
}

absl::Status SyncEngine::StartBackground(absl::Duration interval) {
  if (interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("interval: must be positive");
  }
  absl::MutexLock lock(&background_mu_);
  StopBackgroundLocked();
  {
    absl::MutexLock state(&mu_);
    background_stop_ = false;
  }
  background_ = std::thread([this, interval] {
    while (true) {
      Sync().IgnoreError();
      const absl::Time next = absl::Now() + interval;
      absl::MutexLock state(&mu_);
      while (!background_stop_) {
        if (wake_.WaitWithDeadline(&mu_, next)) break;
      }
      if (background_stop_) return;
    }
  });
  return absl::OkStatus();
}

void SyncEngine::StopBackground() {
  absl::MutexLock lock(&background_mu_);
  StopBackgroundLocked();
}

void SyncEngine::StopBackgroundLocked() {
  if (!background_.joinable()) return;
  {
    absl::MutexLock state(&mu_);
    background_stop_ = true;
    cancel_waits_ = true;
    wake_.SignalAll();
  }
  background_.join();
  absl::MutexLock state(&mu_);
  cancel_waits_ = false;
}

// --- The outbox and the cache ------------------------------------------------

absl::Status SyncEngine::DiscardParked(const std::string& mutation_id) {
  RETURN_IF_ERROR(store_->DiscardParked(mutation_id));
  RefreshCounts();
  return absl::OkStatus();
}

absl::Status SyncEngine::Wipe() {
  RETURN_IF_ERROR(store_->Wipe());
  {
    absl::MutexLock lock(&mu_);
    ++wipes_;
    ++session_epoch_;
    account_checked_ = false;
    status_ = SyncStatus{};
  }
  RefreshCounts();
  return absl::OkStatus();
}

}  // namespace rehab::client::internal
