#include "server/storage/write_queue.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include "absl/synchronization/notification.h"
#include "server/common/errors.h"
#include "server/common/log.h"
#include "server/common/status_macros.h"
#include "server/storage/savepoint.h"
#include "server/storage/transaction.h"

namespace rehab::storage {

struct WriteQueue::Completion {
  absl::Status status;
  absl::Notification done;
};

WriteQueue::WriteQueue(Connection* connection, WriteTxn* txn,
                       const WriteQueueOptions& options)
    : connection_(connection), txn_(txn), options_(options) {
  group_.reserve(options_.max_group_size);
  results_.reserve(options_.max_group_size);
  thread_ = std::thread([this] { Run(); });
  writer_id_ = thread_.get_id();
}

WriteQueue::~WriteQueue() { Shutdown(); }

absl::Status WriteQueue::Write(Job job) {
  Completion completion;
  RETURN_IF_ERROR(Enqueue(std::move(job), &completion));
  completion.done.WaitForNotification();
  return completion.status;
}

absl::Status WriteQueue::WriteAsync(Job job) {
  return Enqueue(std::move(job), nullptr);
}

absl::Status WriteQueue::Enqueue(Job job, Completion* completion) {
  if (completion != nullptr && std::this_thread::get_id() == writer_id_) {
    log::Error("write_queue_reentrant_write", {});
    return absl::FailedPreconditionError(
        "storage error: a write job may not wait for another write");
  }
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the store is shutting down");
  if (queue_.size() >= options_.capacity) {
    return ErrorWithReason(absl::StatusCode::kResourceExhausted,
                           "too many writes are waiting; retry later",
                           kReasonOverloaded);
  }
  queue_.push_back(Entry{std::move(job), completion});
  if (completion != nullptr) ++queued_writes_;
  return absl::OkStatus();
}

void WriteQueue::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  std::call_once(join_once_, [this] { thread_.join(); });
}

bool WriteQueue::HasWorkOrStopping() const {
  return stopping_ || !queue_.empty();
}

bool WriteQueue::HasWriteOrFullOrStopping() const {
  return stopping_ || queued_writes_ > 0 ||
         queue_.size() >= options_.max_group_size;
}

void WriteQueue::Run() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &WriteQueue::HasWorkOrStopping));
      // Stopping with an empty queue: everything accepted has run.
      if (queue_.empty()) return;
      if (!HasWriteOrFullOrStopping() &&
          options_.async_wait > absl::ZeroDuration()) {
        mu_.AwaitWithTimeout(
            absl::Condition(this, &WriteQueue::HasWriteOrFullOrStopping),
            options_.async_wait);
      }
      const size_t take = std::min(queue_.size(), options_.max_group_size);
      for (size_t i = 0; i < take; ++i) {
        if (queue_.front().completion != nullptr) --queued_writes_;
        group_.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    CommitGroup();
    if (options_.after_group) options_.after_group();
    for (size_t i = 0; i < group_.size(); ++i) {
      Complete(group_[i], std::move(results_[i]));
    }
    group_.clear();
    results_.clear();
  }
}

absl::Status WriteQueue::RunJob(const Job& job) {
  Savepoint savepoint(connection_);
  RETURN_IF_ERROR(savepoint.Begin());
  // On error the savepoint's destructor undoes what the job wrote.
  RETURN_IF_ERROR(job(*txn_));
  return savepoint.Release();
}

void WriteQueue::CommitGroup() {
  Transaction transaction(connection_);
  const absl::Status begin = transaction.Begin(Transaction::Mode::kImmediate);
  if (!begin.ok()) {
    results_.assign(group_.size(), begin);
    return;
  }
  for (size_t i = 0; i < group_.size(); ++i) {
    results_.push_back(RunJob(group_[i].job));
    if (!connection_->in_transaction()) {
      // SQLite rolled the whole transaction back (disk full, I/O error):
      // the jobs that ran lost their work, and the rest cannot run in it.
      const absl::Status lost = results_.back().ok()
                                    ? absl::InternalError("storage error")
                                    : results_.back();
      log::Error("write_group_aborted",
                 {{"jobs", std::to_string(group_.size())}});
      results_.assign(group_.size(), lost);
      return;
    }
  }
  const absl::Status commit = transaction.Commit();
  if (commit.ok()) {
    commit_count_.fetch_add(1, std::memory_order_relaxed);
  } else {
    log::Error("write_group_commit_failed",
               {{"jobs", std::to_string(group_.size())}});
  }
  for (absl::Status& result : results_) {
    if (result.ok()) result = commit;
  }
}

void WriteQueue::Complete(Entry& entry, absl::Status status) {
  // Release what the job captured here, on the writer thread, before the
  // caller (who may own what the captures point to) goes on.
  entry.job = nullptr;
  if (entry.completion == nullptr) {
    if (!status.ok()) {
      log::Warn("async_write_failed",
                {{"code", absl::StatusCodeToString(status.code())},
                 {"message", std::string_view(status.message().data(),
                                              status.message().size())}});
    }
    return;
  }
  entry.completion->status = std::move(status);
  entry.completion->done.Notify();
}

}  // namespace rehab::storage
