#include "server/storage/checkpointer.h"

#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <utility>

#include "server/common/log.h"
#include "server/common/status_macros.h"

namespace rehab::storage {
namespace {

// SQLite's default automatic checkpoint threshold, given back on Stop.
constexpr int kSqliteAutoCheckpointFrames = 1000;

// Runs a PASSIVE checkpoint of `db`; true when it ran (SQLITE_BUSY means
// another checkpoint holds the lock, which is no error).
bool CheckpointPassive(sqlite3* db, const char* where) {
  int log_frames = 0;
  int copied_frames = 0;
  const int rc = sqlite3_wal_checkpoint_v2(
      db, "main", SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied_frames);
  if (rc == SQLITE_OK) {
    if (log::Enabled(log::Level::kDebug)) {
      log::Debug("wal_checkpoint", {{"by", where},
                                    {"wal_frames", std::to_string(log_frames)},
                                    {"copied", std::to_string(copied_frames)}});
    }
    return true;
  }
  if ((rc & 0xff) != SQLITE_BUSY) {
    log::Warn("wal_checkpoint_failed", {{"by", where},
                                        {"code", std::to_string(rc)},
                                        {"detail", sqlite3_errmsg(db)}});
  }
  return false;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Checkpointer>> Checkpointer::Start(
    Connection* writer, const CheckpointerOptions& options) {
  ConnectionOptions own_options;
  own_options.page_cache_kib = options.page_cache_kib;
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> own,
                   Connection::Open(writer->path(), own_options));
  std::unique_ptr<Checkpointer> checkpointer(
      new Checkpointer(writer, std::move(own), options));
  sqlite3_wal_hook(writer->db(), &Checkpointer::WalHook, checkpointer.get());
  checkpointer->thread_ = std::thread([c = checkpointer.get()] { c->Run(); });
  return checkpointer;
}

Checkpointer::Checkpointer(Connection* writer, std::unique_ptr<Connection> own,
                           const CheckpointerOptions& options)
    : writer_(writer), own_(std::move(own)), options_(options) {
  next_wake_frames_ = std::max(options_.background_frames, 1);
  next_inline_frames_ =
      std::max(options_.inline_frames, options_.background_frames);
}

Checkpointer::~Checkpointer() { Stop(); }

void Checkpointer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  // Replaces the hook, so nothing calls into this object any more.
  sqlite3_wal_autocheckpoint(writer_->db(), kSqliteAutoCheckpointFrames);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
  own_.reset();
}

int Checkpointer::WalHook(void* self, sqlite3* /*db*/, const char* /*database*/,
                          int frames) {
  static_cast<Checkpointer*>(self)->AfterCommit(frames);
  return SQLITE_OK;
}

void Checkpointer::AfterCommit(int frames) {
  const int background = std::max(options_.background_frames, 1);
  if (frames < last_frames_) {
    // SQLite started the WAL over.
    next_wake_frames_ = background;
    next_inline_frames_ = std::max(options_.inline_frames, background);
  }
  last_frames_ = frames;
  if (frames >= next_inline_frames_) {
    // Refused only while the background checkpoint holds the lock: then
    // again after the next commit.
    if (CheckpointPassive(writer_->db(), "writer")) {
      inline_checkpoints_.fetch_add(1, std::memory_order_relaxed);
      // SQLite starts the WAL over at the next write, unless a reader still
      // reads the WAL's end; then again a few commits later, not after
      // every one.
      next_inline_frames_ = frames + std::max(background / 8, 1);
    }
    return;
  }
  if (frames >= next_wake_frames_) {
    next_wake_frames_ = frames + background;
    absl::MutexLock lock(&mu_);
    requested_ = true;
  }
}

bool Checkpointer::RequestedOrStopping() const {
  return requested_ || stopping_;
}

void Checkpointer::Run() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &Checkpointer::RequestedOrStopping));
      // What is left in the WAL at the end is checkpointed when the writer
      // closes.
      if (stopping_) return;
      requested_ = false;
    }
    if (CheckpointPassive(own_->db(), "background")) {
      background_checkpoints_.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

}  // namespace rehab::storage
