// WAL checkpoints of the write connection, mostly off the writer thread.
//
// SQLite's automatic checkpoint runs inside the COMMIT that crosses its
// threshold: the committing thread copies the WAL's pages into the database
// file and syncs it twice, and every write waiting behind it waits too. With
// the single writer of SqliteStore that is a stall of the whole write path
// every few groups. The Checkpointer replaces it (it takes the write
// connection's WAL hook):
//   - whenever `background_frames` more frames were written to the WAL, it
//     wakes its own thread, which runs a PASSIVE checkpoint on its own
//     connection, concurrently with the writer (PASSIVE neither waits for
//     nor blocks the writer or the readers);
//   - a PASSIVE checkpoint that runs beside a writer never quite catches up,
//     and SQLite starts the WAL over from its beginning only after a
//     checkpoint that copied all of it; so once the WAL holds `inline_frames`
//     frames the writer checkpoints it itself, right after the commit. Most
//     frames are in the database file by then, so that copy is short.
// The WAL thus stays below about `inline_frames` frames plus one group's
// (longer only while a reader keeps reading an old snapshot, which no
// checkpoint may overwrite).
// Durability is unchanged: checkpoints copy committed frames only, and sync
// as the connections' synchronous=FULL asks.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Checkpointer> checkpointer,
//                    Checkpointer::Start(writer.get(), CheckpointerOptions{}));
//   ... commits on `writer` ...
//   checkpointer->Stop();  // before `writer` is closed
#ifndef REHAB_SERVER_STORAGE_CHECKPOINTER_H_
#define REHAB_SERVER_STORAGE_CHECKPOINTER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/storage/connection.h"

struct sqlite3;

namespace rehab::storage {

struct CheckpointerOptions {
  // New WAL frames that wake the background checkpoint. At least 1. A
  // checkpoint copies each page once however often it changed since the
  // last one, and a group commit's frames are mostly the same few thousand
  // index pages over and over; so fewer, longer intervals copy far less
  // than SQLite's own threshold of 1000 frames does (at 4000, about a
  // quarter of the copying, measured on patient registrations).
  int background_frames = 4000;
  // WAL size, in frames, at which the writer checkpoints itself. At least
  // background_frames. 16000 frames of 4 KiB pages: a WAL file of about
  // 66 MB.
  int inline_frames = 16000;
  // Page cache of the background connection, in KiB: a checkpoint copies
  // frames without it.
  int page_cache_kib = 256;
};

class Checkpointer {
 public:
  // Opens a connection of its own to `writer`'s database, installs the WAL
  // hook on `writer` (a read-write connection in WAL mode, with no
  // transaction open) and starts the background thread. From then on the
  // hook runs on whichever thread commits on `writer`. The error of opening
  // the connection, if any.
  static absl::StatusOr<std::unique_ptr<Checkpointer>> Start(
      Connection* writer, const CheckpointerOptions& options);

  // Stops (see Stop).
  ~Checkpointer();

  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Gives `writer` back SQLite's automatic checkpoint, stops the background
  // thread (letting a checkpoint in progress finish) and closes the
  // connection. Call it on the thread that owns `writer` now, while no one
  // commits on it. Idempotent.
  void Stop();

  // Checkpoints run so far on the background connection, and by the writer
  // itself; for tests and logs.
  int64_t background_checkpoints() const {
    return background_checkpoints_.load(std::memory_order_relaxed);
  }
  int64_t inline_checkpoints() const {
    return inline_checkpoints_.load(std::memory_order_relaxed);
  }

 private:
  Checkpointer(Connection* writer, std::unique_ptr<Connection> own,
               const CheckpointerOptions& options);

  static int WalHook(void* self, sqlite3* db, const char* database, int frames);
  // On the committing thread, after every commit on the writer.
  void AfterCommit(int frames);
  void Run();
  bool RequestedOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Connection* const writer_;
  std::unique_ptr<Connection> own_;
  const CheckpointerOptions options_;

  // The committing thread's own: the WAL size seen at the last commit, and
  // the sizes at which the background checkpoint is woken next and at
  // which the writer checkpoints itself next.
  int last_frames_ = 0;
  int next_wake_frames_ = 0;
  int next_inline_frames_ = 0;

  absl::Mutex mu_;
  bool requested_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ = false;  // touched by Stop's caller only

  std::atomic<int64_t> background_checkpoints_{0};
  std::atomic<int64_t> inline_checkpoints_{0};
  std::thread thread_;
};

}  // namespace rehab::storage

#endif  // REHAB_SERVER_STORAGE_CHECKPOINTER_H_
