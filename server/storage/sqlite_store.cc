#include "server/storage/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string_view>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "server/common/log.h"
#include "server/common/status_macros.h"
#include "server/storage/connection.h"
#include "server/storage/connection_pool.h"
#include "server/storage/migrations.h"
#include "server/storage/sqlite_txn.h"
#include "server/storage/transaction.h"
#include "server/storage/write_queue.h"

namespace rehab {
namespace {

using storage::Connection;
using storage::ConnectionOptions;
using storage::Transaction;

constexpr char kJournalModeDelete[] = "PRAGMA journal_mode=DELETE";

bool SameFile(const std::string& a, const std::string& b) {
  std::error_code error;
  const std::filesystem::path canonical_a =
      std::filesystem::weakly_canonical(a, error);
  if (error) return false;
  const std::filesystem::path canonical_b =
      std::filesystem::weakly_canonical(b, error);
  if (error) return false;
  return canonical_a == canonical_b;
}

// Makes a rename in the directory of `path` durable.
void SyncParentDirectory(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) parent = ".";
  const int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string_view View(absl::string_view text) {
  return std::string_view(text.data(), text.size());
}

}  // namespace

SqliteStore::SqliteStore(const StoreOptions& options) : options_(options) {}

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(
    const StoreOptions& options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("the database path is empty");
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(options));

  ConnectionOptions write_options;
  write_options.busy_timeout = options.busy_timeout;
  write_options.page_cache_kib = 64 * 1024;
  ASSIGN_OR_RETURN(store->writer_,
                   Connection::Open(options.path, write_options));
  RETURN_IF_ERROR(
      storage::Migrate(*store->writer_, storage::SchemaMigrations()));

  // Opened after the writer put the file in WAL mode: a read-only
  // connection cannot change the journal mode itself.
  ConnectionOptions read_options;
  read_options.read_only = true;
  read_options.busy_timeout = options.busy_timeout;
  ASSIGN_OR_RETURN(store->readers_,
                   storage::ConnectionPool::Open(
                       options.path, options.read_connections, read_options));

  store->write_txn_ =
      std::make_unique<storage::SqliteTxn>(store->writer_.get());
  storage::WriteQueueOptions queue_options;
  queue_options.capacity = options.write_queue_capacity;
  queue_options.max_group_size = std::max<size_t>(options.max_group_size, 1);
  store->queue_ = std::make_unique<storage::WriteQueue>(
      store->writer_.get(), store->write_txn_.get(), queue_options);
  log::Info("store_opened",
            {{"path", options.path},
             {"schema_version", std::to_string(storage::LatestSchemaVersion())},
             {"readers", std::to_string(options.read_connections)}});
  return store;
}

SqliteStore::~SqliteStore() { Close(); }

void SqliteStore::Close() {
  {
    absl::MutexLock lock(&close_mu_);
    if (closed_) return;
    closed_ = true;
  }
  if (queue_ != nullptr) queue_->Shutdown();
  // Readers first: the last connection to close checkpoints the WAL into
  // the database file and removes it, and that should be the writer.
  if (readers_ != nullptr) readers_->Close();
  writer_.reset();
  log::Info("store_closed", {{"path", options_.path}});
}

int64_t SqliteStore::commit_count() const {
  return queue_ != nullptr ? queue_->commit_count() : 0;
}

absl::Status SqliteStore::Read(
    const std::function<absl::Status(ReadTxn&)>& fn) {
  ASSIGN_OR_RETURN(Connection * connection, readers_->Acquire());
  absl::Cleanup release = [&] { readers_->Release(connection); };
  Transaction transaction(connection);
  RETURN_IF_ERROR(transaction.Begin(Transaction::Mode::kDeferred));
  storage::SqliteTxn txn(connection);
  RETURN_IF_ERROR(fn(txn));
  return transaction.Commit();
}

absl::Status SqliteStore::Write(std::function<absl::Status(WriteTxn&)> fn) {
  return queue_->Write(std::move(fn));
}

void SqliteStore::WriteAsync(std::function<absl::Status(WriteTxn&)> fn) {
  const absl::Status status = queue_->WriteAsync(std::move(fn));
  if (!status.ok()) {
    log::Warn("async_write_dropped",
              {{"code", absl::StatusCodeToString(status.code())},
               {"message", View(status.message())}});
  }
}

absl::Status SqliteStore::Backup(const std::string& dest_path) {
  if (dest_path.empty()) {
    return absl::InvalidArgumentError("the backup path is empty");
  }
  if (SameFile(dest_path, options_.path)) {
    return absl::InvalidArgumentError(
        "the backup path names the live database");
  }
  ASSIGN_OR_RETURN(Connection * source, readers_->Acquire());
  absl::Cleanup release = [&] { readers_->Release(source); };

  const std::string partial = dest_path + ".partial";
  std::remove(partial.c_str());
  absl::Cleanup remove_partial = [&] { std::remove(partial.c_str()); };
  const absl::Status cannot_write = absl::FailedPreconditionError(
      "cannot write the backup file " + dest_path);
  {
    ConnectionOptions dest_options;
    dest_options.wal = false;
    absl::StatusOr<std::unique_ptr<Connection>> dest =
        Connection::Open(partial, dest_options);
    if (!dest.ok()) return cannot_write;
    sqlite3_backup* backup =
        sqlite3_backup_init((*dest)->db(), "main", source->db(), "main");
    if (backup == nullptr) {
      return (*dest)->ErrorStatus(sqlite3_extended_errcode((*dest)->db()),
                                  "backup init");
    }
    // One step copies every page under one read lock: a consistent
    // snapshot, while the writer goes on in the WAL.
    const int step = sqlite3_backup_step(backup, -1);
    const int finish = sqlite3_backup_finish(backup);
    if (step != SQLITE_DONE) {
      absl::Status status = (*dest)->ErrorStatus(step, "backup step");
      return absl::IsInternal(status) ? cannot_write : status;
    }
    if (finish != SQLITE_OK) {
      absl::Status status = (*dest)->ErrorStatus(finish, "backup finish");
      return absl::IsInternal(status) ? cannot_write : status;
    }
    // The copied header says WAL; a backup should be one self-contained
    // file.
    RETURN_IF_ERROR((*dest)->Execute(kJournalModeDelete));
  }
  if (std::rename(partial.c_str(), dest_path.c_str()) != 0) {
    log::Error("backup_rename_failed", {{"path", dest_path}});
    return cannot_write;
  }
  std::move(remove_partial).Cancel();
  SyncParentDirectory(dest_path);
  log::Info("backup_written", {{"path", dest_path}});
  return absl::OkStatus();
}

}  // namespace rehab
