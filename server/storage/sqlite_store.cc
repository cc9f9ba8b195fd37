#include "server/storage/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "server/common/log.h"
#include "server/common/status_macros.h"
#include "server/storage/checkpointer.h"
#include "server/storage/connection.h"
#include "server/storage/connection_pool.h"
#include "server/storage/migrations.h"
#include "server/storage/sqlite_txn.h"
#include "server/storage/transaction.h"
#include "server/storage/wal_write_buffer_vfs.h"
#include "server/storage/write_queue.h"

namespace rehab {
namespace {

using storage::Connection;
using storage::ConnectionOptions;
using storage::Transaction;

constexpr char kJournalModeDelete[] = "PRAGMA journal_mode=DELETE";

constexpr char kSelectChangeSeq[] =
    "SELECT value FROM meta WHERE key = 'change_seq'";

absl::Status CannotWrite(const std::string& path) {
  return absl::FailedPreconditionError(
      absl::StrCat("cannot write the backup file ", path));
}

// The status for a file operation on backup path `path` that failed with
// `error` (an errno value).
absl::Status FileError(int error, const std::string& path) {
  switch (error) {
    case EEXIST:
      return absl::AlreadyExistsError(
          absl::StrCat("a file already exists at ", path));
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(
          absl::StrCat("the directory of ", path, " does not exist"));
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(
          absl::StrCat("no space left for the backup file ", path));
    default:
      // The caller is an administrator naming a path on this host: the
      // system's reason (e.g. "Permission denied") is what they need.
      return absl::FailedPreconditionError(absl::StrCat(
          CannotWrite(path).message(), ": ", std::strerror(error)));
  }
}

// OK when `path` names nothing yet and its directory exists.
absl::Status CheckBackupPath(const std::string& path) {
  struct stat info;
  if (::lstat(path.c_str(), &info) == 0) return FileError(EEXIST, path);
  if (errno != ENOENT) return FileError(errno, path);
  std::string parent = std::filesystem::path(path).parent_path().string();
  if (parent.empty()) parent = ".";
  if (::stat(parent.c_str(), &info) != 0) return FileError(errno, path);
  if (!S_ISDIR(info.st_mode)) return FileError(ENOTDIR, path);
  return absl::OkStatus();
}

// Flushes the file at `path` to the disk.
bool SyncFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return false;
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  return synced;
}

// Makes a new name in the directory of `path` durable.
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
  // A group's WAL frames reach the file in a few writes instead of two
  // per frame.
  write_options.vfs = storage::WalWriteBufferVfs::Name();
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

  // Before the writer thread starts: it takes the writer's WAL hook.
  ASSIGN_OR_RETURN(store->checkpointer_,
                   storage::Checkpointer::Start(
                       store->writer_.get(), storage::CheckpointerOptions()));

  store->write_txn_ =
      std::make_unique<storage::SqliteTxn>(store->writer_.get());
  storage::WriteQueueOptions queue_options;
  queue_options.capacity = options.write_queue_capacity;
  queue_options.max_group_size = std::max<size_t>(options.max_group_size, 1);
  queue_options.async_wait = options.async_write_wait;
  // After the commit, so that a reader who saw the old epoch cannot have
  // read the new data under it (see AuthManager's credentials cache).
  queue_options.after_group = [store = store.get()] {
    if (store->write_txn_->TakeCredentialsWritten()) {
      store->credentials_epoch_.fetch_add(1, std::memory_order_seq_cst);
    }
  };
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
  // With the writer thread gone this thread owns the write connection.
  if (checkpointer_ != nullptr) checkpointer_->Stop();
  // Readers first: the last connection to close checkpoints the WAL into
  // the database file and removes it, and that should be the writer.
  if (readers_ != nullptr) readers_->Close();
  writer_.reset();
  log::Info("store_closed", {{"path", options_.path}});
}

int64_t SqliteStore::credentials_epoch() const {
  return credentials_epoch_.load(std::memory_order_seq_cst);
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

absl::StatusOr<BackupInfo> SqliteStore::Backup(const std::string& dest_path) {
  if (dest_path.empty()) {
    return absl::InvalidArgumentError("the backup path is empty");
  }
  ASSIGN_OR_RETURN(Connection * source, readers_->Acquire());
  absl::Cleanup release = [&] { readers_->Release(source); };
  RETURN_IF_ERROR(CheckBackupPath(dest_path));

  std::string partial = dest_path + ".partial-XXXXXX";
  const int partial_fd = ::mkstemp(partial.data());
  if (partial_fd < 0) {
    return FileError(errno, dest_path);
  }
  ::close(partial_fd);
  absl::Cleanup remove_partial = [&] { ::unlink(partial.c_str()); };
  const absl::Status cannot_write = CannotWrite(dest_path);

  BackupInfo info;
  {
    // The change counter and the pages are read under one read
    // transaction: sqlite3_backup_step uses the transaction the source
    // connection holds, so the copy ends exactly at `info.change_seq`.
    Transaction snapshot(source);
    RETURN_IF_ERROR(snapshot.Begin(Transaction::Mode::kDeferred));
    {
      ASSIGN_OR_RETURN(storage::Statement select,
                       source->GetCachedStatement(kSelectChangeSeq));
      ASSIGN_OR_RETURN(const bool found, select.Step());
      if (found) info.change_seq = select.ColumnInt64(0);
    }
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
    // One step copies every page, while the writer goes on in the WAL.
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
  // SQLite synced its commits already (synchronous=FULL); this makes the
  // file's durability not depend on that setting.
  struct stat partial_stat;
  if (!SyncFile(partial) || ::stat(partial.c_str(), &partial_stat) != 0) {
    return cannot_write;
  }
  info.size_bytes = partial_stat.st_size;
  // link, unlike rename, refuses to replace a file that appeared at
  // `dest_path` meanwhile.
  if (::link(partial.c_str(), dest_path.c_str()) != 0) {
    return FileError(errno, dest_path);
  }
  std::move(remove_partial).Invoke();
  SyncParentDirectory(dest_path);
  log::Info("backup_written",
            {{"path", dest_path},
             {"size_bytes", std::to_string(info.size_bytes)},
             {"change_seq", std::to_string(info.change_seq)}});
  return info;
}

}  // namespace rehab
