// The single writer of a SQLite database, with group commit.
//
// Callers hand write jobs to the queue; one thread owns the write
// connection and runs them. It takes every queued job (up to
// `max_group_size`), opens one IMMEDIATE transaction, runs each job inside
// its own savepoint (a failing job's savepoint is rolled back, the others'
// work is kept) and commits once: many concurrent writes share one
// transaction and one fsync. A job's caller learns its outcome only after
// the commit, so an OK is a durable write. Jobs queued by WriteAsync alone
// wait a moment (`async_wait`) for a Write to share their commit.
//
//   WriteQueue queue(conn, &txn, WriteQueueOptions{});
//   absl::Status s = queue.Write([](WriteTxn& txn) { return txn.Put...; });
//
// Outcomes of a job:
//   - the job's own error: its writes are rolled back, the group goes on;
//   - the commit's error (every job of the group whose function succeeded
//     gets it, and nothing of the group is kept);
//   - if the transaction is lost mid-group (SQLite rolls it back itself on
//     a full disk or an I/O error), the jobs that ran get the error that
//     lost it and the rest of the group fails alike;
//   - RESOURCE_EXHAUSTED (reason OVERLOADED) when `capacity` jobs are
//     already waiting, without blocking;
//   - UNAVAILABLE once Shutdown has begun.
//
// Thread-safe. A job must not call Write itself (it runs on the writer
// thread, which would wait for itself: FAILED_PRECONDITION); WriteAsync from
// a job is fine and lands in a later group.
#ifndef REHAB_SERVER_STORAGE_WRITE_QUEUE_H_
#define REHAB_SERVER_STORAGE_WRITE_QUEUE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/domain/store.h"
#include "server/storage/connection.h"

namespace rehab::storage {

struct WriteQueueOptions {
  // Jobs that may wait for the writer; beyond it Write and WriteAsync are
  // refused (RESOURCE_EXHAUSTED). Bounds memory under overload.
  size_t capacity = 4096;
  // Jobs committed together at most (bounds one transaction's size and
  // the latency of its first job).
  size_t max_group_size = 512;
  // How long the writer holds jobs queued by WriteAsync alone (audit
  // records, mostly queued by calls that have just been answered) for a
  // Write to arrive, so that they share its commit instead of taking a sync
  // of their own just as it comes. It starts at once when a Write arrives,
  // when max_group_size jobs wait, or on Shutdown. Zero: no wait.
  absl::Duration async_wait = absl::Milliseconds(2);
  // When set, runs on the writer thread after each group has ended
  // (committed or not), before any of its callers learns its outcome.
  std::function<void()> after_group;
};

class WriteQueue {
 public:
  using Job = std::function<absl::Status(WriteTxn&)>;

  // Starts the writer thread. `connection` (read-write, no open
  // transaction) and `txn` (bound to it) are used by that thread alone from
  // now on and must outlive the queue (or at least Shutdown).
  WriteQueue(Connection* connection, WriteTxn* txn,
             const WriteQueueOptions& options);
  // Shuts down (draining the queue).
  ~WriteQueue();

  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  // Queues `job` and waits until its group commits; see the outcomes above.
  absl::Status Write(Job job);

  // Queues `job` without waiting. OK when queued; the job's own outcome is
  // logged when it fails. RESOURCE_EXHAUSTED or UNAVAILABLE as for Write.
  absl::Status WriteAsync(Job job);

  // Refuses new jobs, runs every job already queued, and stops the writer
  // thread. Idempotent; returns when the thread has ended.
  void Shutdown();

  // Transactions committed so far (each group is one).
  int64_t commit_count() const {
    return commit_count_.load(std::memory_order_relaxed);
  }

 private:
  // Where a waiting caller receives its job's outcome.
  struct Completion;
  struct Entry {
    Job job;
    Completion* completion;  // null for WriteAsync
  };

  absl::Status Enqueue(Job job, Completion* completion);
  bool HasWorkOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool HasWriteOrFullOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Run();
  // Runs group_ in one transaction, leaving each job's outcome in
  // results_.
  void CommitGroup();
  absl::Status RunJob(const Job& job);
  void Complete(Entry& entry, absl::Status status);

  Connection* const connection_;
  WriteTxn* const txn_;
  const WriteQueueOptions options_;

  absl::Mutex mu_;
  std::deque<Entry> queue_ ABSL_GUARDED_BY(mu_);
  // Entries of queue_ queued by Write (someone waits for them).
  size_t queued_writes_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  // The writer thread's own: the group being committed and its outcomes.
  std::vector<Entry> group_;
  std::vector<absl::Status> results_;

  std::atomic<int64_t> commit_count_{0};
  std::once_flag join_once_;
  std::thread thread_;
  std::thread::id writer_id_;
};

}  // namespace rehab::storage

#endif  // REHAB_SERVER_STORAGE_WRITE_QUEUE_H_
